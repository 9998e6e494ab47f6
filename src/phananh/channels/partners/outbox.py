"""The outbox of partner systems: what is queued for them, and sending it (liên thông).

What is sent, precisely:
- a report about an administrative regulation (`ReportKind.REGULATION`), once, when the IOC
  accepts it (its `accepted` event): before that it may still be rejected or merged;
- its result, each time the IOC verifies one (a `verified` event): the unit's result text as
  submitted for that verification, after the report itself was delivered.

No personal data goes: no name, phone or email, and the texts (title, description, address,
result) pass through `reports.redaction`, whose suggested replacements stand for what looks like
personal data (the public copy the IOC writes at publication does not exist yet at acceptance).
The place is rounded to three decimals, as everywhere public.

Rows are written by the event task (`queue_for_event`) and, for events whose task was lost (a
worker killed between the commit and the task), by the periodic run's scan (`queue_missing`):
both insert with the unique (system, event) constraint and ignore a conflict, so two runners and
a rerun make one row. Sending claims a row with a compare-and-swap on its state (the same on
SQLite and PostgreSQL, and no transaction held open over the network): two runners never send
one row at once, and a row left "sending" by a dead worker is sent again after
PHANANH_PETITION_STALE_SECONDS with the same Idempotency-Key, which the partner answers with the
id it gave the first time. A delivered row is never sent again.
"""

from __future__ import annotations

import logging
import secrets
from collections import Counter
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from phananh.org.access import System, ioc_root
from phananh.reports.models import Report, ReportKind
from phananh.reports.redaction import find_personal_data
from phananh.workflow.models import Event, EventKind
from phananh.workflow.services import record_event

from ..models import (
    CLAIMABLE_SYNC_STATES,
    RESENDABLE_SYNC_STATES,
    PartnerAttempt,
    PartnerSync,
    SyncState,
    SyncWhat,
)
from .base import PartnerError, PartnerSystem, ReportOut, ResultOut, Sent
from .open311 import Open311Partner

logger = logging.getLogger(__name__)

PETITION = "petition"
SYSTEM_LABELS = {PETITION: _("National petition system")}
# The events that ask for a row, and what the row sends.
WHAT_FOR_EVENT = {EventKind.ACCEPTED: SyncWhat.REQUEST, EventKind.VERIFIED: SyncWhat.RESULT}
BATCH_SIZE = 100


def partners() -> list[PartnerSystem]:
    """The partner systems turned on in the settings (none when PHANANH_PETITION_URL is empty)."""
    if not settings.PHANANH_PETITION_URL:
        return []
    return [
        Open311Partner(
            name=PETITION,
            base_url=settings.PHANANH_PETITION_URL,
            api_key=settings.PHANANH_PETITION_API_KEY,
            service_code=settings.PHANANH_PETITION_SERVICE_CODE,
            jurisdiction=settings.PHANANH_PETITION_JURISDICTION,
            timeout=settings.PHANANH_PETITION_TIMEOUT,
        )
    ]


# --- queueing ---------------------------------------------------------------------------------


def _wanted_events():
    return Event.objects.filter(kind__in=list(WHAT_FOR_EVENT), report__kind=ReportKind.REGULATION)


def _rows_for(system: str, events) -> int:
    rows = [
        PartnerSync(system=system, report_id=e.report_id, event_id=e.pk, what=WHAT_FOR_EVENT[e.kind])
        for e in events
    ]
    # The unique (system, event) constraint makes a second insert of the same row nothing.
    return len(PartnerSync.objects.bulk_create(rows, ignore_conflicts=True))


def queue_for_event(event_id: int) -> int:
    """The event task: queue what `event_id` asks to send to each partner system."""
    events = list(_wanted_events().filter(pk=event_id))
    return sum(_rows_for(p.name, events) for p in partners()) if events else 0


def queue_missing(system: str, now: datetime) -> int:
    """Queue the events of the last PHANANH_PETITION_BACKFILL_DAYS that have no row yet."""
    since = now - timedelta(days=settings.PHANANH_PETITION_BACKFILL_DAYS)
    queued = PartnerSync.objects.filter(system=system, event=OuterRef("pk"))
    events = _wanted_events().filter(created_at__gte=since).filter(~Exists(queued))
    events = events.only("pk", "kind", "report_id")
    return _rows_for(system, events.order_by("created_at", "id")[:BATCH_SIZE])


