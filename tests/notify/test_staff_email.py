"""Email for staff: the notifications a person wants in their mailbox, queued once, without
anything of the reporter.

The tests run `notify_event` and the sweep directly (the transition's on_commit callbacks do not
run in a test transaction); deliveries stay queued, nothing is sent.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from phananh.notify.models import Delivery, Notification, StaffEmailSettings
from phananh.notify.services import notify_event
from phananh.notify.staff_email import EMAIL_KINDS, queue_staff_emails
from phananh.notify.tasks import sweep_deadlines as sweep_task
from phananh.workflow.models import Event, EventKind, Step, StepKind

pytestmark = pytest.mark.django_db

REPORTER = {"reporter_name": "Nguyễn Văn Dân", "reporter_email": "dan.reporter@example.vn"}


@pytest.fixture
def with_email(people):
    """Give these people an email address: username@so.example.vn."""

    def with_email(*names):
        for name in names:
            person = people[name]
            person.email = f"{name}@so.example.vn"
            person.save(update_fields=["email"])

    return with_email


@pytest.fixture
def dispatched(people, so_xd, submit, act, road):
    """A report dispatched to Sở Xây dựng, and its dispatch event (its notifications not yet written)."""
    report = submit("Ổ gà lớn trên đường Bà Triệu", **REPORTER)
    act(report, people["lan"], "accept", category=road.code, urgency="normal")
    act(report, people["lan"], "dispatch", unit=so_xd.pk)
    return report, Event.objects.get(report=report, kind=EventKind.DISPATCHED)


def staff_deliveries():
    """The deliveries to staff (the reporter, who follows the report, gets their own)."""
    return Delivery.objects.filter(purpose__startswith="staff_")


def emails(purpose: str) -> list[str]:
    return sorted(
        Delivery.objects.filter(purpose=purpose, channel="email").values_list("to_address", flat=True)
    )


def test_a_dispatch_emails_the_unit_focal_point_and_leader(dispatched, with_email):
    with_email("hung", "binh", "charlie")
    report, event = dispatched

    notify_event(event.pk)

    assert emails("staff_dispatched") == ["binh@so.example.vn", "hung@so.example.vn"]
    delivery = Delivery.objects.get(to_address="hung@so.example.vn")
    assert delivery.report == report
    assert delivery.event == event
    notification = Notification.objects.get(recipient__username="hung", kind="dispatched")
    assert delivery.dedupe_key == f"staff:{notification.pk}"


def test_no_email_for_a_person_who_unticked_the_kind(dispatched, with_email, people):
    with_email("hung", "binh")
    StaffEmailSettings.objects.create(user=people["binh"], kinds=["assigned", "deadline_passed"])

    notify_event(dispatched[1].pk)

    assert emails("staff_dispatched") == ["hung@so.example.vn"]
    # The bell still tells both.
    assert Notification.objects.filter(kind="dispatched").count() == 2


def test_no_email_for_staff_without_an_address_or_inactive(dispatched, with_email, people):
    with_email("hung", "binh")
    people["binh"].email = ""
    people["binh"].save(update_fields=["email"])

    notify_event(dispatched[1].pk)

    assert emails("staff_dispatched") == ["hung@so.example.vn"]
    # An inactive account gets nothing either, even with an address and an old notification.
    hung = people["hung"]
    hung.is_active = False
    hung.save(update_fields=["is_active"])
    staff_deliveries().delete()
    assert queue_staff_emails(Notification.objects.filter(recipient=hung)) == 0


def test_running_notify_event_twice_queues_nothing_new(dispatched, with_email):
    with_email("hung", "binh")
    notify_event(dispatched[1].pk)
    assert staff_deliveries().count() == 2

    notify_event(dispatched[1].pk)
    queue_staff_emails(Notification.objects.all())

    assert staff_deliveries().count() == 2


def test_the_email_names_the_code_and_links_to_the_staff_page_without_the_reporter(
    dispatched, with_email, settings
):
    settings.SITE_ROOT = "https://phananh.example.vn/"
    with_email("hung")
    report, event = dispatched

    notify_event(event.pk)

    delivery = Delivery.objects.get(to_address="hung@so.example.vn")
    link = "https://phananh.example.vn" + reverse("backoffice:report", args=[report.tracking_code])
    settings_link = "https://phananh.example.vn" + reverse("backoffice:email_settings")
    assert report.tracking_code in delivery.subject
    assert report.tracking_code in delivery.body
    assert link in delivery.body
    assert settings_link in delivery.body
    for personal in ("Nguyễn Văn Dân", "dan.reporter", "0912345678"):
        assert personal not in delivery.body
        assert personal not in delivery.subject


def test_other_notification_kinds_are_not_emailed(people, with_email, submit):
    with_email("lan")
    report = submit("Cháy nhà ở ngõ 5 phố Bà Triệu")
    Notification.objects.create(recipient=people["lan"], report=report, kind="submitted", text="x")

    assert "submitted" not in EMAIL_KINDS
    assert queue_staff_emails(Notification.objects.all()) == 0
    assert staff_deliveries().count() == 0


def test_the_sweep_task_emails_the_escalation_of_a_passed_deadline(dispatched, with_email, people):
    with_email("hung", "binh", "lan")
    StaffEmailSettings.objects.create(user=people["lan"], kinds=["deadline_near"])
    report, _event = dispatched
    handling = Step.objects.get(report=report, kind=StepKind.HANDLING, finished_at__isnull=True)
    Step.objects.filter(pk=handling.pk).update(deadline=timezone.now() - timedelta(minutes=1))

    result = sweep_task.enqueue()  # ImmediateBackend in tests (tests/conftest.py)

    assert result.return_value == 3  # binh, hung and lan hear of it in the bell
    # lan chose to be emailed of near deadlines only
    assert emails("staff_deadline_passed") == ["binh@so.example.vn", "hung@so.example.vn"]
    delivery = Delivery.objects.get(to_address="hung@so.example.vn")
    assert report.tracking_code in delivery.body
    assert delivery.event is None

    # A second sweep escalates nothing more, and emails nothing more
    sweep_task.enqueue()
    assert staff_deliveries().count() == 2
