"""Channel adapters: each module sends one `Delivery` through one channel.

An adapter is a function `send(delivery) -> None` that returns when the far end accepted the
message and raises `DeliveryError` otherwise, saying whether trying again could help.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from .base import DeliveryError

if TYPE_CHECKING:
    from ..models import Delivery

__all__ = ["DeliveryError", "adapter_for"]


def adapter_for(channel: str) -> Callable[[Delivery], None]:
    from . import email, sms, zalo

    adapters = {"email": email.send, "sms": sms.send, "zalo": zalo.send}
    try:
        return adapters[channel]
    except KeyError:
        raise DeliveryError(f"no adapter for channel {channel!r}", permanent=True) from None
