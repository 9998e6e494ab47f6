"""A task whose worker died is run again, on both backends, a bounded number of times.

- The database backend: `recover_stale_tasks` (periodic) puts back READY a task RUNNING for longer
  than PHANANH_TASK_STALE_SECONDS, until PHANANH_TASK_MAX_ATTEMPTS, then marks it failed.
- RQ: the job's heartbeat stops, a worker's maintenance finds it abandoned and, as every job of
  the project's queue class has retries, enqueues it again.

The end-to-end tests run real workers in processes of their own (a session each, so that the
SIGKILL takes the worker and anything it forked, as when a machine dies) on the test database,
with `tests.notify.slow_task`, which waits for a flag file before it notifies.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
import redis
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult
from rq.job import Job, JobStatus
from rq.registry import StartedJobRegistry

from phananh.core.task_recovery import GAVE_UP, recover_stale_tasks
from phananh.notify.models import Notification
from phananh.notify.tasks import sweep_deadlines
from phananh.workflow.models import Event, EventKind

from .slow_task import pids, runs, wait_then_notify

ROOT = Path(__file__).resolve().parents[2]
# A Redis database of these tests' own: the others' queues and workers are never touched.
REDIS_TEST_URL = os.getenv("REDIS_RECOVERY_TEST_URL", "redis://127.0.0.1:6379/6")
DB_BACKEND = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
FIRE = "Cháy nhà dân ở đường Bà Triệu, khói rất nhiều"


# --- the database backend: what recover_stale_tasks does with each row ------------------------


def _running(started_ago: timedelta, workers: list[str]) -> DBTaskResult:
    result = sweep_deadlines.enqueue()
    DBTaskResult.objects.filter(pk=result.id).update(
        status=TaskResultStatus.RUNNING, started_at=timezone.now() - started_ago, worker_ids=workers
    )
    return DBTaskResult.objects.get(pk=result.id)


@pytest.mark.django_db
def test_a_task_left_running_too_long_is_put_back_and_a_live_one_is_left_alone(settings, caplog):
    settings.TASKS = DB_BACKEND
    settings.PHANANH_TASK_STALE_SECONDS = 900
    dead = _running(timedelta(minutes=16), ["w1"])
    alive = _running(timedelta(minutes=14), ["w2"])

    with caplog.at_level(logging.WARNING, logger="phananh.core.task_recovery"):
        assert recover_stale_tasks() == {"requeued": 1, "failed": 0}

    dead.refresh_from_db()
    assert dead.status == TaskResultStatus.READY
    assert DBTaskResult.objects.ready().filter(pk=dead.pk).exists()
    assert DBTaskResult.objects.get(pk=alive.pk).status == TaskResultStatus.RUNNING
    assert "attempt 2 of 3" in caplog.text
    # Run twice (two periodic runners, or a round that overlaps the last): nothing more moves.
    assert recover_stale_tasks() == {"requeued": 0, "failed": 0}


@pytest.mark.django_db
def test_a_task_whose_workers_keep_dying_is_given_up_and_logged(settings, caplog):
    settings.TASKS = DB_BACKEND
    settings.PHANANH_TASK_MAX_ATTEMPTS = 3
    hopeless = _running(timedelta(hours=1), ["w1", "w2", "w3"])

    with caplog.at_level(logging.ERROR, logger="phananh.core.task_recovery"):
        assert recover_stale_tasks() == {"requeued": 0, "failed": 1}

    hopeless.refresh_from_db()
    assert hopeless.status == TaskResultStatus.FAILED
    assert hopeless.exception_class_path == GAVE_UP
    assert "3 times" in hopeless.traceback
    result = hopeless.task_result
    assert result.status == TaskResultStatus.FAILED and result.errors
    assert f"task {hopeless.pk} (phananh.notify.tasks.sweep_deadlines) given up" in caplog.text
    assert recover_stale_tasks() == {"requeued": 0, "failed": 0}


def test_the_recovery_runs_with_the_periodic_tasks(settings):
    assert "phananh.core.tasks.recover_stale_tasks" in settings.PHANANH_PERIODIC_TASKS
    assert settings.PHANANH_TASK_STALE_SECONDS == 15 * 60  # above the slowest task
    assert settings.PHANANH_TASK_MAX_ATTEMPTS == 3


# --- real workers, killed -------------------------------------------------------------------


def _manage(*args: str, **env: str) -> subprocess.Popen:
    """`manage.py *args` in a session of its own, on the test database."""
    clean = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DB_NAME")}
    return subprocess.Popen(
        [sys.executable, str(ROOT / "manage.py"), *args],
        cwd=ROOT,
        env={
            **clean,
            "DJANGO_SETTINGS_MODULE": "phananh.settings",
            "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
            "DB_NAME": str(connection.settings_dict["NAME"]),
            **env,
        },
        start_new_session=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _wait_for(condition, what: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"still waiting for {what}")
        time.sleep(0.05)


def _kill(worker: subprocess.Popen, folder: Path) -> None:
    """SIGKILL the worker and the process running the task, as when the machine dies: nothing
    gets to clean up. (RQ's work horse is a process group of its own, so it is named apart.)"""
    os.killpg(worker.pid, signal.SIGKILL)
    for pid in pids(folder):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    worker.wait(timeout=10)


def _finish(worker: subprocess.Popen, seconds: float = 120) -> str:
    try:
        out, _ = worker.communicate(timeout=seconds)
    except subprocess.TimeoutExpired:
        os.killpg(worker.pid, signal.SIGKILL)
        out, _ = worker.communicate()
        raise AssertionError(f"the worker did not finish:\n{out}") from None
    assert worker.returncode == 0, out
    return out


@pytest.fixture
def fire_event(people, submit):
    """A report that reads like a fire, its operator told once; then the notification removed,
    so that the slow task's run is what tells her again."""
    report = submit(FIRE)
    Notification.objects.all().delete()
    return Event.objects.get(report=report, kind=EventKind.SUBMITTED)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_db_worker_killed_mid_task_the_task_runs_again_once(fire_event, people, settings, tmp_path):
    # Given the database backend and a worker in the middle of the slow task
    settings.TASKS = DB_BACKEND
    result = wait_then_notify.enqueue(fire_event.pk, str(tmp_path))
    first = _manage("db_worker", "--no-reload", "--no-startup-delay", "--interval", "0.1")
    try:
        _wait_for(lambda: runs(tmp_path) == ["started"], "the first run to start")
    finally:
        # When the worker is killed
        _kill(first, tmp_path)

    # Then the task stays RUNNING, and nobody was told
    row = DBTaskResult.objects.get(pk=result.id)
    assert row.status == TaskResultStatus.RUNNING and len(row.worker_ids) == 1
    assert not Notification.objects.exists()

    # When the periodic round enqueues the recovery and a second worker runs what is ready, once
    # the stale threshold (here one second) has gone by
    (tmp_path / "go").touch()
    call_command("run_periodic", "--once")
    time.sleep(1.1)
    stale_after_a_second = {"PHANANH_TASK_STALE_SECONDS": "1"}
    _finish(_manage("db_worker", "--batch", "--no-reload", "--no-startup-delay", **stale_after_a_second))

    # Then the task ran to its end exactly once more, and its effect exists once
    assert runs(tmp_path) == ["started", "started", "finished"]
    row.refresh_from_db()
    assert row.status == TaskResultStatus.SUCCESSFUL and len(row.worker_ids) == 2
    assert list(Notification.objects.values_list("recipient__username", "event")) == [("lan", fire_event.pk)]
    assert not DBTaskResult.objects.ready().exists()
    assert not DBTaskResult.objects.running().exists()


@pytest.fixture
def rq_default_queue(settings):
    """RQ's "default" queue, as the production settings name it, in a Redis database of its own."""
    connection = redis.Redis.from_url(REDIS_TEST_URL)
    try:
        connection.ping()
    except redis.RedisError as error:
        pytest.fail(f"Redis is needed at {REDIS_TEST_URL} ({error})", pytrace=False)

    def clear():
        keys = list(connection.scan_iter(match="rq:*"))
        if keys:
            connection.delete(*keys)

    clear()
    settings.INSTALLED_APPS = [*settings.INSTALLED_APPS, "django_rq", "django_tasks_rq"]
    settings.RQ_QUEUES = {"default": {"URL": REDIS_TEST_URL}}
    settings.RQ = {"QUEUE_CLASS": "phananh.core.rq_queue.RetryingQueue"}
    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    try:
        yield connection
    finally:
        clear()
        connection.close()


def _rqworker(*args: str) -> subprocess.Popen:
    return _manage(
        "rqworker", "--job-class", "django_tasks_rq.Job", *args, "default", REDIS_URL=REDIS_TEST_URL
    )


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_rq_worker_killed_mid_task_the_job_is_retried_once(fire_event, people, rq_default_queue, tmp_path):
    # Given the RQ backend and a worker in the middle of the slow task
    result = wait_then_notify.enqueue(fire_event.pk, str(tmp_path))
    job = Job.fetch(result.id, connection=rq_default_queue)
    assert job.retries_left == 2  # PHANANH_TASK_MAX_ATTEMPTS - 1, from the project's queue class
    first = _rqworker()
    try:
        _wait_for(lambda: runs(tmp_path) == ["started"], "the first run to start")
    finally:
        # When the worker and its work horse are killed
        _kill(first, tmp_path)

    # Then the job is still "started" and nobody was told
    assert job.get_status(refresh=True) == JobStatus.STARTED
    assert not Notification.objects.exists()
    registry = StartedJobRegistry("default", connection=rq_default_queue)
    entries = rq_default_queue.zrange(registry.key, 0, -1)
    assert len(entries) == 1

    # When its heartbeat has been missing for longer than RQ waits (the worker's heartbeat TTL,
    # 90 seconds by default: moved into the past here rather than waited for), and a second
    # worker starts: its maintenance finds the job abandoned and enqueues it again
    rq_default_queue.zadd(registry.key, {entries[0]: time.time() - 1}, xx=True)
    (tmp_path / "go").touch()
    _finish(_rqworker("--burst"))

    # Then the job ran to its end exactly once more, with one retry used, and its effect is there once
    assert runs(tmp_path) == ["started", "started", "finished"]
    job = Job.fetch(result.id, connection=rq_default_queue)
    assert job.get_status() == JobStatus.FINISHED
    assert job.retries_left == 1
    result.refresh()
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert list(Notification.objects.values_list("recipient__username", "event")) == [("lan", fire_event.pk)]
    assert registry.get_job_ids() == []
