"""Gửi tin: messages to reporters and followers by email, SMS and Zalo, logged as `Delivery` rows.

A message is first written as a row (`queue_message`), then sent by whichever worker claims
it (`deliver_one`): the `deliver` task right after the commit, or `deliver_due` run
periodically for retries and for rows a dead worker left behind. Claiming is a
compare-and-swap UPDATE, so two workers never send the same row; a row marked sent is never
claimed again. The one window left is a worker killed after the far end accepted a message
and before it was marked sent: that message is sent again once it goes stale (at least once,
never lost); email carries the same Message-ID on every attempt for that case.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from .channels import DeliveryError, adapter_for
from .models import CLAIMABLE_STATUSES, UNDELIVERED_STATUSES, Delivery, DeliveryStatus, mask_address

logger = logging.getLogger(__name__)

BATCH_SIZE = 200


def queue_message(
    *,
    channel: str,
    to: str,
    subject: str,
    body: str,
    purpose: str,
    report=None,
    event=None,
    dedupe_key: str,
    headers: dict | None = None,
) -> Delivery:
    """Queue one message, once per `dedupe_key`, and send it after the transaction commits.

    Build the key from what makes the message one message, e.g.
    f"{purpose}:{event.pk}:{channel}:{to}", so that a task run twice queues nothing more.
    """
    with transaction.atomic():
        delivery, created = Delivery.objects.get_or_create(
            dedupe_key=dedupe_key,
            defaults={
                "channel": channel,
                "to_address": to,
                "subject": subject,
                "body": body,
                "purpose": purpose,
                "report": report,
                "event": event,
                "headers": headers or {},
                "next_attempt_at": timezone.now(),
            },
        )
        if created:
            _enqueue_after_commit(delivery.pk)
    return delivery


def _enqueue_after_commit(delivery_id: int) -> None:
    from .delivery_tasks import deliver

    transaction.on_commit(lambda: deliver.enqueue(delivery_id))


def _due(now: datetime) -> Q:
    """Rows a worker may take now: due ones, and 'sending' ones whose worker died."""
    stale_before = now - timedelta(seconds=settings.PHANANH_DELIVERY_STALE_SECONDS)
    due = Q(status__in=CLAIMABLE_STATUSES, next_attempt_at__lte=now) | Q(
        status=DeliveryStatus.SENDING, claimed_at__lt=stale_before
    )
    # A row whose address was erased (see `forget_recipients`) has nobody left to write to.
    return due & ~Q(to_address="")


def backoff(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failed attempt: 1, 5, 25, 125 minutes..., capped."""
    first = settings.PHANANH_DELIVERY_FIRST_BACKOFF_SECONDS
    seconds = min(first * 5 ** max(attempts - 1, 0), settings.PHANANH_DELIVERY_MAX_BACKOFF_SECONDS)
    return timedelta(seconds=seconds)


def _error_text(error: DeliveryError, delivery: Delivery) -> str:
    text = error.message
    # Belt and braces: an adapter's message never holds the body, but a server's reply might.
    if delivery.body and delivery.body in text:
        text = text.replace(delivery.body, "[body]")
    if delivery.to_address:
        text = text.replace(delivery.to_address, mask_address(delivery.to_address))
    return text[: Delivery._meta.get_field("last_error").max_length]


def deliver_one(delivery_id: int, now: datetime | None = None) -> str | None:
    """Claim one delivery, send it through its channel and record how it went.

    Returns the new status, or None when the row was not there to take (not due, already
    sent, or another worker got there first).
    """
    now = now or timezone.now()
    claimed = (
        Delivery.objects.filter(pk=delivery_id)
        .filter(_due(now))
        .update(status=DeliveryStatus.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    )
    if claimed != 1:
        # Nothing got updated: another worker claimed it first, or it is not due.
        return None
    delivery = Delivery.objects.get(pk=delivery_id)
    mine = Delivery.objects.filter(pk=delivery_id, status=DeliveryStatus.SENDING, claimed_at=now)
    try:
        adapter_for(delivery.channel)(delivery)
    except DeliveryError as error:
        last = error.permanent or delivery.attempts >= settings.PHANANH_DELIVERY_MAX_ATTEMPTS
        status = DeliveryStatus.DEAD if last else DeliveryStatus.FAILED
        mine.update(
            status=status,
            last_error=_error_text(error, delivery),
            next_attempt_at=None if last else now + backoff(delivery.attempts),
        )
        logger.warning(
            "delivery %s (%s, %s) attempt %s: %s",
            delivery.pk,
            delivery.channel,
            status,
            delivery.attempts,
            error,
        )
        return status
    if mine.update(status=DeliveryStatus.SENT, sent_at=timezone.now(), next_attempt_at=None) != 1:
        # Sent, but another worker took the row as stale meanwhile: the stale threshold is
        # shorter than a send takes.
        logger.error("delivery %s was sent by a worker whose claim had gone stale", delivery.pk)
    return DeliveryStatus.SENT


def deliver_due(now: datetime | None = None) -> Counter:
    """Send every delivery that is due, and those a dead worker left 'sending'.

    For the periodic runner; returns how many ended in each status.
    """
    moment = now or timezone.now()
    ids = list(
        Delivery.objects.filter(_due(moment))
        .order_by("next_attempt_at", "id")
        .values_list("pk", flat=True)[:BATCH_SIZE]
    )
    outcome = Counter()
    for delivery_id in ids:
        status = deliver_one(delivery_id, now=now)
        if status is not None:
            outcome[status] += 1
    return outcome


def delivery_retry(*, delivery: Delivery) -> bool:
    """Thử lại: an operator asks for a failed or dead delivery to be tried again now.

    It starts a fresh round of attempts (staff usually retry after fixing what made it fail).
    False when it is no longer failed or dead (sent or being sent meanwhile).
    """
    with transaction.atomic():
        undelivered = Delivery.objects.filter(pk=delivery.pk, status__in=UNDELIVERED_STATUSES)
        updated = undelivered.exclude(to_address="").update(
            status=DeliveryStatus.PENDING, next_attempt_at=timezone.now(), attempts=0, claimed_at=None
        )
        if updated == 1:
            _enqueue_after_commit(delivery.pk)
    return updated == 1


# What an unsent message erased by `forget_recipients` says, instead of the error it had.
ERASED_NOTE = "Not sent: the recipient's personal data was erased."


def forget_recipients(delivery_ids) -> int:
    """Erase who these messages went to and what they said: their recipient's personal data is
    being erased (the reporter asked, or the retention period ended).

    The rows stay, as the record that a message of this purpose went through this channel at
    this time, with its status; a message not sent yet never will be. One a worker is sending
    at this very moment is not stopped: it is finished, and never tried again.
    """
    ids = list(delivery_ids)
    # An error may quote the address (masked): it goes too.
    erased = Delivery.objects.filter(pk__in=ids).update(
        to_address="", subject="", body="", headers={}, last_error=""
    )
    Delivery.objects.filter(pk__in=ids, status__in=CLAIMABLE_STATUSES).update(
        status=DeliveryStatus.DEAD, next_attempt_at=None, last_error=ERASED_NOTE
    )
    return erased
