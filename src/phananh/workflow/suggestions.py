"""The suggestions in the staff API's report detail: their shape, and who provides them.

The suggestions are learned by `triage`, an app above the workflow, which the workflow does not
import: the provider is named in PHANANH_REPORT_SUGGESTIONS, the way PHANANH_EVENT_TASKS names
who listens to events. Without one (or when it fails) the detail carries `suggestions: null`.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.conf import settings
from django.utils.module_loading import import_string
from ninja import Field, Schema

logger = logging.getLogger(__name__)


class SuggestedField(Schema):
    code: str = Field(..., description="Field code (GET /api/v1/categories).")
    score: float = Field(..., description="0 to 1: how likely, as the model sees it.")


class SuggestedUnit(Schema):
    id: int
    code: str
    score: float


class SuggestedUrgency(Schema):
    value: str = Field(..., description="normal, complex or urgent.")
    score: float


class SuggestionModel(Schema):
    version: str = Field(..., description="`cold-…`: not trained yet, from names and routing rules.")
    trained_at: datetime | None
    examples: int


class SuggestionsOut(Schema):
    field: list[SuggestedField] = Field(..., description="The three likeliest fields, best first.")
    unit: list[SuggestedUnit] = Field(..., description="The three likeliest lead units, best first.")
    urgency: list[SuggestedUrgency]
    for_field: str | None = Field(
        None,
        description="The field the units are suggested for: the report's, once chosen; null before "
        "(the units of the three likeliest fields, weighted by their scores).",
    )
    model: SuggestionModel


def report_suggestions(report) -> dict | None:
    name = getattr(settings, "PHANANH_REPORT_SUGGESTIONS", "")
    if not name:
        return None
    try:
        return import_string(name)(report)
    except Exception:
        # A suggestion is a help, never a reason for the report's page or answer to fail.
        logger.exception("suggestions for report %s failed", report.pk)
        return None
