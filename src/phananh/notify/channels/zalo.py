"""Zalo Official Account: a customer-service text message to a Zalo user who wrote to the OA.

Zalo answers HTTP 200 for refusals too, with a non-zero "error" and a "message". Which of its
codes are worth another attempt:
- retry: the rate limit and quotas (-32, -211, -232) and the access token (-124 expired,
  -216 invalid): the OA's token is renewed outside this adapter, and the message is still
  good once it is; any code not listed below, so that nothing is given up on a guess;
- give up: what no retry can change for this recipient: invalid parameters (-201), a user
  who does not follow the OA (-213), blocked it (-217), or has not written to it in the last
  7 days so that the customer-service window is closed (-230); an OA that does not exist or
  was removed (-204, -205).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from django.conf import settings

from .base import DeliveryError, post_json

if TYPE_CHECKING:
    from ..models import Delivery

PERMANENT_ERRORS = frozenset({-201, -204, -205, -213, -217, -230})


def send(delivery: Delivery) -> None:
    if not settings.PHANANH_ZALO_ACCESS_TOKEN:
        raise DeliveryError("the Zalo access token is not configured", permanent=True)
    _status, raw = post_json(
        settings.PHANANH_ZALO_API_URL,
        {"recipient": {"user_id": delivery.to_address}, "message": {"text": delivery.body}},
        headers={"access_token": settings.PHANANH_ZALO_ACCESS_TOKEN},
        timeout=settings.PHANANH_DELIVERY_HTTP_TIMEOUT,
    )
    try:
        answer = json.loads(raw)
        code = int(answer.get("error", -1))
    except (ValueError, TypeError, AttributeError):
        raise DeliveryError("Zalo: an answer that is not JSON", permanent=False) from None
    if code != 0:
        message = str(answer.get("message", ""))[:200]
        raise DeliveryError(f"Zalo error {code}: {message}", permanent=code in PERMANENT_ERRORS)
