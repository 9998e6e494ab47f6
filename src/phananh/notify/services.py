"""In-app notifications for staff: who hears of which step of a report.

Email, SMS and Zalo for reporters and staff build on the same events.
"""

from __future__ import annotations

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import translation
from django.utils.translation import gettext as _

from phananh.org.models import Role, Unit, User
from phananh.workflow.models import Event, EventKind

from .follower_tasks import email_followers
from .models import Notification
from .reporters import queue_reporter_messages
from .staff_email import queue_staff_emails


def _staff(unit_id: int | None, roles) -> QuerySet[User]:
    if unit_id is None:
        return User.objects.none()
    return User.objects.filter(is_active=True, unit_id=unit_id, role__in=roles)


def _operators() -> QuerySet[User]:
    return User.objects.filter(is_active=True, role=Role.OPERATOR)


def _nearest(unit_id: int | None, roles) -> QuerySet[User]:
    """Staff with `roles` in the unit, or, when it has none (a division without its own desk),
    in the nearest unit above it that has some; never the IOC's."""
    unit = Unit.objects.filter(pk=unit_id).select_related("parent").first()
    while unit is not None and unit.parent_id is not None:
        staff = _staff(unit.pk, roles)
        if staff.exists():
            return staff
        unit = unit.parent
    return User.objects.none()


def _unit_desk(unit_id: int | None) -> QuerySet[User]:
    """Who receives for a unit: its focal points and leaders, or the IOC for the IOC."""
    unit = Unit.objects.filter(pk=unit_id).first()
    if unit is not None and unit.parent_id is None:
        return _operators()
    return _nearest(unit_id, (Role.FOCAL_POINT, Role.LEADER))


def recipients(event: Event) -> tuple[QuerySet[User], bool]:
    """The staff to tell of this event, and whether it is urgent."""
    report, data = event.report, event.data
    kind = event.kind
    if kind == EventKind.SUBMITTED:
        return (_operators(), True) if report.urgent_suspected else (User.objects.none(), False)
    if kind == EventKind.ACCEPTED:
        urgent = data.get("urgency") == "urgent" and not report.urgent_suspected
        return (_operators(), True) if urgent else (User.objects.none(), False)
    if kind == EventKind.DISPATCHED:
        return _unit_desk(data.get("to_unit")), report.urgency == "urgent"
    if kind == EventKind.RETURNED:
        return _unit_desk(data.get("to_unit")), False
    if kind == EventKind.ASSIGNED:
        return User.objects.filter(pk=data.get("assignee")), report.urgency == "urgent"
    if kind == EventKind.EXTENSION_REQUESTED:
        return _unit_desk(data.get("decided_by_unit")), False
    if kind == EventKind.EXTENSION_DECIDED:
        return User.objects.filter(pk=data.get("requested_by")), False
    if kind == EventKind.RESULT_SUBMITTED:
        # The leader who approves: the lead unit's, or its parent's for a division without one.
        return _nearest(report.lead_unit_id, (Role.LEADER,)), False
    if kind == EventKind.RESULT_APPROVED:
        return _operators(), False
    if kind in (EventKind.RESULT_SENT_BACK, EventKind.REWORK, EventKind.REOPENED):
        if report.assignee_id:
            return User.objects.filter(pk=report.assignee_id), False
        return _unit_desk(report.lead_unit_id), False
    if kind == EventKind.RATED:
        # Only an unsatisfied rating asks something of the IOC: to reopen or to keep it closed.
        unsatisfied = data.get("value") == "unsatisfied"
        return (_operators() if unsatisfied else User.objects.none()), False
    if kind == EventKind.INFO_PROVIDED:
        return User.objects.filter(pk=data.get("requested_by")) | _unit_desk(report.lead_unit_id), False
    return User.objects.none(), False


def notify_event(event_id: int) -> int:
    """Write the in-app notifications of one event; running it again adds nothing."""
    event = Event.objects.select_related("report").filter(pk=event_id).first()
    if event is None:
        return 0
    # The same event, by email to the people who follow the report (public steps only).
    email_followers.enqueue(event.pk)
    people, urgent = recipients(event)
    with translation.override(settings.LANGUAGE_CODE):
        text = _("%(code)s: %(what)s") % {
            "code": event.report.tracking_code,
            "what": event.get_kind_display(),
        }
    created = 0
    for person in people.exclude(pk=event.actor_id).distinct():
        try:
            with transaction.atomic():
                Notification.objects.create(
                    recipient=person,
                    report=event.report,
                    event=event,
                    kind=event.kind,
                    text=text,
                    urgent=urgent,
                )
            created += 1
        except IntegrityError:
            continue  # already told by an earlier run of this task
    # By email too, to those who want this kind of notification in their mailbox. Every
    # notification of the event, not only this run's: a run killed between the two steps left
    # notifications without their emails, and the emails are queued once per notification.
    queue_staff_emails(
        Notification.objects.filter(event=event).select_related("recipient", "report", "event")
    )
    queue_reporter_messages(event)  # the reporter, by email, SMS or Zalo (public steps only)
    return created
