"""Following what a partner system does with the reports we sent it (theo dõi kết quả liên thông).

Every run reads, for each delivered report the partner has not closed, its updates there
(`servicerequestupdates`), and records each new one here once, as an internal `partner_update`
event with the partner's status and text: the unique (row, update id) of `PartnerUpdate` is
written in the event's transaction, so two runners or a rerun record it once. Our own results,
posted there, come back in that list: they are known by the id the partner gave them and skipped.
Once the partner says "closed" the report is no longer followed. A partner that speaks plain
GeoReport v2, without the updates extension (404), is followed by its request's status instead.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from phananh.org.access import System
from phananh.workflow.models import EventKind
from phananh.workflow.services import record_event

from ..models import PartnerSync, PartnerUpdate, SyncState, SyncWhat
from .base import PartnerError, PartnerSystem, Update

logger = logging.getLogger(__name__)

CLOSED = "closed"
# What ends the partner's handling: Open311's "closed", and FixMyStreet's closing statuses.
CLOSING_STATUSES = frozenset(
    {CLOSED, "fixed", "no_further_action", "not_councils_responsibility", "duplicate"}
)
BATCH_SIZE = 100


def followed(system: str):
    """The reports delivered to `system` that it has not closed yet, least recently read first."""
    return (
        PartnerSync.objects.filter(system=system, what=SyncWhat.REQUEST, state=SyncState.DELIVERED)
        .exclude(upstream_status=CLOSED)
        .exclude(upstream_id="")
        .order_by(F("followed_at").asc(nulls_first=True), "id")
    )


def follow_all(partner: PartnerSystem, now: datetime | None = None) -> int:
    """Read the updates of up to BATCH_SIZE followed reports; how many new ones were recorded."""
    now = now or timezone.now()
    rows = list(followed(partner.name).select_related("report")[:BATCH_SIZE])
    return sum(follow_one(partner, row, now) for row in rows)


def _status_as_update(partner: PartnerSystem, row: PartnerSync) -> list[Update]:
    """For a partner without the updates extension: its request's status, as one update per
    status it takes (`status:<status>:<notes>` is its id, so each change is recorded once)."""
    status, notes = partner.request_status(row.upstream_id)
    if not status:
        return []
    update_id = f"status:{status}:{notes}"[:100]
    return [Update(update_id=update_id, status=status, description=notes, updated_at="")]


def follow_one(partner: PartnerSystem, row: PartnerSync, now: datetime) -> int:
    try:
        try:
            updates = partner.updates_since(row.upstream_id, None)
        except PartnerError as error:
            if error.exchange.http_status != 404:
                raise
            # GeoReport v2 itself has no updates (an extension): follow the request's status.
            updates = _status_as_update(partner, row)
    except PartnerError as error:
        logger.warning("partner %s: updates of %s not read: %s", row.system, row.upstream_id, error)
        PartnerSync.objects.filter(pk=row.pk).update(followed_at=now)
        return 0
    ours = set(
        PartnerSync.objects.filter(system=row.system, report_id=row.report_id, what=SyncWhat.RESULT)
        .exclude(upstream_id="")
        .values_list("upstream_id", flat=True)
    )
    known = set(row.updates.values_list("update_id", flat=True))
    status, recorded = row.upstream_status, 0
    for update in updates:
        status = update.status or status
        if update.update_id in ours or update.update_id in known:
            continue
        recorded += _record(row, update)
    status = CLOSED if status in CLOSING_STATUSES else status
    PartnerSync.objects.filter(pk=row.pk).update(upstream_status=status[:20], followed_at=now)
    return recorded


def _record(row: PartnerSync, update: Update) -> int:
    data = {
        "system": row.system,
        "upstream_id": row.upstream_id,
        "update_id": update.update_id,
        "status": update.status,
        "description": update.description,
        "updated_at": update.updated_at,
    }
    if update.media_url:
        data["media_url"] = update.media_url
    if update.status in CLOSING_STATUSES:
        data["closed"] = True
    try:
        with transaction.atomic():
            received = PartnerUpdate.objects.create(sync=row, update_id=update.update_id)
            event = record_event(report=row.report, actor=System(), kind=EventKind.PARTNER_UPDATE, data=data)
            PartnerUpdate.objects.filter(pk=received.pk).update(event=event)
    except IntegrityError:
        return 0  # another runner recorded it first
    return 1
