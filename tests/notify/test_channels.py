"""Each channel adapter against a real local server: what goes over the wire, and how a
refusal or an outage is recorded (sent, failed and tried again later, or given up)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from phananh.notify.delivery import queue_message
from phananh.notify.models import Delivery, DeliveryStatus

from .local_servers import free_port

pytestmark = pytest.mark.django_db

BODY = "Phản ánh LS-2025-000123 của bạn đã được tiếp nhận."


@pytest.fixture
def send(django_capture_on_commit_callbacks):
    """Queue one message and let the `deliver` task run after the commit, as in production."""

    def send(channel: str, to: str, *, subject: str = "Đã tiếp nhận phản ánh", key: str = "k1") -> Delivery:
        with django_capture_on_commit_callbacks(execute=True):
            delivery = queue_message(
                channel=channel, to=to, subject=subject, body=BODY, purpose="report_received", dedupe_key=key
            )
        delivery.refresh_from_db()
        return delivery

    return send


def assert_retry_later(delivery: Delivery) -> None:
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.attempts == 1
    # The first wait is a minute.
    assert timedelta(seconds=55) < delivery.next_attempt_at - timezone.now() <= timedelta(seconds=60)
    assert BODY not in delivery.last_error


def assert_given_up(delivery: Delivery) -> None:
    assert delivery.status == DeliveryStatus.DEAD
    assert delivery.next_attempt_at is None
    assert delivery.sent_at is None
    assert BODY not in delivery.last_error


# --- email ---------------------------------------------------------------------------------


def test_email_arrives_at_the_smtp_server(smtp_server, send):
    delivery = send("email", "lan.nguyen@example.vn")

    assert delivery.status == DeliveryStatus.SENT
    assert delivery.sent_at is not None
    assert delivery.attempts == 1
    [received] = smtp_server.messages
    assert received["to"] == ["lan.nguyen@example.vn"]
    message = received["message"]
    assert message["Subject"] == "Đã tiếp nhận phản ánh"
    assert message["To"] == "lan.nguyen@example.vn"
    assert message.get_content().strip() == BODY
    # The same id on every attempt, so that a receiver can tell a repeat.
    assert message["Message-ID"] == f"<delivery-{delivery.pk}@phananh.local>"


def test_a_refused_mailbox_is_given_up_without_showing_the_address(smtp_server, send):
    smtp_server.refused = {"nobody@example.vn"}

    delivery = send("email", "nobody@example.vn")

    assert_given_up(delivery)
    assert "550" in delivery.last_error
    assert smtp_server.messages == []
    assert "nobody@example.vn" not in delivery.last_error


def test_an_unreachable_smtp_server_is_tried_again_later(settings, send):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()

    delivery = send("email", "lan.nguyen@example.vn")

    assert_retry_later(delivery)
    assert "SMTP" in delivery.last_error


# --- SMS -----------------------------------------------------------------------------------


def test_sms_is_posted_to_the_gateway_with_the_bearer_token(sms_gateway, send):
    delivery = send("sms", "0912345678")

    assert delivery.status == DeliveryStatus.SENT
    [request] = sms_gateway.requests
    assert request["method"] == "POST"
    assert request["path"] == "/api/sms/send"
    assert request["headers"]["authorization"] == "Bearer sms-secret-token"
    assert request["headers"]["content-type"].startswith("application/json")
    assert request["json"] == {"to": "0912345678", "text": BODY, "sender": "UBND-LS"}


def test_sms_refused_by_the_gateway_is_given_up(sms_gateway, send):
    sms_gateway.answer(400, {"error": "invalid number", "echo": BODY})

    delivery = send("sms", "0912345678")

    assert_given_up(delivery)
    assert delivery.last_error == "HTTP 400 Bad Request"


@pytest.mark.parametrize("status", [500, 503, 429])
def test_sms_gateway_trouble_is_tried_again_later(sms_gateway, send, status):
    sms_gateway.answer(status, {"error": "busy"})

    delivery = send("sms", "0912345678")

    assert_retry_later(delivery)
    assert delivery.last_error.startswith(f"HTTP {status}")


def test_sms_gateway_that_refuses_connections_is_tried_again_later(settings, refused_url, send):
    settings.PHANANH_SMS_URL = refused_url

    delivery = send("sms", "0912345678")

    assert_retry_later(delivery)
    assert "cannot reach the gateway" in delivery.last_error


def test_sms_gateway_that_does_not_answer_in_time_is_tried_again_later(sms_gateway, settings, send):
    settings.PHANANH_DELIVERY_HTTP_TIMEOUT = 0.3
    sms_gateway.delay = 1.5

    delivery = send("sms", "0912345678")

    assert_retry_later(delivery)
    assert len(sms_gateway.requests) == 1


def test_sms_without_a_configured_gateway_is_given_up(settings, send):
    settings.PHANANH_SMS_URL = ""

    delivery = send("sms", "0912345678")

    assert_given_up(delivery)
    assert "not configured" in delivery.last_error


# --- Zalo ----------------------------------------------------------------------------------


def test_zalo_message_is_posted_with_the_access_token(zalo_api, send):
    zalo_api.answer(200, {"error": 0, "message": "Success", "data": {"message_id": "abc"}})

    delivery = send("zalo", "2468013579246801357")

    assert delivery.status == DeliveryStatus.SENT
    [request] = zalo_api.requests
    assert request["method"] == "POST"
    assert request["path"] == "/v3.0/oa/message/cs"
    assert request["headers"]["access_token"] == "zalo-oa-token"
    assert request["json"] == {"recipient": {"user_id": "2468013579246801357"}, "message": {"text": BODY}}


def test_zalo_user_outside_the_reply_window_is_given_up(zalo_api, send):
    # Zalo refuses with HTTP 200 and a non-zero error.
    zalo_api.answer(200, {"error": -230, "message": "User has not interacted with the OA in the past 7 days"})

    delivery = send("zalo", "2468013579246801357")

    assert_given_up(delivery)
    assert delivery.last_error.startswith("Zalo error -230")


@pytest.mark.parametrize(
    "status, answer, error",
    [
        (200, {"error": -32, "message": "Exceeded rate limit"}, "Zalo error -32"),
        # Without a refresh token to renew it (see tests/channels for the renewal).
        (200, {"error": -124, "message": "expired"}, "the Zalo access token cannot be renewed"),
    ],
)
def test_zalo_rate_limit_or_expired_token_is_tried_again_later(zalo_api, send, status, answer, error):
    zalo_api.answer(status, answer)

    delivery = send("zalo", "2468013579246801357")

    assert_retry_later(delivery)
    assert delivery.last_error.startswith(error)


def test_zalo_server_error_is_tried_again_later(zalo_api, send):
    zalo_api.answer(502, {"error": "bad gateway"})

    delivery = send("zalo", "2468013579246801357")

    assert_retry_later(delivery)
