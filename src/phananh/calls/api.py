"""The switchboard's hook in the API: POST /api/v1/calls/events (see `calls.pbx`)."""

from __future__ import annotations

import json

from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.openapi.schema import REF_TEMPLATE

from phananh.core.errors import ApplicationError
from phananh.core.schemas import ErrorOut, documented, rules

from . import pbx

router = Router(tags=["call centre"])
EVENT_SCHEMA, EVENT_PARTS = documented(pbx.CallEventIn)
OPENAPI_SCHEMAS = {**EVENT_PARTS, "CallEventIn": EVENT_SCHEMA}


class CallOut(Schema):
    call_id: str
    status: str
    number: str
    duration_seconds: int | None


@router.post(
    "/calls/events",
    response={200: CallOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    summary="Switchboard event: ring, answer or hang-up",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": REF_TEMPLATE.format(model="CallEventIn")}}},
        },
        "parameters": [
            {
                "in": "header",
                "name": pbx.TIMESTAMP_HEADER,
                "required": True,
                "schema": {"type": "string"},
                "description": "Unix time of the signing, in seconds.",
            },
            {
                "in": "header",
                "name": pbx.SIGNATURE_HEADER,
                "required": True,
                "schema": {"type": "string"},
                "description": "`sha256=` + hex HMAC-SHA256, with the shared key, of "
                "`timestamp + '.' + raw body`.",
            },
        ],
        **rules(
            caller_required="`ring` needs `caller`",
            invalid_caller="`caller` is not a phone number",
            unknown_extension="`extension` is no agent's",
        ),
    },
)
def call_event(request):
    """Tổng đài: one step of a call, signed by the switchboard with the shared key.

    401 when unsigned (`signature_missing`), tampered (`signature_invalid`) or signed outside the
    replay window (`event_stale`); 403 when the hook is not configured (`pbx_hook_disabled`);
    404 for a step of a call that never rang (`call_not_found`); 409 for a step the call already
    had (`event_replayed`). Nothing is written for a refused event.
    """
    pbx.verify(request.headers, request.body)
    try:
        data = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        raise ApplicationError("malformed_json", _("The body is not valid JSON.")) from None
    call = pbx.call_event(pbx.read_event(data))
    status = "ended" if call.ended_at else "answered" if call.answered_at else "ringing"
    return {
        "call_id": call.pbx_call_id,
        "status": status,
        "number": call.number,
        "duration_seconds": call.duration_seconds,
    }
