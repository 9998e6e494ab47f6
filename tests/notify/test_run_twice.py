"""Every task run twice in a row has the effect of one run: a task whose worker died is run
again (tests/notify/test_task_recovery.py), and two periodic runners enqueue everything twice.

The periodic jobs on several machines: each job is safe to run twice, so two `run_periodic`
loops are harmless (docs/decisions.md, "Background work"); the last test runs two rounds at once
and two workers at once, as real processes, and finds one effect of each.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from phananh.notify import followers
from phananh.notify.delivery import queue_message
from phananh.notify.delivery_tasks import deliver, deliver_due
from phananh.notify.follower_tasks import email_followers
from phananh.notify.models import Delivery, DeliveryStatus, Notification
from phananh.notify.tasks import close_unrated, notify_event, sweep_deadlines
from phananh.reports.models import Follower, Report
from phananh.reports.statuses import Status
from phananh.stats.models import MonthFigures, ReportFigures
from phananh.stats.tasks import catch_up_figures, rebuild_months, refresh_figures
from phananh.workflow.deadlines import reminder_moment
from phananh.workflow.models import Event, EventKind, Step, StepKind
from tests.workflow.test_auto_close import resolved

from .test_task_recovery import _finish, _manage

FIRE = "Cháy nhà dân ở đường Bà Triệu, khói rất nhiều"


def twice(task, *args):
    """Run the task's function twice, as a worker would; the two results."""
    return task.call(*args), task.call(*args)


def near_deadline(report) -> None:
    """80% of the handling step's time gone by the real clock: a reminder is due."""
    now = timezone.now()
    Step.objects.filter(report=report, kind=StepKind.HANDLING).update(
        started_at=now - timedelta(hours=8),
        deadline=now + timedelta(hours=2),
        remind_at=reminder_moment(now - timedelta(hours=8), now + timedelta(hours=2)),
    )


def figures() -> list[tuple]:
    fields = [f.name for f in ReportFigures._meta.concrete_fields if f.name != "refreshed_at"]
    return list(ReportFigures.objects.order_by("report_id").values_list(*fields))


def months() -> list[tuple]:
    return sorted(MonthFigures.objects.values_list(*[f.name for f in MonthFigures._meta.fields][1:]))


@pytest.mark.django_db
def test_notify_event_twice_tells_and_mails_once(people, submit):
    report = submit(FIRE)  # its tasks wait for a commit that this test never makes
    event = Event.objects.get(report=report, kind=EventKind.SUBMITTED)

    assert notify_event.call(event.pk) == 1
    told = list(Notification.objects.values_list("recipient", "event"))
    deliveries = list(Delivery.objects.values_list("dedupe_key", flat=True))
    assert notify_event.call(event.pk) == 0

    assert (
        list(Notification.objects.values_list("recipient", "event")) == told == [(people["lan"].pk, event.pk)]
    )
    assert list(Delivery.objects.values_list("dedupe_key", flat=True)) == deliveries


@pytest.mark.django_db
def test_email_followers_twice_mails_each_follower_once(people, so_xd, submit, act, road):
    report = submit()
    Follower.objects.create(report=report, email="hoa.tran@example.vn", confirmed_at=timezone.now())
    act(report, people["lan"], "accept", category=road.code, urgency="normal")
    event = Event.objects.filter(report=report, kind=EventKind.ACCEPTED).get()
    before = Delivery.objects.filter(purpose="follower_event").count()

    first, second = twice(email_followers, event.pk)

    assert (first, second) == (0, 0) or (first, second) == (1, 0)
    assert Delivery.objects.filter(purpose="follower_event").count() == max(before, 1)


@pytest.mark.django_db
def test_a_follow_confirmation_run_twice_mails_once_and_asking_again_mails_again(submit, mailoutbox):
    follower = Follower.objects.create(report=submit(), email="hoa.tran@example.vn")

    followers.send_confirmation(follower.pk, "", request="run-1")
    followers.send_confirmation(follower.pk, "", request="run-1")  # the same task run, again
    assert Delivery.objects.filter(purpose="follower_confirm").count() == 1
    followers.send_confirmation(follower.pk, "", request="run-2")  # a new request
    assert Delivery.objects.filter(purpose="follower_confirm").count() == 2
    for delivery in Delivery.objects.filter(purpose="follower_confirm"):
        deliver.call(delivery.pk)
        deliver.call(delivery.pk)
    assert len(mailoutbox) == 2
    assert all("/theo-doi/xac-nhan/" in m.body and m.extra_headers["List-Unsubscribe"] for m in mailoutbox)


