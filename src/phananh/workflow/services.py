"""Writes on the timeline. Every status change will go through this module."""

from __future__ import annotations

from .models import PUBLIC_EVENT_KINDS, Event, EventKind
from .statuses import Status


def record_submission(*, report, actor=None, actor_label: str = "") -> Event:
    """Mới gửi: the first event of every report, written in the transaction that creates it."""
    return Event.objects.create(
        report=report,
        kind=EventKind.SUBMITTED,
        actor=actor,
        actor_label=actor_label or report.channel,
        status_before="",
        status_after=Status.SUBMITTED,
        is_public=EventKind.SUBMITTED in PUBLIC_EVENT_KINDS,
    )
