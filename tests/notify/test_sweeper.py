"""The deadline sweeper: a reminder when three quarters of a step's time are gone, an escalation
when its deadline passes, each exactly once, to the people who have to act.

Time is passed to the sweep as `now`, placed at a share of each step's own duration, so the
tests do not depend on the working calendar.
"""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connections
from django.utils import timezone, translation

from phananh.notify.models import Notification
from phananh.notify.sweeper import sweep_deadlines
from phananh.notify.tasks import sweep_deadlines as sweep_task
from phananh.workflow.deadlines import reminder_moment
from phananh.workflow.models import Step, StepKind

pytestmark = pytest.mark.django_db


def at_share(step: Step, share: float):
    """The moment when `share` of the step's time, from start to deadline, is gone."""
    return step.started_at + (step.deadline - step.started_at) * share


def open_step(report, kind: str) -> Step:
    return Step.objects.get(report=report, kind=kind, finished_at__isnull=True)


def told(kind: str) -> list[str]:
    return sorted(Notification.objects.filter(kind=kind).values_list("recipient__username", flat=True))


@pytest.fixture
def dispatched(people, so_xd, submit, act, road):
    """A report the IOC accepted and dispatched to Sở Xây dựng: its handling step is running."""

    def dispatched(description="Ổ gà lớn trên đường Bà Triệu"):
        report = submit(description)
        act(report, people["lan"], "accept", category=road.code, urgency="normal")
        act(report, people["lan"], "dispatch", unit=so_xd.pk)
        return report

    return dispatched


def test_a_step_at_80_percent_reminds_the_unit_desk_once(dispatched):
    # Given a dispatched report nobody has assigned yet
    report = dispatched()
    handling = open_step(report, StepKind.HANDLING)
    Notification.objects.all().delete()

    # When the sweeper runs with 80% of the handling time gone
    created = sweep_deadlines(now=at_share(handling, 0.8))

    # Then the unit's focal point is reminded, and only them
    assert told("deadline_near") == ["hung"]
    assert created == 1
    assert list(Notification.objects.values_list("kind", flat=True)) == ["deadline_near"]
    reminder = Notification.objects.get(kind="deadline_near")
    assert reminder.report == report and reminder.urgent is False
    assert report.tracking_code in reminder.text
    with translation.override("vi"):
        assert str(StepKind.HANDLING.label) in reminder.text  # "Xử lý": rendered in Vietnamese
    handling.refresh_from_db()
    assert handling.reminded_at is not None and handling.escalated_at is None

    # And sweeping again, later but before the deadline, sends nothing more
    assert sweep_deadlines(now=at_share(handling, 0.9)) == 0
    assert Notification.objects.filter(kind="deadline_near").count() == 1


def test_a_step_at_half_time_is_not_reminded_yet(dispatched):
    handling = open_step(dispatched(), StepKind.HANDLING)

    assert sweep_deadlines(now=at_share(handling, 0.5)) == 0
    handling.refresh_from_db()
    assert handling.reminded_at is None


def test_the_reminder_share_comes_from_settings(dispatched, settings):
    settings.PHANANH_REMINDER_SHARE = 0.5
    handling = open_step(dispatched(), StepKind.HANDLING)

    sweep_deadlines(now=at_share(handling, 0.6))

    assert told("deadline_near") == ["hung"]


def test_an_assigned_handling_step_reminds_the_handler(dispatched, people, act):
    report = dispatched()
    act(report, people["hung"], "assign", handler=people["tuan"].pk)
    handling = open_step(report, StepKind.HANDLING)

    sweep_deadlines(now=at_share(handling, 0.8))

    assert told("deadline_near") == ["tuan"]


def test_an_approval_step_reminds_the_leader(dispatched, people, act):
    report = dispatched()
    act(report, people["hung"], "assign", handler=people["tuan"].pk)
    act(report, people["tuan"], "submit_result", result="Đã vá ổ gà.")
    approval = open_step(report, StepKind.APPROVAL)

    sweep_deadlines(now=at_share(approval, 0.8))

    assert told("deadline_near") == ["binh"]


def test_a_reception_step_reminds_the_ioc_operators(people, submit):
    reception = open_step(submit(), StepKind.RECEPTION)

    sweep_deadlines(now=at_share(reception, 0.8))

    assert told("deadline_near") == ["lan"]  # not minh, who answers the hotline


