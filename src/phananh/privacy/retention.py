"""Thời hạn lưu trữ: the reporters' personal data is erased some time after their report ended.

`PHANANH_RETENTION_MONTHS` after a report was closed, rejected or merged (24 by default; 0 keeps
everything), its reporter's personal data is erased the way `erasure` erases it at their
request, and the report keeps everything else. A periodic task does it in batches of
`PHANANH_RETENTION_BATCH` reports, each in one transaction of a few statements whatever its size,
until none is left or `PHANANH_RETENTION_RUN_SECONDS` have gone (the next round goes on). Every
report it anonymises gets its event. Running it twice, or on two machines at once, is harmless:
a report is taken only while it still holds personal data, under its lock, and PostgreSQL
leaves to the other run the reports one run holds.
"""

from __future__ import annotations

import calendar
import logging
import time
from datetime import datetime

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from phananh.org.access import System
from phananh.reports.models import Report
from phananh.reports.statuses import Status
from phananh.workflow.models import Event, EventKind
from phananh.workflow.services import amend_reports

from .erasure import erase_related, erased_values

logger = logging.getLogger(__name__)


def months_before(moment: datetime, months: int) -> datetime:
    """The same day and time `months` calendar months earlier (the month's last day if shorter)."""
    year, month = divmod(moment.year * 12 + moment.month - 1 - months, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def past_retention(now: datetime) -> QuerySet[Report]:
    """The reports that ended more than the retention period ago and still hold personal data.

    Ended: closed (`closed_at`, cleared by a reopening), or rejected or merged with no such step
    since the limit (a rejection is the report's last step unless it was reopened, which a
    later rejection would follow).
    """
    limit = months_before(now, settings.PHANANH_RETENTION_MONTHS)
    ended_since = Event.objects.filter(
        report=OuterRef("pk"), kind__in=(EventKind.REJECTED, EventKind.MERGED), created_at__gte=limit
    )
    return Report.objects.filter(personal_data_erased_at=None, created_at__lt=limit).filter(
        Q(status=Status.CLOSED, closed_at__lt=limit)
        | Q(status__in=(Status.REJECTED, Status.MERGED)) & ~Exists(ended_since)
    )


def anonymise_past_retention(now: datetime | None = None) -> int:
    """Erase the personal data of the reports past the retention period; how many were done."""
    months = settings.PHANANH_RETENTION_MONTHS
    if months <= 0:
        return 0
    now = now or timezone.now()
    stop_at = time.monotonic() + settings.PHANANH_RETENTION_RUN_SECONDS
    batch = settings.PHANANH_RETENTION_BATCH
    done = 0
    while True:
        events = amend_reports(
            reports=past_retention(now),
            actor=System(),
            kind=EventKind.ANONYMISED,
            changes=erased_values(now),
            limit=batch,
            also=lambda ids: {
                pk: {**data, "retention_months": months} for pk, data in erase_related(ids, now).items()
            },
            wait=False,
            # Nobody is told of an anonymisation and no figure depends on it: a first run over
            # years of reports must not queue a task per report.
            tell_listeners=False,
        )
        done += len(events)
        if len(events) < batch or time.monotonic() >= stop_at:
            break
    if done:
        logger.info("retention: personal data of %d reports erased (%d months)", done, months)
    return done
