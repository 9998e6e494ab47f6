"""Writes through Open311: a new service request (a report, through the intake every channel
uses) and an update a client posts on a report it sent (an internal event on its timeline)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from phananh.core.errors import ApplicationError
from phananh.core.text import clean_text
from phananh.org.throttle import within_limit
from phananh.reports.intake import validate_submission
from phananh.reports.models import Category, Channel, QuestionKind, Report
from phananh.workflow.models import EventKind
from phananh.workflow.services import record_event
from phananh.workflow.submission import Idempotency, report_submit

from . import params
from .models import Open311Client, Open311Request, Open311Update
from .render import Open311Error

# The specification's limit on a description; our own intake allows more.
MAX_DESCRIPTION = 4000
MAX_URL = 500
_ATTRIBUTE = re.compile(r"^attribute\[([^\]]{1,60})\](\[\])?$")
# Our intake's names for the Open311 parameters, to say which one is wrong.
OPEN311_NAMES = {
    "category": "service_code",
    "latitude": "lat",
    "longitude": "long",
    "address": "address_string",
    "reporter_email": "email",
    "reporter_phone": "phone",
    "reporter_name": "last_name",
}
# FixMyStreet's statuses of an update, besides the specification's open and closed.
UPDATE_STATUSES = (
    "OPEN",
    "CLOSED",
    "FIXED",
    "IN_PROGRESS",
    "ACTION_SCHEDULED",
    "INVESTIGATING",
    "NO_FURTHER_ACTION",
    "NOT_COUNCILS_RESPONSIBILITY",
    "DUPLICATE",
    "INTERNAL_REFERRAL",
)


@dataclass(frozen=True)
class Partner:
    """A client system as the actor of an event it caused (its label names the key)."""

    label: str


def _throttled(client: Open311Client) -> None:
    limit = settings.PHANANH_OPEN311_POSTS_PER_MINUTE
    if not within_limit(f"open311:posts:{client.pk}", limit, seconds=60):
        raise Open311Error(429, _("Too many requests with this api_key: try again in a minute."))


def _text(post, name: str, limit: int) -> str:
    value = clean_text(post.get(name, ""))
    if len(value) > limit:
        raise params.bad(
            name, _("At most %(limit)d characters (now %(count)d).") % {"limit": limit, "count": len(value)}
        )
    return value


def _url(post, name: str) -> str:
    value = post.get(name, "").strip()
    if not value:
        return ""
    try:
        if len(value) > MAX_URL:
            raise ValidationError("too long")
        URLValidator(schemes=["http", "https"])(value)
    except ValidationError:
        raise params.bad(
            name, _("Give an http or https address of at most %(limit)d characters.") % {"limit": MAX_URL}
        ) from None
    return value


def _answers(post, category: Category | None) -> dict:
    """`attribute[CODE]` (and `attribute[CODE][]` for several choices) as the intake's answers."""
    several = set()
    if category is not None:
        several = set(category.questions.filter(kind=QuestionKind.MULTIPLE).values_list("code", flat=True))
    answers = {}
    for name in post:
        match = _ATTRIBUTE.match(name)
        if match is None:
            continue
        code = match[1]
        values = post.getlist(name)
        answers[code] = values if (match[2] or code in several) else values[-1]
    return answers


def _raw(post) -> dict:
    service_code = post.get("service_code", "").strip()
    if not service_code:
        raise params.bad("service_code", _("A service_code is required."))
    category = Category.objects.filter(code=service_code, is_active=True).first()
    if category is None:
        raise params.bad("service_code", _("There is no such service_code."))
    latitude, longitude = post.get("lat", "").strip(), post.get("long", "").strip()
    address = post.get("address_string", "").strip()
    if not (latitude or longitude) and not address:
        raise params.bad("lat", _("Give a location: lat and long, or address_string."))
    description = _text(post, "description", MAX_DESCRIPTION)
    media_url = _url(post, "media_url")
    if media_url:
        # Never fetched (the server does not fetch addresses others give it): kept as a link.
        link = _("Photo (link sent by the partner system)")
        description = f"{description}\n\n{link}: {media_url}".strip()
    email, phone = post.get("email", "").strip(), post.get("phone", "").strip()
    name = " ".join(
        part for part in (post.get("last_name", "").strip(), post.get("first_name", "").strip()) if part
    )
    return {
        "description": description,
        "category": service_code,
        "latitude": latitude,
        "longitude": longitude,
        "address": address,
        "reporter_name": name,
        "reporter_email": email,
        "reporter_phone": phone,
        # No way to reach the reporter: no contact details are kept (their name neither).
        "anonymous": not (email or phone),
        # The client's agreement with the province covers the reporter's consent (docs/open311.md).
        "consent": True,
        "answers": _answers(post, category),
    }


