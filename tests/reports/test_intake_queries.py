"""Intake does the least work that keeps its promises: one transaction, a handful of statements.

Nguyễn Thị Lan sends a pothole report from her phone app through the JSON API while a storm
brings in hundreds a minute. Each of her reports must still be stored whole or not at all, with
its tracking code, first step, first event and the tasks that tell the IOC, and nothing more.

The tests use the database task backend (production's default without Redis), whose tasks are
rows written in the report's own transaction, and real commits (transaction=True).
"""

from __future__ import annotations

import io
import random

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django_tasks_db.models import DBTaskResult
from PIL import Image

from phananh.reports import codes
from phananh.reports.intake import validate_submission
from phananh.reports.models import Attachment, Report
from phananh.workflow.models import Event, Step
from phananh.workflow.submission import report_submit

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

URL = "/api/v1/reports"
LAN = {
    "description": "Ổ gà sâu giữa đường Bà Triệu, xe máy dễ ngã",
    "latitude": "21.8469",
    "longitude": "106.7576",
    "reporter_name": "Nguyễn Thị Lan",
    "reporter_phone": "0912 345 678",
    "consent": True,
}
TASKS_TABLE = DBTaskResult._meta.db_table


@pytest.fixture
def database_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def statements(queries) -> list[str]:
    return [query["sql"] for query in queries.captured_queries]


