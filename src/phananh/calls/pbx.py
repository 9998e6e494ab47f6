"""The switchboard's hook: signed events of ring, answer and hang-up fill the call log.

A PBX (Asterisk, FreeSWITCH...) posts one JSON event per step of a call, signed with the key
both sides share: `X-PhanAnh-Timestamp` is the Unix time of the signing, and
`X-PhanAnh-Signature` is `sha256=` + the hex HMAC-SHA256, with that key, of the timestamp, a
dot and the raw body. An event signed outside the replay window is refused; within it, a step
a call already had is refused as a replay (each call rings, is answered and hangs up once).
Nothing is written for a refused event.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time
from typing import Literal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Schema
from pydantic import ValidationError as PydanticValidationError

from phananh.core.errors import ApplicationError, Conflict, Forbidden, NotFound
from phananh.core.validation import problems_error, validation_failed

from .models import AgentExtension, Call, Direction
from .services import phone_number

TIMESTAMP_HEADER = "X-PhanAnh-Timestamp"
SIGNATURE_HEADER = "X-PhanAnh-Signature"
# A number as a switchboard gives it: digits, perhaps after a "+" (E.164 has at most 15).
CALLER = re.compile(r"^\+?[0-9]{3,15}$")


class CallEventIn(Schema):
    """One step of a call, as the switchboard reports it."""

    event: Literal["ring", "answer", "hangup"] = Field(
        ..., description="`ring`: the phone rings; `answer`: an agent picked up; `hangup`: the call ended."
    )
    call_id: str = Field(..., min_length=1, max_length=100, description="The switchboard's id of the call.")
    caller: str = Field(
        "", max_length=20, description="The caller's number; required with `ring`, ignored otherwise."
    )
    extension: str = Field(
        "",
        max_length=20,
        description="The agent's extension: the one ringing (`ring`, empty for the whole queue) or "
        "the one who answered (`answer`).",
    )


class Unsigned(ApplicationError):
    status = 401


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """The value of `X-PhanAnh-Signature` for a body signed at `timestamp`."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify(headers, body: bytes, *, now: float | None = None) -> None:
    """Refuse an event the switchboard did not sign, or signed outside the replay window."""
    secret = settings.PHANANH_PBX_SECRET
    if not secret:
        raise Forbidden("pbx_hook_disabled", _("The switchboard hook is not configured."))
    timestamp, given = headers.get(TIMESTAMP_HEADER, ""), headers.get(SIGNATURE_HEADER, "")
    if not timestamp or not given:
        raise Unsigned("signature_missing", _("The event is not signed."))
    if not hmac.compare_digest(signature(secret, timestamp, body), given):
        raise Unsigned("signature_invalid", _("The event's signature does not match."))
    try:
        age = (time.time() if now is None else now) - int(timestamp)
    except ValueError:
        raise Unsigned("signature_invalid", _("The event's timestamp is not a number.")) from None
    if abs(age) > settings.PHANANH_PBX_REPLAY_SECONDS:
        raise Unsigned("event_stale", _("The event was signed too long ago (or in the future)."))


def read_event(data) -> CallEventIn:
    try:
        event = CallEventIn.model_validate(data)
    except PydanticValidationError as exc:
        raise validation_failed(exc) from exc
    if event.event == "ring":
        if not event.caller.strip():
            raise problems_error(
                [("caller", "caller_required", _("A ringing call needs the caller's number."))]
            )
        if not CALLER.match(phone_number(event.caller)):
            raise problems_error(
                [("caller", "invalid_caller", _("The caller's number is not a phone number."))]
            )
    return event


def _agent(extension: str):
    if not extension:
        return None
    found = AgentExtension.objects.select_related("agent").filter(number=extension).first()
    if found is None:
        raise problems_error([("extension", "unknown_extension", _("No agent has this extension."))])
    return found.agent


@transaction.atomic
def call_event(event: CallEventIn) -> Call:
    """Record one step of a call; a step the call already had is a replay (409)."""
    now = timezone.now()
    agent = _agent(event.extension)
    if event.event == "ring":
        try:
            with transaction.atomic():
                return Call.objects.create(
                    pbx_call_id=event.call_id,
                    direction=Direction.INBOUND,
                    number=phone_number(event.caller),
                    started_at=now,
                    extension=event.extension,
                    agent=agent,
                )
        except IntegrityError:
            raise _replayed() from None
    call = Call.objects.filter(pbx_call_id=event.call_id).first()
    if call is None:
        raise NotFound("call_not_found", _("No call with this id has rung."))
    # Compare-and-swap: the step is written only if the call is still as it was read, so that
    # the same event sent twice at once is written once, and the other refused as a replay.
    steps = Call.objects.filter(pk=call.pk, answered_at=call.answered_at, ended_at=None)
    if event.event == "answer":
        if call.answered_at is not None:
            raise _replayed()
        changes = {
            "answered_at": now,
            "agent": agent or call.agent,
            "extension": event.extension or call.extension,
        }
    else:
        talked = int((now - call.answered_at).total_seconds()) if call.answered_at else 0
        changes = {"ended_at": now, "duration_seconds": talked}
    if steps.update(**changes) != 1:
        raise _replayed()
    call.refresh_from_db()
    return call


def _replayed() -> Conflict:
    return Conflict("event_replayed", _("This call already had this step: the event is a replay."))
