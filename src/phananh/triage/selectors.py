"""Reading the suggestions: for the IOC's forms (back office) and the staff API's report detail."""

from __future__ import annotations

from phananh.reports.models import Report

from .models import Suggestion
from .services import suggestion_refresh


def report_suggestions(report: Report) -> dict:
    """The stored suggestions of a report; computed now (and stored) when it has none yet.

    A report reaches the IOC before its suggestion task may have run (a busy worker): computing
    one takes a few milliseconds, so the reader never waits for the queue.
    """
    stored = Suggestion.objects.filter(report=report).values_list("payload", flat=True).first()
    if stored is None:
        stored = suggestion_refresh(report).payload
    return stored