def transactions(sql: list[str]) -> dict[str, int]:
    """How many transactions began, committed or rolled back, and how many savepoints were made."""
    words = [statement.split(None, 1)[0].upper() for statement in sql]
    return {word: words.count(word) for word in ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT")}


def writes_to(sql: list[str]) -> list[str]:
    """The tables written, in order."""
    return [s.split('"')[1] for s in sql if s.startswith(("INSERT", "UPDATE", "DELETE"))]


def reads_of(sql: list[str], table: str) -> list[str]:
    return [s for s in sql if s.startswith("SELECT") and f'FROM "{table}"' in s]


def send(client, body=LAN, **headers):
    return client.post(URL, body, content_type="application/json", headers=headers)


def test_a_json_report_is_one_transaction_of_a_few_statements(client, ioc, database_tasks):
    # Given the service has already taken a report (each process reads the deadline rules once)
    assert send(client).status_code == 201

    # When Lan sends hers
    with CaptureQueriesContext(connection) as queries:
        response = send(client)

    # Then she has her tracking code
    assert response.status_code == 201
    report = Report.objects.get(tracking_code=response.json()["tracking_code"])
    sql = statements(queries)
    # ...from one transaction that commits once, without savepoints
    assert transactions(sql) == {"BEGIN": 1, "COMMIT": 1, "ROLLBACK": 0, "SAVEPOINT": 0}, sql
    begin, commit = (i for i, s in enumerate(sql) if s.upper().startswith(("BEGIN", "COMMIT")))
    # ...that writes the report, its reception step, its first event and the two tasks that follow
    # (notifications, statistics: one INSERT for both), and nothing else
    assert writes_to(sql) == [
        Report._meta.db_table,
        Step._meta.db_table,
        Event._meta.db_table,
        TASKS_TABLE,
    ]
    assert all(begin < i < commit for i, s in enumerate(sql) if s.startswith("INSERT"))
    # ...without looking the tracking code up, nor the deadline rules, the calendar or the IOC
    assert not reads_of(sql, Report._meta.db_table)
    for table in ("workflow_deadlinerule", "workflow_calendarday", "org_unit"):
        assert not reads_of(sql, table), table
    # ...in six statements: BEGIN, four INSERTs, COMMIT (the answer counts the files it was sent)
    assert len(sql) <= 6, sql
    # And what was promised is there: the step, the event, and the tasks waiting for a worker
    assert report.steps.get().unit == ioc
    event = report.events.get()
    waiting = [r.task_path for r in DBTaskResult.objects.all() if r.args_kwargs["args"] == [event.pk]]
    assert sorted(waiting) == [
        "phananh.notify.tasks.notify_event",
        "phananh.stats.tasks.refresh_figures",
        "phananh.triage.tasks.suggest_after_event",
    ]


def test_a_resend_key_and_a_photo_add_only_their_own_rows(client, ioc, database_tasks):
    assert send(client).status_code == 201
    photo = io.BytesIO()
    Image.new("RGB", (64, 48), (120, 90, 60)).save(photo, "JPEG")
    photo.name = "o-ga.jpg"
    photo.seek(0)

    with CaptureQueriesContext(connection) as queries:
        response = client.post(URL, {**LAN, "photos": photo}, headers={"Idempotency-Key": "lan-1"})

    assert response.status_code == 201, response.content
    assert response.json()["photos"] == 1
    sql = statements(queries)
    assert transactions(sql) == {"BEGIN": 1, "COMMIT": 1, "ROLLBACK": 0, "SAVEPOINT": 0}, sql
    assert writes_to(sql) == [
        Report._meta.db_table,
        Step._meta.db_table,
        Event._meta.db_table,
        Attachment._meta.db_table,
        TASKS_TABLE,
        "reports_idempotencyrecord",
    ]
    # Besides BEGIN and COMMIT: one look for an earlier use of the key
    assert len(sql) <= 2 + 6 + 1, sql


def seeded(seed: int) -> list[str]:
    """The codes a generator seeded with `seed` draws, in order."""
    source = random.Random(seed)
    return ["".join(source.choice(codes.ALPHABET) for _ in range(codes.CODE_LENGTH)) for _ in range(3)]


def test_a_tracking_code_drawn_twice_is_refused_by_the_database_and_drawn_again(
    client, ioc, database_tasks, monkeypatch
):
    first, second, _ = seeded(2026)
    # Given Minh's report of last week holds the code that the generator draws first
    monkeypatch.setattr(codes, "random_source", random.Random(2026))
    minh = send(client, {**LAN, "description": "Đèn đường hỏng ở ngõ 12 Lê Lợi", "reporter_name": "Minh"})
    assert minh.json()["tracking_code"].endswith(first)

    # When Lan's report draws the same code first
    monkeypatch.setattr(codes, "random_source", random.Random(2026))
    with CaptureQueriesContext(connection) as queries:
        lan = send(client)

    # Then she still gets her report, under the next code drawn
    assert lan.status_code == 201, lan.content
    assert lan.json()["tracking_code"].endswith(second)
    # ...because the unique constraint refused the first, in a transaction rolled back whole
    assert transactions(statements(queries))["ROLLBACK"] == 1
    # And Minh's report is untouched, and nothing of the refused attempt is left
    assert Report.objects.get(tracking_code=minh.json()["tracking_code"]).reporter_name == "Minh"
    assert Report.objects.count() == Step.objects.count() == Event.objects.count() == 2
    # (each report's first event handed to its tasks: notifications, statistics, suggestions)
    assert DBTaskResult.objects.count() == 2 * 3


def test_inside_a_callers_transaction_a_refused_code_spoils_nothing_of_the_callers(ioc, monkeypatch):
    first, second, third = seeded(7)
    monkeypatch.setattr(codes, "random_source", random.Random(7))
    submission = validate_submission(dict(LAN), channel="hotline")
    report_submit(submission=submission)
    monkeypatch.setattr(codes, "random_source", random.Random(7))

    # An import of a whole day's hotline calls, in one transaction of its own
    with transaction.atomic():
        again = report_submit(submission=validate_submission(dict(LAN), channel="hotline")).report
        last = report_submit(submission=validate_submission(dict(LAN), channel="hotline")).report

    assert again.tracking_code.endswith(second)
    assert last.tracking_code.endswith(third)
    assert Report.objects.count() == Step.objects.count() == Event.objects.count() == 3
