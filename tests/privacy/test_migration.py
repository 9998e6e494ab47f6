"""The migration that adds the consent version keeps the map grid's triggers on the reports table.

On SQLite, Django rebuilds a table to add a NOT NULL column, and a rebuilt table has lost its
triggers; the migration adds the column in place instead.
"""

from __future__ import annotations

import importlib

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from phananh.reports.models import Report

pytestmark = pytest.mark.django_db

TRIGGERS = set(importlib.import_module("phananh.portal.migrations.0001_map_grid").TRIGGERS)


def triggers_on_reports() -> set[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'reports_report'"
            )
        else:
            cursor.execute(
                "SELECT tgname FROM pg_trigger "
                "WHERE tgrelid = 'reports_report'::regclass AND NOT tgisinternal"
            )
        return {name for (name,) in cursor.fetchall()}


def test_the_map_grid_triggers_are_still_on_the_reports_table():
    assert triggers_on_reports() >= TRIGGERS


# Real commits, as a migration needs; the rollback brings the default rows back after the flush.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_reports_sent_before_were_shown_the_first_text():
    # Given a report stored before the migration
    executor = MigrationExecutor(connection)
    executor.migrate([("reports", "0011_idempotency_answers_without_secrets")])
    old_apps = executor.loader.project_state(("reports", "0011_idempotency_answers_without_secrets")).apps
    old_apps.get_model("reports", "Report").objects.create(
        tracking_code="PA-25-OLD234",
        secret_hash="0" * 64,
        description="Cũ",
        consent_at=timezone.now(),
        channel="web",
    )

    # When the migration runs
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    # Then that report was shown version v1; the triggers are still there
    assert Report.objects.get(tracking_code="PA-25-OLD234").consent_version == "v1"
    assert triggers_on_reports() >= TRIGGERS
