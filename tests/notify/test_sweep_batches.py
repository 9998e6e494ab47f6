"""The deadline sweeper at volume: many steps due at once are taken in batches, each reminded or
escalated exactly once, to the same people with the same words and emails as one by one; a
deadline moved after a reminder moves the escalation; two sweeps share the work without doing
any of it twice; a sweep that dies midway is finished by the next one.

Time is passed to the sweep as `now`; steps are put at a share of their time as in
tests/notify/test_sweeper.py.
"""

from __future__ import annotations

import threading
from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from phananh.notify import sweeper
from phananh.notify.models import Delivery, Notification
from phananh.notify.sweeper import sweep_deadlines
from phananh.workflow.deadlines import reminder_moment
from phananh.workflow.models import Step, StepKind
from tests.reporter import answer as info_provided

pytestmark = pytest.mark.django_db

EMAILED = ("hung", "binh", "tuan", "lan")


@pytest.fixture
def with_email(people):
    for name in EMAILED:
        people[name].email = f"{name}@so.example.vn"
        people[name].save(update_fields=["email"])


@pytest.fixture
def dispatched(people, so_xd, submit, act, road):
    def dispatched(description="Ổ gà lớn trên đường Bà Triệu"):
        report = submit(description)
        act(report, people["lan"], "accept", category=road.code, urgency="normal")
        act(report, people["lan"], "dispatch", unit=so_xd.pk)
        return report

    return dispatched


@pytest.fixture
def province(people, submit, act, dispatched, phong_ht):
    """One running step of each kind and each kind of responsible person, twice over:

    reception (the IOC's operators), handling not assigned (the unit's focal point), handling
    passed down to a division without a focal point (still Sở Xây dựng's), handling assigned (the
    handler), approval (the leader), verification (the IOC).
    """
    reports = []
    for round_ in range(2):
        reports.append(submit(f"Rác thải tồn đọng ở chợ số {round_}"))
        reports.append(dispatched(f"Ổ gà số {round_} trên đường Bà Triệu"))
        passed_down = dispatched(f"Đèn đường hỏng số {round_}")
        act(passed_down, people["hung"], "dispatch", unit=phong_ht.pk)
        reports.append(passed_down)
        assigned = dispatched(f"Nước ngập số {round_} sau mưa")
        act(assigned, people["hung"], "assign", handler=people["tuan"].pk)
        reports.append(assigned)
        approval = dispatched(f"Lấn chiếm vỉa hè số {round_}")
        act(approval, people["hung"], "assign", handler=people["tuan"].pk)
        act(approval, people["tuan"], "submit_result", result="Đã xử lý.")
        reports.append(approval)
        verification = dispatched(f"Cây đổ số {round_} trên phố Huế")
        act(verification, people["hung"], "assign", handler=people["tuan"].pk)
        act(verification, people["tuan"], "submit_result", result="Đã xử lý.")
        act(verification, people["binh"], "approve_result", approve=True)
        reports.append(verification)
    return reports


def running() -> list[Step]:
    return list(Step.objects.filter(finished_at=None).select_related("report").order_by("pk"))


def align(steps: list[Step], *, started, deadline) -> None:
    """Give every step the same clock, with its reminder moment, as the workflow would set it."""
    Step.objects.filter(pk__in=[s.pk for s in steps]).update(
        started_at=started, deadline=deadline, remind_at=reminder_moment(started, deadline)
    )


def what_people_got() -> tuple[list[tuple], list[tuple]]:
    """Each notification (who, which report, kind, text, urgent) and each email (to, subject, body)."""
    notes = sorted(
        Notification.objects.filter(kind__startswith="deadline_").values_list(
            "recipient__username", "report__tracking_code", "kind", "text", "urgent"
        )
    )
    emails = sorted(
        Delivery.objects.filter(purpose__startswith="staff_deadline_").values_list(
            "to_address", "subject", "body"
        )
    )
    return notes, emails


def recipients_of(kind: str) -> list[str]:
    return sorted(Notification.objects.filter(kind=kind).values_list("recipient__username", flat=True))


def forget_the_sweep() -> None:
    Notification.objects.all().delete()
    Delivery.objects.all().delete()
    Step.objects.update(reminded_at=None, escalated_at=None)


