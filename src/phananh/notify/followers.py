"""Theo dõi: anyone may follow a report by email and hear of its public steps.

An address follows only after it confirmed, through a signed link sent to it (double opt-in),
so that nobody can subscribe someone else. Every message carries a one-click unsubscribe
link. The answer to a request to follow is the same whether or not the address already
follows, and requests are limited per address and per client, so that the form can neither
tell who follows what nor be used to flood a mailbox.

The reporter of a duplicate merged into a report follows it too (`Follower.via_report`): they
are written to at the address of their own report, unless it was sent anonymously.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from phananh.core.errors import ApplicationError, Conflict, ValidationFailed
from phananh.reports.models import Follower, Report
from phananh.reports.statuses import OPEN_STATUSES, Status
from phananh.workflow.models import PUBLIC_EVENT_KINDS, Event, EventKind

from .delivery import queue_message
from .models import Delivery, DeliveryChannel

logger = logging.getLogger(__name__)

CONFIRM_SALT = "phananh.reports.follow.confirm"
UNSUBSCRIBE_SALT = "phananh.reports.follow.unsubscribe"
CONFIRM_MAX_AGE = timedelta(days=7)
# The public steps followers hear of: a rating is the reporter's word to the IOC, not news.
FOLLOWED_KINDS = PUBLIC_EVENT_KINDS - {EventKind.RATED}
# (how many requests, in how many seconds). The first stops one client from repeating an
# address; the second stops many clients from flooding one address; the third stops one
# client from trying many addresses.
LIMIT_PER_CLIENT_AND_ADDRESS = (3, 3600)
LIMIT_PER_ADDRESS = (5, 24 * 3600)
LIMIT_PER_CLIENT = (20, 3600)


class TooManyRequests(ApplicationError):
    status = 429


class InvalidLink(ApplicationError):
    """A confirmation or unsubscribe link that is forged, damaged or expired."""

    status = 400


def can_be_followed(report: Report) -> bool:
    """A published report, or one still being handled (neither merged, rejected nor closed)."""
    if report.status in (Status.MERGED, Status.REJECTED):
        return False
    return report.is_public is True or report.status in OPEN_STATUSES | {Status.RESOLVED}


def _address(value) -> str:
    email = value.strip() if isinstance(value, str) else ""
    try:
        if not email or len(email) > 254:
            raise ValidationError("empty or too long")
        validate_email(email)
    except ValidationError as exc:
        message = _("Enter a valid email address.")
        raise ValidationFailed("invalid_email", message, fields={"email": [message]}) from exc
    return email


def _digest(*parts: str) -> str:
    # Cache keys carry no address in clear.
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


def _within(key: str, limit: tuple[int, int]) -> bool:
    count, window = limit
    cache.add(key, 0, window)
    try:
        return cache.incr(key) <= count
    except ValueError:  # expired between add and incr
        cache.set(key, 1, window)
        return True


def _check_rate(email: str, client: str) -> None:
    address = email.lower()
    allowed = [
        _within(f"follow:client-address:{_digest(client, address)}", LIMIT_PER_CLIENT_AND_ADDRESS),
        _within(f"follow:address:{_digest(address)}", LIMIT_PER_ADDRESS),
        _within(f"follow:client:{_digest(client)}", LIMIT_PER_CLIENT),
    ]
    if not all(allowed):
        raise TooManyRequests("too_many_requests", _("Too many requests. Please try again later."))


def follow_request(*, report: Report, email, client: str, language: str = "") -> None:
    """Ask to follow `report` at `email`: a confirmation link goes out after the commit.

    An address that already follows gets nothing new, and the caller cannot tell the difference.
    `client` identifies the requester for the rate limit (its IP address).
    """
    email = _address(email)
    if not can_be_followed(report):
        raise Conflict(
            "not_followable", _("This report can no longer be followed."), extra={"status": report.status}
        )
    _check_rate(email, client)
    follower = report.followers.filter(via_report=None, email__iexact=email).first()
    if follower is None:
        try:
            with transaction.atomic():
                follower = Follower.objects.create(report=report, email=email)
        except IntegrityError:
            # Two requests for the same address at once: the unique constraint on the address
            # made one follower, and this request asks for its confirmation again.
            follower = report.followers.get(via_report=None, email__iexact=email)
    if follower.confirmed_at is not None and follower.unsubscribed_at is None:
        return
    transaction.on_commit(lambda: _enqueue_confirmation(follower.pk, language))


def _enqueue_confirmation(follower_id: int, language: str) -> None:
    from .follower_tasks import send_follow_confirmation

    send_follow_confirmation.enqueue(follower_id, language)


# --- links ---------------------------------------------------------------------------------


def confirm_token(follower: Follower) -> str:
    # `t` (when the link was made) keeps a link older than an unsubscription from undoing it.
    return signing.dumps({"f": follower.pk, "t": time.time()}, salt=CONFIRM_SALT)


def unsubscribe_token(follower: Follower) -> str:
    # No expiry: the link in a message of last year must still stop the messages.
    return signing.dumps({"f": follower.pk}, salt=UNSUBSCRIBE_SALT)


def _absolute(path: str) -> str:
    return settings.SITE_ROOT.rstrip("/") + path


def _expired() -> InvalidLink:
    return InvalidLink(
        "link_expired", _("This link has expired. Ask to follow the report again to get a new one.")
    )


def _not_valid() -> InvalidLink:
    return InvalidLink("invalid_link", _("This link is not valid. Check that you copied all of it."))


def _follower_from(token: str, salt: str, max_age: timedelta | None = None) -> tuple[Follower, dict]:
    try:
        payload = signing.loads(token, salt=salt, max_age=max_age)
    except signing.SignatureExpired as exc:
        raise _expired() from exc
    except signing.BadSignature as exc:
        raise _not_valid() from exc
    follower = None
    if isinstance(payload, dict):
        follower = Follower.objects.select_related("report").filter(pk=payload.get("f")).first()
    if follower is None:
        raise _not_valid()
    return follower, payload


def follower_for_unsubscribe(token: str) -> Follower:
    """The follower an unsubscribe link names (to show what is being unsubscribed from)."""
    return _follower_from(token, UNSUBSCRIBE_SALT)[0]


def follow_confirm(*, token: str) -> Follower:
    """The address owner opened the confirmation link: messages start."""
    follower, payload = _follower_from(token, CONFIRM_SALT, CONFIRM_MAX_AGE)
    issued = datetime.fromtimestamp(payload.get("t", 0), tz=UTC)
    if follower.unsubscribed_at is not None:
        if follower.unsubscribed_at > issued:
            # A link sent before the address unsubscribed does not subscribe it again.
            raise _expired()
    elif follower.confirmed_at is not None:
        return follower  # opened twice (or by a link checker first): nothing changes
    now = timezone.now()
    Follower.objects.filter(pk=follower.pk).update(confirmed_at=now, unsubscribed_at=None)
    follower.confirmed_at, follower.unsubscribed_at = now, None
    return follower


def unfollow(*, token: str) -> Follower:
    """Stop the messages to this follower; doing it twice changes nothing."""
    follower = follower_for_unsubscribe(token)
    if follower.unsubscribed_at is None:
        follower.unsubscribed_at = timezone.now()
        Follower.objects.filter(pk=follower.pk, unsubscribed_at__isnull=True).update(
            unsubscribed_at=follower.unsubscribed_at
        )
    return follower


# --- messages ------------------------------------------------------------------------------


def _headers(unsubscribe_url: str) -> dict:
    return {
        # Mail programs show their own "unsubscribe" button with these (RFC 2369, RFC 8058).
        "List-Unsubscribe": f"<{unsubscribe_url}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "Auto-Submitted": "auto-generated",
    }


def _texts(template: str, context: dict) -> tuple[str, str]:
    subject = " ".join(render_to_string(f"emails/{template}_subject.txt", context).split())
    return subject, render_to_string(f"emails/{template}.txt", context)


def _links(follower: Follower) -> dict:
    return {
        "track_url": _absolute(reverse("portal:track", args=[follower.report.tracking_code])),
        "unsubscribe_url": _absolute(reverse("portal:unfollow", args=[unsubscribe_token(follower)])),
    }


def send_confirmation(follower_id: int, language: str = "", request: str = "") -> bool:
    """Queue the mail with the confirmation link to an address that asked to follow a report.

    Once per `request` (the id of the task run, the same when the task runs again): queued as a
    `Delivery`, so that a task run twice mails nothing more, while asking again mails a new link.
    """
    follower = Follower.objects.select_related("report").filter(pk=follower_id, via_report=None).first()
    if follower is None or not follower.email:
        return False
    if language not in dict(settings.LANGUAGES):
        language = settings.LANGUAGE_CODE
    with translation.override(language):
        links = _links(follower)
        context = {
            "report": follower.report,
            "confirm_url": _absolute(reverse("portal:follow_confirm", args=[confirm_token(follower)])),
            "days": CONFIRM_MAX_AGE.days,
            **links,
        }
        subject, body = _texts("follow_confirm", context)
    queue_message(
        channel=DeliveryChannel.EMAIL,
        to=follower.email,
        subject=subject,
        body=body,
        purpose="follower_confirm",
        report=follower.report,
        dedupe_key=f"follower_confirm:{follower.pk}:{request}",
        headers=_headers(links["unsubscribe_url"]),
    )
    return True


def recipients(report: Report) -> Iterator[tuple[Follower, str]]:
    """Who hears of the report's public steps, each address once, and at which address."""
    seen: set[str] = set()
    followers = (
        report.followers.filter(unsubscribed_at__isnull=True).select_related("via_report").order_by("id")
    )
    for follower in followers:
        if follower.via_report_id is None:
            address = follower.email if follower.confirmed_at is not None else ""
        else:
            duplicate = follower.via_report
            address = "" if duplicate.is_anonymous else duplicate.reporter_email
        if address and address.lower() not in seen:
            seen.add(address.lower())
            yield follower, address