# --- what is sent -----------------------------------------------------------------------------


def without_personal_data(text: str) -> str:
    """`text` with each passage that looks like personal data replaced as redaction suggests."""
    for span in reversed(find_personal_data(text)):
        text = text[: span.start] + span.replacement + text[span.end :]
    return text


def _rounded(value: Decimal | None) -> float | None:
    return None if value is None else round(float(value), 3)


def report_out(report: Report) -> ReportOut:
    """The report as a partner receives it: texts without personal data, the place rounded."""
    parts = [report.title, report.description]
    text = "\n\n".join(without_personal_data(p) for p in parts if p)
    place = without_personal_data(report.address) if report.address else ""
    commune = report.commune.area_name or report.commune.name if report.commune_id else ""
    address = ", ".join(p for p in (place, commune) if p)
    if not address and report.latitude is None:
        # GeoReport v2 needs a place; a regulation concerns the whole province.
        root = ioc_root()
        address = root.name if root else ""
    return ReportOut(
        tracking_code=report.tracking_code,
        description=f"{text}\n\n({report.tracking_code})",
        latitude=_rounded(report.latitude),
        longitude=_rounded(report.longitude),
        address=address,
    )


def result_out(row: PartnerSync) -> ResultOut:
    """The result the verification of `row.event` verified: the latest one submitted before it."""
    result = (
        row.report.events.filter(kind=EventKind.RESULT_SUBMITTED, created_at__lte=row.event.created_at)
        .order_by("-created_at", "-id")
        .first()
    )
    text = without_personal_data(result.note) if result and result.note else ""
    text = text or str(row.event.get_kind_display())
    return ResultOut(update_id=row.idempotency_key, text=text, at=row.event.created_at)


# --- sending ----------------------------------------------------------------------------------


