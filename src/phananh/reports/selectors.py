"""Reads on reports."""

from __future__ import annotations

from django.db.models import QuerySet

from .codes import normalise_tracking_code
from .models import Category, Report


def report_by_tracking_code(code: str) -> Report | None:
    normalised = normalise_tracking_code(code)
    if normalised is None:
        return None
    return Report.objects.select_related("category", "commune").filter(tracking_code=normalised).first()


def active_categories() -> QuerySet[Category]:
    return Category.objects.filter(is_active=True)