def test_a_batch_tells_each_person_what_one_step_at_a_time_told_them(
    province, with_email, monkeypatch, django_capture_on_commit_callbacks
):
    # Given twelve running steps of every kind: the first six past their deadline, the other
    # six at 80% of their time
    steps = running()
    assert len(steps) == 12
    now = timezone.now() + timedelta(days=30)
    align(steps[:6], started=now - timedelta(hours=10), deadline=now - timedelta(minutes=5))
    align(steps[6:], started=now - timedelta(hours=8), deadline=now + timedelta(hours=2))
    Notification.objects.all().delete()

    # When they are swept one step per batch, as the sweeper used to take them
    monkeypatch.setattr(sweeper, "BATCH_SIZE", 1)
    sweep_deadlines(now=now)
    one_by_one = what_people_got()
    forget_the_sweep()

    # and again in batches of five, the emails sent after each batch's commit
    monkeypatch.setattr(sweeper, "BATCH_SIZE", 5)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        created = sweep_deadlines(now=now)

    # Then everyone got the same notifications and the same emails, each once
    assert what_people_got() == one_by_one
    notes, emails = one_by_one
    assert created == len(notes) == len(set(notes))
    # reminders go to who has to act; escalations also to the unit's leader and to the IOC
    assert sorted((who, kind) for who, _code, kind, _text, _urgent in notes) == sorted(
        [(who, "deadline_near") for who in ("lan", "hung", "hung", "tuan", "binh", "lan")]
        + [(who, "deadline_passed") for who in ("lan", "hung", "binh", "lan", "hung", "binh", "lan")]
        + [(who, "deadline_passed") for who in ("tuan", "binh", "lan", "binh", "lan", "lan")]
    )
    for step in steps:
        texts = {text for _who, code, _kind, text, _urgent in notes if code == step.report.tracking_code}
        assert len(texts) == 1, texts  # one text per step, whoever reads it
        assert step.report.tracking_code in texts.pop()
    # the emails were sent, by one delivery task per batch (6 + 6 steps in batches of five)
    assert len(emails) == len(notes)
    assert len(callbacks) == 4
    assert sorted((m.to[0], m.subject, m.body) for m in mail.outbox) == emails
    # And a second sweep finds nothing to do
    assert sweep_deadlines(now=now + timedelta(minutes=1)) == 0


def test_a_step_extended_after_its_reminder_is_escalated_at_its_new_deadline(dispatched, people, act):
    # Given a handling step reminded at 80% of its time
    report = dispatched()
    act(report, people["hung"], "assign", handler=people["tuan"].pk)
    handling = Step.objects.get(report=report, kind=StepKind.HANDLING, finished_at=None)
    assert sweep_deadlines(now=at_share(handling, 0.8)) == 1
    assert recipients_of("deadline_near") == ["tuan"]

    # When the IOC grants ten more days
    new_deadline = handling.deadline + timedelta(days=10)
    act(report, people["tuan"], "request_extension", deadline=new_deadline.isoformat(), reason="Chờ vật tư")
    act(report, people["lan"], "decide_extension", approve=True)

    # Then its old deadline passes without an escalation, and no second reminder comes
    assert sweep_deadlines(now=handling.deadline + timedelta(minutes=1)) == 0
    handling.refresh_from_db()
    assert handling.deadline == new_deadline
    assert sweep_deadlines(now=at_share(handling, 0.9)) == 0
    # and the new one is escalated once it passes
    assert sweep_deadlines(now=new_deadline + timedelta(minutes=1)) == 3
    assert recipients_of("deadline_passed") == ["binh", "lan", "tuan"]
    assert Notification.objects.filter(kind="deadline_near").count() == 1


def test_a_step_extended_before_its_reminder_is_reminded_on_its_new_time(dispatched, people, act):
    report = dispatched()
    handling = Step.objects.get(report=report, kind=StepKind.HANDLING, finished_at=None)
    old_80 = at_share(handling, 0.8)
    new_deadline = handling.deadline + (handling.deadline - handling.started_at)  # twice the time
    act(report, people["hung"], "assign", handler=people["tuan"].pk)
    act(report, people["tuan"], "request_extension", deadline=new_deadline.isoformat(), reason="Chờ vật tư")
    act(report, people["lan"], "decide_extension", approve=True)
    handling.refresh_from_db()

    # At 80% of the old time only 40% of the new one is gone: nothing yet
    assert sweep_deadlines(now=old_80) == 0
    # at 80% of the new time the handler is reminded, of the new deadline
    assert sweep_deadlines(now=at_share(handling, 0.8)) == 1
    assert recipients_of("deadline_near") == ["tuan"]


