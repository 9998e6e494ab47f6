"""Reads on the timeline."""

from django.db.models import QuerySet

from .models import Event


def public_timeline(report) -> QuerySet[Event]:
    return report.events.filter(is_public=True).order_by("created_at", "id")