def _idempotency_key(request, client: Open311Client) -> Idempotency | None:
    key = request.headers.get("Idempotency-Key", "").strip()
    if not key:
        return None
    if len(key) > 150 or not key.isprintable():
        raise params.bad("Idempotency-Key", _("At most 150 printable characters."))
    # Each client's keys are its own: two clients using the same key never meet.
    return Idempotency(
        f"open311:{client.pk}:{key}", lambda report, secret: {"service_request_id": report.tracking_code}
    )


def _renamed(error: ApplicationError) -> ApplicationError:
    """The intake's field names as the Open311 parameters that carried them."""
    for item in error.errors:
        field = item["field"]
        if field.startswith("answers."):
            item["field"] = f"attribute[{field.removeprefix('answers.')}]"
        else:
            item["field"] = OPEN311_NAMES.get(field, field)
    return error


def request_submit(request) -> Report:
    """A new report from a client's form-encoded POST, through the intake every channel uses."""
    post = request.POST
    client = params.client(post, required=True)
    _throttled(client)
    try:
        submission = validate_submission(_raw(post), channel=Channel.OPEN311)
    except ApplicationError as error:
        raise _renamed(error) from None
    idempotency = _idempotency_key(request, client)
    # The report and the record of who sent it are written together or not at all.
    with transaction.atomic():
        result = report_submit(submission=submission, idempotency=idempotency)
        Open311Request.objects.get_or_create(report=result.report, defaults={"client": client})
    return result.report


def update_submit(request) -> str:
    """An update from a client on a report it sent (FixMyStreet's POST servicerequestupdates).

    Stored as an internal event through the transition service; a resend of the same client
    `update_id` answers the event already recorded.
    """
    post = request.POST
    client = params.client(post, required=True)
    _throttled(client)
    code = params.normalise_tracking_code(post.get("service_request_id", ""))
    report = (
        Report.objects.filter(tracking_code=code, open311_request__client=client).first() if code else None
    )
    if report is None:
        raise Open311Error(
            404, _("There is no such service_request_id among the requests this api_key sent.")
        )
    update_id = post.get("update_id", "").strip()
    if not update_id or len(update_id) > 100:
        raise params.bad("update_id", _("An update_id of at most 100 characters is required."))
    status = post.get("status", "").strip().upper()
    if status not in UPDATE_STATUSES:
        raise params.bad("status", _("Allowed values: %(values)s.") % {"values": ", ".join(UPDATE_STATUSES)})
    updated = params.moment(post, "updated_datetime")
    if updated is None:
        raise params.bad("updated_datetime", _("An updated_datetime is required."))
    data = {
        "client": client.pk,
        "client_name": client.name,
        "update_id": update_id,
        "status": status,
        "description": _text(post, "description", MAX_DESCRIPTION),
        "updated_datetime": updated.isoformat(),
        "media_url": _url(post, "media_url"),
    }
    known = Open311Update.objects.filter(client=client, update_id=update_id).first()
    if known is not None:
        return str(known.event_id)
    try:
        with transaction.atomic():
            event = record_event(
                report=report, actor=Partner(f"open311:{client.pk}"), kind=EventKind.PARTNER_UPDATE, data=data
            )
            Open311Update.objects.create(client=client, update_id=update_id, report=report, event=event)
    except IntegrityError:
        # The same update sent twice at once: the other request recorded it.
        return str(Open311Update.objects.get(client=client, update_id=update_id).event_id)
    return str(event.pk)
