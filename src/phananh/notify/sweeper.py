"""The deadline sweeper (nhắc hạn): remind the staff of a step near its deadline, escalate one past it.

Run every minute or so by the `sweep_deadlines` task (enqueued by `manage.py run_periodic`).
Each step is reminded at most once and escalated at most once, even when two workers sweep at
the same moment: a sweep claims the step with a compare-and-swap UPDATE on `reminded_at` or
`escalated_at` and writes its notifications in the same transaction, so a notification exists
if and only if the claim committed.

The emails of the staff who want these notifications by email are queued in the same
transaction as the claim: a sweep killed after its claim committed has queued them too, and a
sweep run again claims nothing more, so it queues nothing more. The list of notifications a
sweep created is returned.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, QuerySet, Value
from django.db.models.functions import Coalesce
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from phananh.org.models import Role, User
from phananh.workflow.models import Step, StepKind

from .models import Notification
from .services import _nearest, _operators, _unit_desk
from .staff_email import queue_staff_emails

DEADLINE_NEAR = "deadline_near"
DEADLINE_PASSED = "deadline_passed"


def _running_steps() -> QuerySet[Step]:
    """Steps whose clock is running: not finished, not paused for the reporter's answer."""
    return Step.objects.filter(finished_at__isnull=True, paused_at__isnull=True)


def responsible_staff(step: Step) -> QuerySet[User]:
    """Who has to act for this step to finish on time."""
    report = step.report
    if step.kind == StepKind.HANDLING:
        if report.assignee_id:
            return User.objects.filter(pk=report.assignee_id, is_active=True)
        return _nearest(step.unit_id or report.lead_unit_id, (Role.FOCAL_POINT,))
    if step.kind == StepKind.APPROVAL:
        return _nearest(step.unit_id or report.lead_unit_id, (Role.LEADER,))
    if step.kind == StepKind.RECEPTION:
        # The IOC's operators, or the desk of the unit a report was returned to.
        return _unit_desk(step.unit_id)
    return _operators()


def escalation_staff(step: Step) -> QuerySet[User]:
    """Who hears of a missed deadline besides the responsible staff: the unit's leaders, the IOC."""
    return _nearest(step.unit_id, (Role.LEADER,)) | _operators()


def _values(step: Step) -> dict[str, str]:
    """What the texts say of a step, in the active language (call inside translation.override)."""
    return {
        "code": step.report.tracking_code,
        "step": str(step.get_kind_display()),
        "deadline": formats.date_format(timezone.localtime(step.deadline), "SHORT_DATETIME_FORMAT"),
    }


def _notify(step: Step, people: QuerySet[User], *, kind: str, text: str, urgent: bool) -> list[Notification]:
    created = Notification.objects.bulk_create(
        Notification(recipient=person, report=step.report, kind=kind, text=text, urgent=urgent)
        for person in people.distinct().order_by("pk")
    )
    queue_staff_emails(created)
    return created


def _remind(step: Step, now: datetime) -> list[Notification]:
    with transaction.atomic():
        claimed = _running_steps().filter(pk=step.pk, reminded_at__isnull=True).update(reminded_at=now)
        if claimed != 1:
            # Nothing got updated: another sweep got there first, or the step moved on.
            return []
        with translation.override(settings.LANGUAGE_CODE):
            text = _("%(code)s: the step “%(step)s” is due on %(deadline)s") % _values(step)
        return _notify(step, responsible_staff(step), kind=DEADLINE_NEAR, text=text, urgent=False)


def _escalate(step: Step, now: datetime) -> list[Notification]:
    with transaction.atomic():
        # A step that jumped past its deadline is never reminded afterwards: the escalation says more.
        claimed = (
            _running_steps()
            .filter(pk=step.pk, escalated_at__isnull=True)
            .update(escalated_at=now, reminded_at=Coalesce(F("reminded_at"), Value(now)))
        )
        if claimed != 1:
            # Nothing got updated: another sweep got there first, or the step moved on.
            return []
        with translation.override(settings.LANGUAGE_CODE):
            text = _("%(code)s: the step “%(step)s” is overdue (deadline %(deadline)s)") % _values(step)
        people = User.objects.filter(
            pk__in=(responsible_staff(step) | escalation_staff(step)).values("pk"), is_active=True
        )
        return _notify(step, people, kind=DEADLINE_PASSED, text=text, urgent=True)


def reminder_due(step: Step, now: datetime, share: float) -> bool:
    """Whether `share` of the step's time, from its start to its deadline, has gone by `now`."""
    duration = step.deadline - step.started_at
    if duration <= timedelta(0):
        return now >= step.started_at
    return (now - step.started_at) / duration >= share


def sweep_deadlines(now: datetime | None = None) -> list[Notification]:
    """Remind and escalate every running step that is due; return the notifications written."""
    now = now or timezone.now()
    share = settings.PHANANH_REMINDER_SHARE
    created: list[Notification] = []
    running = _running_steps().select_related("report")
    for step in running.filter(escalated_at__isnull=True, deadline__lte=now).order_by("pk"):
        created += _escalate(step, now)
    # The share of elapsed time is computed here rather than in SQL: duration arithmetic differs
    # between SQLite and PostgreSQL, and the open steps not yet reminded are few.
    candidates = running.filter(reminded_at__isnull=True, deadline__gt=now, started_at__lte=now)
    for step in candidates.order_by("pk"):
        if reminder_due(step, now, share):
            created += _remind(step, now)
    return created