def email_followers(event_id: int) -> int:
    """Tell the followers of a report of one public step (dispatched, verified, closed...).

    Each message is queued as a `Delivery`, once per event and follower, so that a task run
    twice mails nobody twice; it returns how many were queued this time.
    """
    event = Event.objects.select_related("report").filter(pk=event_id).first()
    if event is None or not event.is_public or event.kind not in FOLLOWED_KINDS:
        return 0
    report = event.report
    queued = 0
    for follower, address in recipients(report):
        follower.report = report
        with translation.override(settings.LANGUAGE_CODE):
            links = _links(follower)
            context = {
                "report": report,
                "event": event,
                "label": event.get_kind_display(),
                "status_label": Status(event.status_after or report.status).label,
                "public_note": (event.data or {}).get("public_note", ""),
                "at": timezone.localtime(event.created_at),
                **links,
            }
            subject, body = _texts("follow_event", context)
        if _queue(report, event, follower, address, subject, body, links["unsubscribe_url"]):
            queued += 1
    if queued:
        logger.info("report %s: %d followers told of %s", report.tracking_code, queued, event.kind)
    return queued


def _queue(report, event, follower, address, subject, body, unsubscribe_url) -> bool:
    """Queue one follower's message; False when an earlier run already queued it."""
    key = f"follower:{event.pk}:{follower.pk}"
    known = Delivery.objects.filter(dedupe_key=key).exists()
    queue_message(
        channel=DeliveryChannel.EMAIL,
        to=address,
        subject=subject,
        body=body,
        purpose="follower_event",
        report=report,
        event=event,
        dedupe_key=key,
        headers=_headers(unsubscribe_url),
    )
    return not known
