"""The back office's page of undelivered messages: who may see it, what it shows, retry now."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from phananh.notify.models import Delivery, DeliveryStatus
from tests import staff

URL = reverse("backoffice:deliveries")


def signed_in(user) -> Client:
    return staff.signed_in(Client(), user)


@pytest.fixture
def dead_sms(submit):
    report = submit()
    return Delivery.objects.create(
        channel="sms",
        to_address="0912345678",
        body="Phản ánh của bạn đã được tiếp nhận.",
        purpose="report_received",
        report=report,
        dedupe_key="report_received:1:sms",
        status=DeliveryStatus.DEAD,
        attempts=6,
        last_error="HTTP 503 Service Unavailable",
    )


@pytest.fixture
def sent_email(db):
    return Delivery.objects.create(
        channel="email",
        to_address="lan.nguyen@example.vn",
        body="x",
        purpose="follower_update",
        dedupe_key="sent",
        status=DeliveryStatus.SENT,
        sent_at=timezone.now(),
    )


@pytest.mark.parametrize("name", ["lan", "an"])
def test_operators_and_administrators_see_undelivered_messages_masked(people, dead_sms, sent_email, name):
    response = signed_in(people[name]).get(URL)

    assert response.status_code == 200
    page = response.content.decode()
    assert f'data-id="{dead_sms.pk}"' in page
    assert dead_sms.report.tracking_code in page
    assert "09******78" in page
    assert "0912345678" not in page
    assert "HTTP 503 Service Unavailable" in page
    # What was sent is not listed, and no message text is shown.
    assert f'data-id="{sent_email.pk}"' not in page
    assert "đã được tiếp nhận" not in page


@pytest.mark.parametrize("name", ["minh", "hung", "binh", "tuan", "charlie", "quang"])
def test_other_staff_are_refused(people, dead_sms, name):
    client = signed_in(people[name])

    assert client.get(URL).status_code == 403
    assert client.post(URL, {"delivery": dead_sms.pk}).status_code == 403
    dead_sms.refresh_from_db()
    assert dead_sms.status == DeliveryStatus.DEAD


def test_a_visitor_is_sent_to_the_login(db):
    response = Client().get(URL)

    assert response.status_code == 302
    assert reverse("backoffice:login") in response["Location"]


def test_retry_now_sends_a_given_up_message_again(
    people, dead_sms, sms_gateway, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in(people["lan"]).post(URL, {"delivery": dead_sms.pk})

    assert response.status_code == 302
    dead_sms.refresh_from_db()
    assert dead_sms.status == DeliveryStatus.SENT
    assert dead_sms.attempts == 1
    assert [r["json"]["to"] for r in sms_gateway.requests] == ["0912345678"]


def test_retry_now_of_a_message_already_sent_does_nothing(people, sent_email):
    response = signed_in(people["lan"]).post(URL, {"delivery": sent_email.pk})

    assert response.status_code == 404
    sent_email.refresh_from_db()
    assert sent_email.status == DeliveryStatus.SENT
