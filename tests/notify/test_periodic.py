"""`manage.py run_periodic`: the scheduler django-tasks lacks. It enqueues the periodic tasks
every PHANANH_PERIODIC_SECONDS; the worker runs them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from phananh.notify.management.commands import run_periodic
from phananh.notify.models import Notification
from phananh.workflow.deadlines import reminder_moment
from phananh.workflow.models import Step, StepKind


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_one_round_enqueues_the_sweep_that_the_worker_runs(
    people, so_xd, submit, act, road, settings, keep_signal_handlers
):
    # Given the database backend and a handling step with 80% of its time gone
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    report = submit()
    act(report, people["lan"], "accept", category=road.code, urgency="normal")
    act(report, people["lan"], "dispatch", unit=so_xd.pk)
    now = timezone.now()
    Step.objects.filter(report=report, kind=StepKind.HANDLING).update(
        started_at=now - timedelta(hours=8),
        deadline=now + timedelta(hours=2),
        remind_at=reminder_moment(now - timedelta(hours=8), now + timedelta(hours=2)),
    )
    call_command("db_worker", batch=True, startup_delay=False, interval=0, reload=False, verbosity=0)
    Notification.objects.all().delete()

    # When one round of the periodic loop runs
    call_command("run_periodic", "--once")

    # Then the sweep waits for the worker, which reminds the unit's focal point
    sweeps = DBTaskResult.objects.filter(task_path="phananh.notify.tasks.sweep_deadlines")
    assert [s.status for s in sweeps] == [TaskResultStatus.READY]
    call_command("db_worker", batch=True, startup_delay=False, interval=0, reload=False, verbosity=0)
    assert sweeps.get().status == TaskResultStatus.SUCCESSFUL
    assert list(Notification.objects.values_list("recipient__username", "kind")) == [
        ("hung", "deadline_near")
    ]


class Stop(Exception):
    pass


@pytest.mark.django_db
def test_the_loop_enqueues_every_interval_from_settings(settings, monkeypatch):
    settings.PHANANH_PERIODIC_SECONDS = 42
    enqueued, sleeps = [], []
    monkeypatch.setattr(run_periodic, "periodic_tasks", lambda: [FakeTask(enqueued)])

    def sleep(seconds):
        sleeps.append(seconds)
        if len(sleeps) == 3:
            raise Stop

    monkeypatch.setattr(run_periodic.time, "sleep", sleep)

    with pytest.raises(Stop):
        call_command("run_periodic")

    assert len(enqueued) == 3
    assert all(40 < s <= 42 for s in sleeps)


def test_a_failed_enqueue_does_not_stop_the_loop(monkeypatch):
    enqueued = []
    monkeypatch.setattr(
        run_periodic, "periodic_tasks", lambda: [FakeTask(enqueued, fail=True), FakeTask(enqueued)]
    )

    call_command("run_periodic", "--once")

    assert enqueued == ["fake"]


class FakeTask:
    name = "fake"

    def __init__(self, log, fail=False):
        self.log, self.fail = log, fail

    def enqueue(self):
        if self.fail:
            raise ConnectionError("broker down")
        self.log.append(self.name)
        return type("Result", (), {"id": "1"})()


def test_every_periodic_task_is_named_in_the_settings_and_runs_as_a_task(settings):
    # The sweeper, deliveries, the closing of unrated results and the statistics' catch-up
    names = {task.name for task in run_periodic.periodic_tasks()}
    assert {"sweep_deadlines", "deliver_due", "close_unrated", "catch_up_figures", "rebuild_months"} <= names