def test_a_passed_deadline_escalates_once_to_the_leader_and_the_ioc(dispatched):
    # Given a handling step nobody has assigned
    report = dispatched()
    handling = open_step(report, StepKind.HANDLING)
    Notification.objects.all().delete()

    # When the sweeper runs after its deadline
    created = sweep_deadlines(now=handling.deadline + timedelta(minutes=1))

    # Then the focal point, the unit's leader and the IOC hear of it, urgently, once
    assert told("deadline_passed") == ["binh", "hung", "lan"]
    assert created == 3
    written = Notification.objects.all()
    assert {(n.kind, n.urgent) for n in written} == {("deadline_passed", True)}
    assert all(report.tracking_code in n.text for n in written)
    # and no late "deadline near" reminder follows the escalation
    assert told("deadline_near") == []
    handling.refresh_from_db()
    assert handling.escalated_at is not None and handling.reminded_at is not None

    # And sweeping again sends nothing more
    assert sweep_deadlines(now=handling.deadline + timedelta(hours=2)) == 0
    assert Notification.objects.filter(kind="deadline_passed").count() == 3


def test_a_reminded_step_that_passes_its_deadline_is_escalated(dispatched):
    handling = open_step(dispatched(), StepKind.HANDLING)
    sweep_deadlines(now=at_share(handling, 0.8))

    sweep_deadlines(now=handling.deadline + timedelta(seconds=1))

    assert told("deadline_near") == ["hung"]
    assert told("deadline_passed") == ["binh", "hung", "lan"]


def test_paused_and_finished_steps_are_ignored(dispatched, submit, people):
    # Given a running step paused for the reporter's answer, and the finished reception step
    report = dispatched()
    handling = open_step(report, StepKind.HANDLING)
    reception = Step.objects.get(report=report, kind=StepKind.RECEPTION)
    assert reception.finished_at is not None
    Step.objects.filter(pk=handling.pk).update(paused_at=handling.started_at)
    Notification.objects.all().delete()

    # When the sweeper runs long after both deadlines
    created = sweep_deadlines(now=max(handling.deadline, reception.deadline) + timedelta(days=30))

    # Then nobody is told anything and neither step is marked
    assert created == 0
    assert not Notification.objects.filter(kind__startswith="deadline_").exists()
    assert not Step.objects.filter(reminded_at__isnull=False).exists()
    assert not Step.objects.filter(escalated_at__isnull=False).exists()


def test_the_sweep_task_runs_the_sweeper(dispatched):
    handling = open_step(dispatched(), StepKind.HANDLING)
    # Move the step so that the real clock is at 80% of it.
    now = timezone.now()
    Step.objects.filter(pk=handling.pk).update(
        started_at=now - timedelta(hours=8),
        deadline=now + timedelta(hours=2),
        remind_at=reminder_moment(now - timedelta(hours=8), now + timedelta(hours=2)),
    )

    result = sweep_task.enqueue()  # ImmediateBackend in tests (tests/conftest.py)

    assert result.return_value == 1
    assert told("deadline_near") == ["hung"]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_sweeps_at_the_same_time_send_each_reminder_once(dispatched):
    # Given three dispatched reports whose handling steps are at 80%, and one past its deadline
    reports = [dispatched(f"Ổ gà số {i} trên đường Bà Triệu") for i in range(4)]
    steps = [open_step(r, StepKind.HANDLING) for r in reports]
    now = max(at_share(s, 0.8) for s in steps)
    late = steps[-1]
    Step.objects.filter(pk=late.pk).update(deadline=now - timedelta(minutes=5))
    Notification.objects.all().delete()

    # When two workers sweep at the same moment, each in its own thread and connection
    barrier = threading.Barrier(2)
    results: list = [None, None]

    def sweep(i):
        try:
            barrier.wait()
            results[i] = ("ok", sweep_deadlines(now=now))
        except Exception as error:  # noqa: BLE001 - the test looks at what each sweep got
            results[i] = ("error", error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sweep, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a sweep never finished"

    # Then neither failed, and each reminder and escalation went out exactly once
    assert [kind for kind, _ in results] == ["ok", "ok"], results
    assert Notification.objects.filter(kind="deadline_near").count() == 3
    assert told("deadline_near") == ["hung", "hung", "hung"]
    assert told("deadline_passed") == ["binh", "hung", "lan"]
    created = results[0][1] + results[1][1]
    assert created == Notification.objects.filter(kind__startswith="deadline_").count() == 6
