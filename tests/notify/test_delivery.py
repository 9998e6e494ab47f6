"""The delivery log: queued once, claimed by one worker, tried again with growing waits,
given up after the last attempt, and neither lost nor sent twice when a worker is killed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from phananh.notify.delivery import deliver_due, deliver_one, queue_message
from phananh.notify.models import Delivery, DeliveryStatus

ROOT = Path(__file__).resolve().parents[2]


def queue_sms(key="report_received:1:sms:0912345678", **extra) -> Delivery:
    return queue_message(
        channel="sms",
        to="0912345678",
        subject="",
        body="Phản ánh LS-2025-000123 đã được tiếp nhận.",
        purpose="report_received",
        dedupe_key=key,
        **extra,
    )


@pytest.mark.django_db
def test_the_same_message_for_the_same_event_is_queued_and_sent_once(
    smtp_server, django_capture_on_commit_callbacks
):
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            queue_message(
                channel="email",
                to="lan.nguyen@example.vn",
                subject="Cập nhật phản ánh",
                body="Đã chuyển xử lý.",
                purpose="report_dispatched",
                dedupe_key="report_dispatched:41:email:lan.nguyen@example.vn",
            )

    assert Delivery.objects.count() == 1
    assert smtp_server.subjects() == ["Cập nhật phản ánh"]


@pytest.mark.django_db
def test_failures_wait_1_then_5_minutes_and_the_last_attempt_gives_up(
    sms_gateway, settings, django_capture_on_commit_callbacks
):
    settings.PHANANH_DELIVERY_MAX_ATTEMPTS = 3
    for _ in range(5):
        sms_gateway.answer(503, {"error": "down"})
    with django_capture_on_commit_callbacks(execute=True):
        delivery = queue_sms()
    delivery.refresh_from_db()
    first_failure = delivery.next_attempt_at - timedelta(minutes=1)
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.FAILED, 1)

    # Not due yet: nobody tries.
    assert deliver_due(now=first_failure + timedelta(seconds=30)) == {}
    assert len(sms_gateway.requests) == 1

    second = delivery.next_attempt_at
    assert deliver_due(now=second) == {DeliveryStatus.FAILED: 1}
    delivery.refresh_from_db()
    assert delivery.attempts == 2
    assert delivery.next_attempt_at == second + timedelta(minutes=5)

    assert deliver_due(now=delivery.next_attempt_at) == {DeliveryStatus.DEAD: 1}
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == (DeliveryStatus.DEAD, 3, None)

    # Given up: a later run sends nothing more.
    assert deliver_due(now=timezone.now() + timedelta(days=2)) == {}
    assert len(sms_gateway.requests) == 3


@pytest.mark.django_db
def test_a_retry_that_succeeds_is_marked_sent_and_never_sent_again(
    sms_gateway, django_capture_on_commit_callbacks
):
    sms_gateway.answer(500, {"error": "oops"})
    with django_capture_on_commit_callbacks(execute=True):
        delivery = queue_sms()
    delivery.refresh_from_db()

    assert deliver_due(now=delivery.next_attempt_at) == {DeliveryStatus.SENT: 1}
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT
    assert delivery.sent_at is not None

    assert deliver_due(now=timezone.now() + timedelta(days=1)) == {}
    assert deliver_one(delivery.pk) is None
    assert len(sms_gateway.requests) == 2


@pytest.mark.django_db
def test_a_delivery_left_sending_by_a_dead_worker_is_taken_again_once_stale(sms_gateway, settings):
    settings.PHANANH_DELIVERY_STALE_SECONDS = 300
    now = timezone.now()
    common = {"channel": "sms", "to_address": "0912345678", "body": "x", "purpose": "report_received"}
    stale = Delivery.objects.create(
        **common,
        dedupe_key="a",
        status=DeliveryStatus.SENDING,
        attempts=1,
        claimed_at=now - timedelta(minutes=6),
    )
    busy = Delivery.objects.create(
        **common,
        dedupe_key="b",
        status=DeliveryStatus.SENDING,
        attempts=1,
        claimed_at=now - timedelta(minutes=1),
    )

    assert deliver_due(now=now) == {DeliveryStatus.SENT: 1}

    stale.refresh_from_db()
    busy.refresh_from_db()
    assert (stale.status, stale.attempts) == (DeliveryStatus.SENT, 2)
    # Still within its worker's time: left alone.
    assert busy.status == DeliveryStatus.SENDING
    assert len(sms_gateway.requests) == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_workers_claiming_the_same_delivery_at_once_send_it_once(sms_gateway):
    sms_gateway.delay = 0.3
    delivery = Delivery.objects.create(
        channel="sms",
        to_address="0912345678",
        body="x",
        purpose="report_received",
        dedupe_key="once",
        next_attempt_at=timezone.now(),
    )
    start = threading.Barrier(4)
    outcomes = []

    def worker():
        try:
            start.wait()
            outcomes.append(deliver_one(delivery.pk))
        finally:
            connection.close()

    workers = [threading.Thread(target=worker) for _ in range(4)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join(30)

    assert sorted(outcomes, key=str) == [None, None, None, DeliveryStatus.SENT]
    assert len(sms_gateway.requests) == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SENT, 1)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_worker_killed_mid_run_loses_nothing_and_sends_nothing_twice(smtp_server, settings):
    # Given eight queued emails and a slow mail server,
    now = timezone.now()
    for n in range(8):
        Delivery.objects.create(
            channel="email",
            to_address=f"follower{n}@example.vn",
            subject=f"Tin {n}",
            body=f"Nội dung {n}",
            purpose="follower_update",
            dedupe_key=f"follower_update:{n}",
            next_attempt_at=now,
        )
    smtp_server.delay = 0.4
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "phananh.settings",
        "PYTHONPATH": str(ROOT / "src"),
        "DB_NAME": connection.settings_dict["NAME"],
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_server.port),
    }
    code = "import django; django.setup(); from phananh.notify.delivery import deliver_due; deliver_due()"
    worker = subprocess.Popen([sys.executable, "-c", code], env=env, cwd=ROOT)

    # when a worker is killed while the server takes in the fourth message,
    try:
        assert smtp_server.wait_for_data(4), "the worker started sending"
    finally:
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(10)
    statuses = list(Delivery.objects.order_by("id").values_list("status", flat=True))
    assert statuses == ["sent"] * 3 + ["sending"] + ["pending"] * 4
    assert smtp_server.subjects() == ["Tin 0", "Tin 1", "Tin 2"]

    # and the next run takes what it left, the one it was sending included once stale,
    smtp_server.delay = 0
    settings.PHANANH_DELIVERY_STALE_SECONDS = 0
    assert deliver_due() == {DeliveryStatus.SENT: 5}

    # then every message arrived exactly once.
    assert sorted(smtp_server.subjects()) == [f"Tin {n}" for n in range(8)]
    assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.SENT}
