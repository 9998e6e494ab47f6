"""Tự động đóng: a resolved report whose result was sent and not rated closes by itself.

The reporter may rate the result as soon as it is sent to them, which closes the report; when
they do not within `PHANANH_AUTO_CLOSE_DAYS`, the system closes it through the transition
service, as the actor `System` taking the IOC's `close` action. A rating may still come after.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from phananh.core.errors import ApplicationError
from phananh.org.access import System
from phananh.reports.models import Report
from phananh.reports.statuses import Status

from .models import Event, EventKind
from .services import transition

logger = logging.getLogger(__name__)

# The IOC's decision on a verified result: published, or kept private. Either one sends the
# result to the reporter, with the message inviting a rating.
RESULT_SENT_KINDS = (EventKind.PUBLISHED, EventKind.KEPT_PRIVATE)


def result_sent_at(report: Report) -> datetime | None:
    """When the verified result went to the reporter: the IOC's first decision to publish it or
    keep it private after the latest verification (`resolved_at`). None while it has not."""
    if report.status != Status.RESOLVED or report.is_public is None or report.resolved_at is None:
        return None
    return (
        Event.objects.filter(report=report, kind__in=RESULT_SENT_KINDS, created_at__gte=report.resolved_at)
        .order_by("created_at", "id")
        .values_list("created_at", flat=True)
        .first()
    )


def auto_close_deadline(sent_at: datetime) -> datetime:
    """When a result sent at `sent_at` and not rated closes by itself."""
    return sent_at + timedelta(days=settings.PHANANH_AUTO_CLOSE_DAYS)


def due_for_auto_close(now: datetime) -> QuerySet[Report]:
    """Resolved reports whose result was sent (published or kept private after the latest
    verification) at least PHANANH_AUTO_CLOSE_DAYS before `now`."""
    sent_long_ago = Event.objects.filter(
        report=OuterRef("pk"),
        kind__in=RESULT_SENT_KINDS,
        created_at__gte=OuterRef("resolved_at"),
        created_at__lte=now - timedelta(days=settings.PHANANH_AUTO_CLOSE_DAYS),
    )
    return Report.objects.filter(
        Exists(sent_long_ago), status=Status.RESOLVED, is_public__isnull=False
    ).order_by("resolved_at", "id")


def auto_close(*, now: datetime | None = None) -> int:
    """Close every report due; the number closed. Safe to run twice or on two nodes at once: the
    transition's compare-and-swap refuses a report that changed since it was read (rated,
    reworked, or closed by the other run), and that report is left as it is."""
    closed = 0
    for report in list(due_for_auto_close(now or timezone.now())):
        try:
            transition(report=report, actor=System(), action="close", data={})
        except ApplicationError as exc:
            logger.info("report %s not closed automatically: %s", report.tracking_code, exc.code)
            continue
        closed += 1
    return closed
