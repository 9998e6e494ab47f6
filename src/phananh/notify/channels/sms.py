"""SMS through an HTTP gateway: POST {to, text, sender} as JSON with a bearer token.

Any gateway with that shape works (most Vietnamese brandname-SMS providers offer one, or a
small proxy in front of theirs); PHANANH_SMS_URL, PHANANH_SMS_TOKEN, PHANANH_SMS_SENDER.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings

from .base import post_json

if TYPE_CHECKING:
    from ..models import Delivery


def send(delivery: Delivery) -> None:
    send_text(delivery.to_address, delivery.body)


def send_text(to: str, text: str) -> None:
    """One message, now (a sign-in code: no use in a queue that delivers it late)."""
    post_json(
        settings.PHANANH_SMS_URL,
        {"to": to, "text": text, "sender": settings.PHANANH_SMS_SENDER},
        headers={"Authorization": f"Bearer {settings.PHANANH_SMS_TOKEN}"},
        timeout=settings.PHANANH_DELIVERY_HTTP_TIMEOUT,
    )