@pytest.mark.django_db
def test_deliver_and_deliver_due_twice_send_once(submit, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    for n in (1, 2):
        queue_message(
            channel="email", to=f"a{n}@example.vn", subject="s", body="b", purpose="x", dedupe_key=f"x:{n}"
        )
    first = Delivery.objects.get(dedupe_key="x:1")

    assert twice(deliver, first.pk) == (DeliveryStatus.SENT, None)
    assert twice(deliver_due) == ({DeliveryStatus.SENT: 1}, {})
    assert sorted(m.to[0] for m in mail.outbox) == ["a1@example.vn", "a2@example.vn"]


@pytest.mark.django_db
def test_sweep_deadlines_twice_reminds_once(people, so_xd, submit, act, road):
    report = submit()
    act(report, people["lan"], "accept", category=road.code, urgency="normal")
    act(report, people["lan"], "dispatch", unit=so_xd.pk)
    near_deadline(report)
    deliveries = Delivery.objects.count()

    assert twice(sweep_deadlines) == (1, 0)
    assert Notification.objects.filter(kind="deadline_near").count() == 1
    assert Delivery.objects.count() - deliveries <= 1  # hung's email, if he wants it, once


@pytest.mark.django_db
def test_close_unrated_twice_closes_once(people, so_xd, submit, act):
    report = resolved(submit(), people, so_xd, act)
    # Verified nine days ago, the result sent eight days ago, not rated.
    Report.objects.filter(pk=report.pk).update(resolved_at=timezone.now() - timedelta(days=9))
    Event.objects.filter(report=report, kind=EventKind.PUBLISHED).update(
        created_at=timezone.now() - timedelta(days=8)
    )

    assert twice(close_unrated) == (1, 0)
    report.refresh_from_db()
    assert report.status == Status.CLOSED
    assert Event.objects.filter(report=report, kind=EventKind.CLOSED).count() == 1


@pytest.mark.django_db
def test_the_statistics_tasks_twice_give_the_same_figures(people, so_xd, submit, act, road):
    report = submit()
    act(report, people["lan"], "accept", category=road.code, urgency="normal")
    event = Event.objects.filter(report=report).latest("id")
    # A report of last month, so that its month is rebuilt (the current one never is).
    last_month = timezone.now() - timedelta(days=40)
    Report.objects.filter(pk=report.pk).update(created_at=last_month)

    twice(refresh_figures, event.pk)
    after_refresh = figures()
    twice(catch_up_figures)
    assert figures() == after_refresh
    first, second = twice(rebuild_months)
    assert first >= 1 and second == 0
    built = months()
    assert built and rebuild_months.call() == 0 and months() == built


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_periodic_runners_and_two_workers_at_once_give_one_effect(
    people, so_xd, submit, act, road, settings, smtp_server, keep_signal_handlers
):
    # Given a step due for a reminder and a message due to go, nothing enqueued yet
    report = submit()
    act(report, people["lan"], "accept", category=road.code, urgency="normal")
    act(report, people["lan"], "dispatch", unit=so_xd.pk)
    near_deadline(report)
    Notification.objects.all().delete()
    Delivery.objects.all().delete()
    # (its own `deliver` task waits in the database too, run by a worker with the rest)
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    queue_message(
        channel="email", to="hoa@example.vn", subject="Tin", body="b", purpose="x", dedupe_key="x:1"
    )
    assert Delivery.objects.get(dedupe_key="x:1").status == DeliveryStatus.PENDING
    mail_env = {"EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(smtp_server.port), "EMAIL_USE_TLS": ""}

    # When two periodic runners each enqueue a round at the same moment
    rounds = [_manage("run_periodic", "--once") for _ in range(2)]
    for runner in rounds:
        _finish(runner)
    # and two workers run them at the same time
    workers = [
        _manage("db_worker", "--batch", "--no-reload", "--no-startup-delay", "--interval", "0", **mail_env)
        for _ in range(2)
    ]
    for worker in workers:
        _finish(worker)

    # Then the unit was reminded once and the message went once
    assert list(Notification.objects.values_list("recipient__username", "kind")) == [
        ("hung", "deadline_near")
    ]
    assert smtp_server.subjects().count("Tin") == 1
    assert Delivery.objects.get(dedupe_key="x:1").status == DeliveryStatus.SENT