def backoff(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failure: doubling from the first, capped, with "equal
    jitter" (half of it fixed, half random) so that rows failed together do not retry together."""
    first = settings.PHANANH_PETITION_FIRST_BACKOFF_SECONDS
    wait = min(first * 2 ** max(attempts - 1, 0), settings.PHANANH_PETITION_MAX_BACKOFF_SECONDS)
    return timedelta(seconds=wait / 2 + secrets.randbelow(int(wait / 2) + 1))


def _due(now: datetime) -> Q:
    stale_before = now - timedelta(seconds=settings.PHANANH_PETITION_STALE_SECONDS)
    return Q(state__in=CLAIMABLE_SYNC_STATES, next_attempt_at__lte=now) | Q(
        state=SyncState.SENDING, claimed_at__lt=stale_before
    )


def _delivered_report(row: PartnerSync) -> PartnerSync | None:
    return PartnerSync.objects.filter(
        system=row.system, report_id=row.report_id, what=SyncWhat.REQUEST, state=SyncState.DELIVERED
    ).first()


def _cut(text: str, field: str) -> str:
    return text[: PartnerSync._meta.get_field(field).max_length]


def _send(partner: PartnerSystem, row: PartnerSync) -> Sent:
    if row.what == SyncWhat.REQUEST:
        return partner.send_report(report_out(row.report), idempotency_key=row.idempotency_key)
    request = _delivered_report(row)
    return partner.send_result(request.upstream_id, result_out(row), idempotency_key=row.idempotency_key)


def deliver_one(partner: PartnerSystem, sync_id: int, now: datetime | None = None) -> str | None:
    """Claim one row, send it and log the attempt; the new state, or None when it was not
    there to take (not due, delivered, another runner's, or a result whose report waits)."""
    now = now or timezone.now()
    row = PartnerSync.objects.select_related("report", "event").get(pk=sync_id)
    if row.what == SyncWhat.RESULT and _delivered_report(row) is None:
        return None  # the report itself first; the result waits without spending an attempt
    claimed = (
        PartnerSync.objects.filter(pk=sync_id)
        .filter(_due(now))
        .update(state=SyncState.SENDING, claimed_at=now, last_attempt_at=now, attempts=F("attempts") + 1)
    )
    if claimed != 1:
        # Nothing got updated: another runner claimed it first, or it is not due.
        return None
    row.refresh_from_db(fields=["attempts", "state"])
    mine = PartnerSync.objects.filter(pk=sync_id, state=SyncState.SENDING, claimed_at=now)
    try:
        exchange = _send(partner, row)
    except PartnerError as error:
        last = error.permanent or row.attempts >= settings.PHANANH_PETITION_MAX_ATTEMPTS
        state = SyncState.DEAD if last else SyncState.FAILED
        exchange = error.exchange
        with transaction.atomic():
            _log(row, exchange, now, error=str(error))
            mine.update(
                state=state,
                last_http_status=exchange.http_status,
                last_answer=_cut(exchange.answer, "last_answer"),
                last_error=_cut(str(error), "last_error"),
                next_attempt_at=None if last else now + backoff(row.attempts),
            )
        logger.warning("partner row %s attempt %s: %s (%s)", row.pk, row.attempts, state, error)
        return state
    with transaction.atomic():
        _log(row, exchange, now)
        marked = mine.update(
            state=SyncState.DELIVERED,
            delivered_at=timezone.now(),
            next_attempt_at=None,
            upstream_id=exchange.upstream_id,
            last_http_status=exchange.http_status,
            last_answer=_cut(exchange.answer, "last_answer"),
            last_error="",
        )
        if marked == 1:
            data = {"system": row.system, "what": row.what, "upstream_id": exchange.upstream_id}
            record_event(report=row.report, actor=System(), kind=EventKind.PARTNER_SENT, data=data)
        else:
            # Sent, but another runner took the row as stale meanwhile: the same Idempotency-Key
            # made the partner answer the same id, so it holds one copy.
            logger.error("partner row %s was sent by a runner whose claim had gone stale", row.pk)
    return SyncState.DELIVERED


def _log(row: PartnerSync, exchange: Sent, now: datetime, error: str = "") -> None:
    PartnerAttempt.objects.create(
        sync=row,
        at=now,
        sent=exchange.sent,
        http_status=exchange.http_status,
        answer=exchange.answer,
        upstream_id=exchange.upstream_id,
        error=error[:500],
    )


def deliver_due(partner: PartnerSystem, now: datetime | None = None) -> Counter:
    """Send every row of `partner` that is due, reports before results; how many ended how."""
    moment = now or timezone.now()
    ids = list(
        PartnerSync.objects.filter(system=partner.name)
        .filter(_due(moment))
        .order_by("what", "next_attempt_at", "id")  # "request" < "result"
        .values_list("pk", flat=True)[:BATCH_SIZE]
    )
    outcome = Counter()
    for sync_id in ids:
        state = deliver_one(partner, sync_id, now=now)
        if state is not None:
            outcome[state] += 1
    return outcome


def sync_resend(*, sync: PartnerSync) -> bool:
    """Gửi lại: an operator puts a failed or given-up row back in the queue, for a fresh round of
    attempts. False for a row delivered (or being sent) meanwhile: what the partner took is never
    sent a second time."""
    updated = PartnerSync.objects.filter(pk=sync.pk, state__in=RESENDABLE_SYNC_STATES).update(
        state=SyncState.PENDING, attempts=0, next_attempt_at=timezone.now(), claimed_at=None
    )
    return updated == 1


# What the sync log keeps of a request that came from the report's own words: its text and its
# address. The partner's ids, the status and its answers stay.
SENT_TEXTS = ("description", "address_string")


def forget_sent(*, report_ids: list[int], **_others) -> int:
    """Erase the report's words from the sync log of what was sent for it (privacy's hook).

    They went upstream through the redaction, which can miss a name typed in lower case without
    accents; erasing the reporter's data, at their request or at the end of the retention
    period, leaves none of it here. What the partner holds is the partner's to erase. Returns
    how many attempts were changed.
    """
    attempts = PartnerAttempt.objects.filter(sync__report_id__in=report_ids).only("pk", "sent")
    changed = []
    for attempt in attempts:
        kept = {key: value for key, value in attempt.sent.items() if key not in SENT_TEXTS}
        if kept != attempt.sent:
            attempt.sent = kept
            changed.append(attempt)
    PartnerAttempt.objects.bulk_update(changed, ["sent"])
    return len(changed)