def test_every_way_a_deadline_moves_moves_the_reminder(people, submit, act, road, so_xd, settings):
    # Given reminders at 60% of a step's time, and a clock the test moves
    settings.PHANANH_REMINDER_SHARE = 0.6
    clock = [timezone.now()]
    with mock.patch("django.utils.timezone.now", side_effect=lambda: clock[0]):
        # a reception step shortened when the report is classified urgent
        urgent = submit("Cháy nhà ở ngõ 5 phố Bà Triệu")
        act(urgent, people["lan"], "accept", category=road.code, urgency="urgent")
        # a handling step given its deadline by the IOC, extended, paused two days, resumed
        report = submit("Ổ gà trên đường Lê Lợi")
        act(report, people["lan"], "accept", category=road.code, urgency="normal")
        chosen = clock[0] + timedelta(days=3)
        act(report, people["lan"], "dispatch", unit=so_xd.pk, deadline=chosen.isoformat())
        act(report, people["hung"], "assign", handler=people["tuan"].pk)
        extended = chosen + timedelta(days=4)
        act(report, people["tuan"], "request_extension", deadline=extended.isoformat(), reason="Chờ vật tư")
        act(report, people["lan"], "decide_extension", approve=True)
        act(report, people["tuan"], "request_info", question="Ổ gà ở số nhà nào?")
        clock[0] += timedelta(days=2)
        info_provided(report=report, text="Trước số nhà 12")

    # Then each running step is reminded at 60% of its time from its start to its deadline now
    steps = {s.report_id: s for s in Step.objects.filter(finished_at=None)}
    assert steps[report.pk].deadline > extended  # the pause moved it
    assert steps[urgent.pk].deadline - steps[urgent.pk].started_at <= timedelta(hours=1)
    for step in steps.values():
        assert step.remind_at == step.started_at + (step.deadline - step.started_at) * 0.6, step


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_sweeps_at_once_share_many_steps_and_do_each_once(province, monkeypatch):
    # Given twelve steps due at once and sweeps that take three at a time
    steps = running()
    now = timezone.now() + timedelta(days=30)
    align(steps, started=now - timedelta(hours=8), deadline=now + timedelta(hours=2))
    Notification.objects.all().delete()
    monkeypatch.setattr(sweeper, "BATCH_SIZE", 3)

    # When two workers sweep at the same moment
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

    # Then neither failed and each step's reminder went out exactly once
    assert [kind for kind, _ in results] == ["ok", "ok"], results
    told = sorted(Notification.objects.values_list("report_id", "recipient__username"))
    assert len(told) == len(set(told)) == 12
    assert {report_id for report_id, _who in told} == {s.report_id for s in steps}
    assert results[0][1] + results[1][1] == 12
    assert not Step.objects.filter(finished_at=None, reminded_at=None).exists()


def test_a_sweep_killed_midway_is_finished_by_the_next_one(province, monkeypatch, with_email):
    # Given twelve steps due and batches of five
    steps = running()
    now = timezone.now() + timedelta(days=30)
    align(steps, started=now - timedelta(hours=8), deadline=now + timedelta(hours=2))
    Notification.objects.all().delete()
    monkeypatch.setattr(sweeper, "BATCH_SIZE", 5)

    # When the worker dies while writing its second batch
    real_emails, batches = sweeper.staff_email_rows, []

    def dies_on_the_second_batch(notifications):
        batches.append(1)
        if len(batches) == 2:
            raise SystemExit("worker killed")
        return real_emails(notifications)

    monkeypatch.setattr(sweeper, "staff_email_rows", dies_on_the_second_batch)
    with pytest.raises(SystemExit):
        sweep_deadlines(now=now)

    # Then the first batch is written whole and the second not at all
    assert Step.objects.filter(finished_at=None).exclude(reminded_at=None).count() == 5
    assert Notification.objects.count() == Delivery.objects.count() == 5

    # And the next sweep does the rest, repeating nothing
    monkeypatch.setattr(sweeper, "staff_email_rows", real_emails)
    assert sweep_deadlines(now=now) == 7
    told = sorted(Notification.objects.values_list("report_id", "recipient_id"))
    assert len(told) == len(set(told)) == 12
    assert Delivery.objects.count() == 12


def test_the_queries_of_a_sweep_do_not_grow_with_the_steps_due(province, with_email):
    steps = running()
    now = timezone.now() + timedelta(days=30)
    align(steps, started=now - timedelta(hours=10), deadline=now + timedelta(hours=2))

    def queries_to_remind(count: int) -> int:
        forget_the_sweep()
        Step.objects.exclude(pk__in=[s.pk for s in steps[:count]]).update(reminded_at=now)
        with CaptureQueriesContext(connection) as captured:
            assert sweep_deadlines(now=now) == count
        return len(captured)

    assert queries_to_remind(2) == queries_to_remind(12)
    # and with nothing due, a sweep asks its two questions and stops
    with CaptureQueriesContext(connection) as captured:
        assert sweep_deadlines(now=now) == 0
    assert len(captured) <= 6


def at_share(step: Step, share: float):
    return step.started_at + (step.deadline - step.started_at) * share
