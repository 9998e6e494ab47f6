"""A resend with an Idempotency-Key gets its answer back, but no secret is ever kept in clear.

Nguyễn Thị Lan's app lost the answer to her report on a bad 3G connection and sends it again
with the same key. She must get her tracking code and her secret back; nobody else must, and
the database must hold no copy of the secret that a leak of the table would give away.
"""

from __future__ import annotations

import json
from datetime import timedelta
from importlib import import_module

import pytest
from django.apps import apps as django_apps
from django.conf import settings
from django.db import connection
from django.utils import timezone

from phananh.reports.codes import secret_matches
from phananh.reports.models import IdempotencyRecord, Report
from phananh.workflow.tasks import prune_idempotency_records
from tests.reports.test_api_intake import lan_report, post_json

pytestmark = pytest.mark.django_db


def every_stored_text() -> str:
    """Every column of every remembered answer and of the reports, as the database holds them."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM reports_idempotencyrecord")
        records = cursor.fetchall()
        cursor.execute("SELECT * FROM reports_report")
        reports = cursor.fetchall()
    return json.dumps([records, reports], default=str, ensure_ascii=False)


def test_the_resend_gets_the_secret_back_and_the_database_never_held_it(client):
    first = post_json(client, lan_report(), key="lan-2026-12-03-001")
    assert first.status_code == 201, first.content
    secret = first.json()["secret"]

    # The database holds the secret's hash on the report, and nothing of it in the remembered answer
    assert secret not in every_stored_text()
    assert IdempotencyRecord.objects.get().response["secret"] is None

    # When her app sends the same report with the same key
    second = post_json(client, lan_report(), key="lan-2026-12-03-001")

    # Then it gets the same answer, secret included, and the secret opens her report
    assert second.status_code == 201, second.content
    assert second.json() == first.json()
    report = Report.objects.get()
    assert secret_matches(second.json()["secret"], report.secret_hash)


def test_the_same_key_with_other_content_learns_nothing(client):
    first = post_json(client, lan_report(), key="shared-key")
    assert first.status_code == 201

    # Someone else who knows (or guessed) the key sends their own report with it
    other = post_json(client, lan_report(reporter_name="Trần Văn Minh"), key="shared-key")

    # Then they are refused, and learn neither Lan's code nor her secret
    assert other.status_code == 409
    assert first.json()["tracking_code"] not in other.content.decode()
    assert first.json()["secret"] not in other.content.decode()


def test_after_the_replay_window_the_key_is_forgotten_and_a_resend_is_a_new_report(client):
    first = post_json(client, lan_report(), key="lan-old-key")
    assert first.status_code == 201
    window = timedelta(hours=settings.PHANANH_IDEMPOTENCY_TTL_HOURS)
    IdempotencyRecord.objects.update(created_at=timezone.now() - window - timedelta(minutes=1))

    again = post_json(client, lan_report(), key="lan-old-key")

    assert again.status_code == 201
    assert again.json()["tracking_code"] != first.json()["tracking_code"]
    assert Report.objects.count() == 2
    assert IdempotencyRecord.objects.get().report.tracking_code == again.json()["tracking_code"]


def test_the_periodic_prune_forgets_old_keys_only(client):
    for key in ("old-1", "old-2", "fresh"):
        assert (
            post_json(client, lan_report(description=f"Ổ gà {key} trên đường Lê Lợi"), key=key).status_code
            == 201
        )
    window = timedelta(hours=settings.PHANANH_IDEMPOTENCY_TTL_HOURS)
    IdempotencyRecord.objects.filter(key__startswith="old").update(created_at=timezone.now() - window * 2)

    assert "phananh.workflow.tasks.prune_idempotency_records" in settings.PHANANH_PERIODIC_TASKS
    assert prune_idempotency_records.call() == 2

    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["fresh"]
    assert Report.objects.count() == 3  # the reports stay; only the keys are forgotten


def test_answers_remembered_before_lose_their_secret(client):
    # Given an answer remembered the old way, with the secret in clear
    first = post_json(client, lan_report(), key="lan-before")
    secret = first.json()["secret"]
    IdempotencyRecord.objects.update(response={**first.json(), "secret": secret})
    assert secret in every_stored_text()

    # When the migration runs
    migration = import_module("phananh.reports.migrations.0011_idempotency_answers_without_secrets")
    migration.forget_secrets(django_apps, None)

    # Then the secret is gone from the table, and the rest of the answer is kept
    assert secret not in every_stored_text()
    assert IdempotencyRecord.objects.get().response["tracking_code"] == first.json()["tracking_code"]
