"""Reading the suggestions: for the IOC's forms (back office) and the staff API's report detail."""

from __future__ import annotations

from phananh.reports.models import Report
from phananh.reports.statuses import Status
from phananh.workflow.models import Event, EventKind

from .models import Suggestion, TriageModel
from .services import suggestion_refresh

# Where the IOC still has a field, an urgency or a lead unit to choose: accepting (a new report,
# or one whose reporter is adding information) and dispatching (accepted, or returned by a unit).
DECIDING = frozenset({Status.SUBMITTED, Status.INFO_REQUESTED, Status.ACCEPTED, Status.RETURNED})


def report_suggestions(report: Report) -> dict | None:
    """The stored suggestions of a report; while the IOC has still to decide, computed now (and
    stored) when it has none yet, they were made by a model since replaced, or the report's field
    was chosen since (its lead units are suggested for that field).

    A report reaches the IOC before its suggestion task may have run (a busy worker): computing
    one takes about ten milliseconds, so the reader never waits for the queue. Past those
    decisions (dispatched, handled, closed) the stored ones are shown as they were, or none:
    reading a closed report does not compute what nobody will choose from.
    """
    stored = Suggestion.objects.filter(report=report).values_list("payload", "model_version").first()
    if report.status not in DECIDING:
        return stored[0] if stored else None
    current = TriageModel.objects.filter(is_current=True).values_list("version", flat=True).first()
    field = report.category.code if report.category_id else None
    if (
        stored is None
        or (current is not None and stored[1] != current)
        or stored[0].get("for_field") != field
    ):
        # None yet, made by a model since replaced, or before the field was chosen (the units
        # depend on it): the newer model, or the chosen field, decides.
        return suggestion_refresh(report).payload
    return stored[0]


def suggestions_taken(start, end) -> list[dict]:
    """Tỷ lệ dùng gợi ý: of the IOC's decisions in [start, end) made with suggestions shown, the
    share where the first suggestion was the one chosen, for the field, the urgency and the unit.

    [{"key": "field", "decisions": n, "taken": k, "share": k / n or None}, ...]
    """
    counts = {key: [0, 0] for key in ("field", "urgency", "unit")}
    events = Event.objects.filter(
        kind__in=[EventKind.ACCEPTED, EventKind.DISPATCHED],
        created_at__gte=start,
        created_at__lt=end,
        data__has_key="suggestion",
    )
    for data in events.values_list("data", flat=True).iterator(chunk_size=2000):
        found = data.get("suggestion") or {}
        for key, count in counts.items():
            if f"{key}_taken" in found:
                count[0] += 1
                count[1] += bool(found[f"{key}_taken"])
    return [
        {"key": key, "decisions": n, "taken": k, "share": k / n if n else None}
        for key, (n, k) in counts.items()
    ]
