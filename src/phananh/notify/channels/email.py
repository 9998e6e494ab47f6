"""Email through Django's mail API: the SMTP server named by EMAIL_HOST and EMAIL_PORT."""

from __future__ import annotations

import smtplib
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.mail import EmailMessage, get_connection

from .base import DeliveryError

if TYPE_CHECKING:
    from ..models import Delivery


def send(delivery: Delivery) -> None:
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2].rstrip(">") or "phananh.local"
    message = EmailMessage(
        subject=delivery.subject,
        body=delivery.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[delivery.to_address],
        # The same id on every attempt, so that a receiving server that got a message twice
        # (a worker killed after the server accepted it) can tell it is one message. The row's
        # own headers (List-Unsubscribe for followers) go along.
        headers={**(delivery.headers or {}), "Message-ID": f"<delivery-{delivery.pk}@{domain}>"},
        connection=get_connection(fail_silently=False),
    )
    try:
        message.send()
    except smtplib.SMTPRecipientsRefused as error:
        codes = [code for code, _reply in error.recipients.values()]
        permanent = all(500 <= code < 600 for code in codes)
        raise DeliveryError(
            f"recipient refused ({', '.join(map(str, codes))})", permanent=permanent
        ) from None
    except smtplib.SMTPResponseException as error:
        # 5xx: the server will not take it (a bad sender, a message it refuses); 4xx: later.
        reply = error.smtp_error.decode(errors="replace") if isinstance(error.smtp_error, bytes) else ""
        raise DeliveryError(
            f"SMTP {error.smtp_code} {reply}".strip(), permanent=500 <= error.smtp_code < 600
        ) from None
    except (smtplib.SMTPException, OSError) as error:
        raise DeliveryError(f"SMTP: {error.__class__.__name__}: {error}", permanent=False) from None
