"""Tasks through the real backends and their real workers, not the ImmediateBackend of the suite.

- The database backend (the default): a report's notification task is enqueued on commit, and
  `manage.py db_worker --batch` runs it.
- The RQ backend, used when REDIS_URL is set: the sweeper task goes to the real Redis at
  127.0.0.1:6379 (a queue of its own per test, removed afterwards) and an RQ worker runs it in
  burst mode. Redis not answering is a failure, never a skip: `make test` starts it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from datetime import timedelta

import django_rq
import pytest
import redis
from django.core.management import call_command
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult
from django_tasks_rq import Job
from rq import SimpleWorker

from phananh.notify.models import Notification
from phananh.notify.tasks import sweep_deadlines
from phananh.stats import tasks as event_tasks
from phananh.workflow.deadlines import reminder_moment
from phananh.workflow.models import Step, StepKind

# The tasks every event is handed to are defined when a process starts, under its own backend (a
# task checks its queue against the backend when it is defined): imported above, before a test
# swaps the backend for RQ with a queue of its own, as in a running process.
assert event_tasks.refresh_figures

REDIS_TEST_URL = os.getenv("REDIS_TEST_URL", "redis://127.0.0.1:6379/15")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_database_worker_runs_a_reports_notification(people, submit, settings, keep_signal_handlers):
    # Given the database backend, and a report that reads like an emergency
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    report = submit("Cháy nhà dân ở đường Bà Triệu, khói rất nhiều")

    # Then its notification task waits in the database, and nobody has been told yet
    waiting = DBTaskResult.objects.filter(task_path="phananh.notify.tasks.notify_event")
    assert waiting.count() == 1
    assert waiting.get().status == TaskResultStatus.READY
    assert not Notification.objects.exists()

    # When the worker runs what is waiting
    call_command("db_worker", batch=True, startup_delay=False, interval=0, reload=False, verbosity=0)

    # Then the operator on duty is told, urgently, and the task is marked done
    note = Notification.objects.get()
    assert (note.recipient, note.report, note.kind, note.urgent) == (people["lan"], report, "submitted", True)
    assert waiting.get().status == TaskResultStatus.SUCCESSFUL
    assert not DBTaskResult.objects.ready().exists()


@pytest.fixture
def rq_queue(settings):
    """A queue of its own on the real Redis, named in RQ_QUEUES and TASKS; removed afterwards."""
    connection = redis.Redis.from_url(REDIS_TEST_URL)
    try:
        connection.ping()
    except redis.RedisError as error:
        pytest.fail(
            f"Redis is needed at {REDIS_TEST_URL} for the RQ backend's tests ({error}); "
            "start it (bash scripts/ensure-services.sh) or point REDIS_TEST_URL at one.",
            pytrace=False,
        )
    name = f"phananh-test-{uuid.uuid4().hex[:12]}"
    # The backend looks results up through django-rq's "default" connection, so it is named too.
    settings.RQ_QUEUES = {name: {"URL": REDIS_TEST_URL}, "default": {"URL": REDIS_TEST_URL}}
    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": [name]}}
    queue = django_rq.get_queue(name, job_class=Job)
    # An RQ worker that runs in this process, so that it sees the test's database transaction.
    queue.worker = SimpleWorker([queue], connection=connection, job_class=Job)
    try:
        yield queue
    finally:
        connection.srem("rq:queues", queue.key)
        keys = [queue.worker.key]
        job_ids = set(queue.get_job_ids())
        for registry in (queue.finished_job_registry, queue.failed_job_registry, queue.started_job_registry):
            job_ids.update(registry.get_job_ids())
        keys += list(connection.scan_iter(match=f"*{name}*"))
        for job_id in job_ids:
            keys += list(connection.scan_iter(match=f"rq:*{job_id}*"))
        if keys:
            connection.delete(*keys)
        connection.close()


@pytest.mark.django_db
def test_the_rq_worker_runs_the_deadline_sweep(
    people, so_xd, submit, act, road, rq_queue, keep_signal_handlers
):
    # Given a handling step with 80% of its time gone by the real clock
    report = submit()
    act(report, people["lan"], "accept", category=road.code, urgency="normal")
    act(report, people["lan"], "dispatch", unit=so_xd.pk)
    now = timezone.now()
    Step.objects.filter(report=report, kind=StepKind.HANDLING).update(
        started_at=now - timedelta(hours=8),
        deadline=now + timedelta(hours=2),
        remind_at=reminder_moment(now - timedelta(hours=8), now + timedelta(hours=2)),
    )

    # When the sweep is enqueued on the RQ backend
    result = sweep_deadlines.using(queue_name=rq_queue.name).enqueue()

    # Then it waits in Redis, not done yet
    assert rq_queue.get_job_ids() == [result.id]
    assert not Notification.objects.filter(kind="deadline_near").exists()

    # When an RQ worker runs the queue until it is empty
    assert rq_queue.worker.work(burst=True) is True

    # Then the unit's focal point was reminded, and the backend reports the task done
    assert list(
        Notification.objects.filter(kind="deadline_near").values_list("recipient__username", flat=True)
    ) == ["hung"]
    result.refresh()
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert result.return_value == 1
    assert rq_queue.count == 0


def _settings_in(env: dict[str, str]) -> str:
    """TASKS and the apps of the settings module as a fresh process with `env` reads them."""
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.TASKS['default']['BACKEND'], 'django_rq' in settings.INSTALLED_APPS, "
        "getattr(settings, 'RQ_QUEUES', {}).get('default', {}).get('URL'))"
    )
    clean = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    out = subprocess.run(
        [sys.executable, "-c", code],
        env={**clean, "DJANGO_SETTINGS_MODULE": "phananh.settings", "PYTHONPATH": "src", **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.strip()


def test_settings_choose_the_database_backend_by_default_and_rq_with_a_redis_url():
    assert _settings_in({}) == "django_tasks_db.DatabaseBackend False None"
    assert _settings_in({"REDIS_URL": "redis://127.0.0.1:6379/3"}) == (
        "django_tasks_rq.RQBackend True redis://127.0.0.1:6379/3"
    )
