"""The deadline sweeper (nhắc hạn): remind the staff of a step near its deadline, escalate one past it.

Run every minute or so by the `sweep_deadlines` task (enqueued by `manage.py run_periodic`).

Set-based: two indexed queries find the due steps, over the running steps not yet acted on
(`Step.remind_at` is when a reminder is due, `Step.deadline` when an escalation is), so a sweep
with nothing due reads nothing else. The due steps are taken in batches of `BATCH_SIZE`; each
batch is one transaction that claims its steps, writes their notifications and their emails
as plain rows in bulk (`COPY` on PostgreSQL, see `core.bulk`), and enqueues one task that sends
the batch's emails after the commit.

Exactly once, even when two workers sweep at the same moment: a batch locks its steps
(`SELECT … FOR UPDATE SKIP LOCKED` on PostgreSQL, so two sweeps share the work; SQLite runs
one writing transaction at a time) and marks them `reminded_at` / `escalated_at` in the
transaction that writes their notifications, so a notification exists if and only if its
claim committed. A sweep killed midway leaves whole batches done and the rest untouched: the
next sweep finishes the job and repeats nothing. A sweep answers how many notifications it
wrote.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from typing import NamedTuple

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q, QuerySet, Value
from django.db.models.functions import Coalesce
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from phananh.core.bulk import insert_rows
from phananh.org.models import Role, Unit, User
from phananh.reports.models import Report
from phananh.workflow.models import Step, StepKind

from .delivery_tasks import deliver_batch
from .models import Delivery, Notification
from .staff_email import staff_email_rows

DEADLINE_NEAR = "deadline_near"
DEADLINE_PASSED = "deadline_passed"

# Steps claimed per transaction: a few thousand notifications, short enough that a kill loses
# little time, long enough that the fixed cost of a batch (about ten queries) stays small.
BATCH_SIZE = 500
# What a batch reads of each step's report.
REPORT_FIELDS = ("tracking_code", "assignee", "lead_unit")


def _running_steps() -> QuerySet[Step]:
    """Steps whose clock is running: not finished, not paused for the reporter's answer."""
    return Step.objects.filter(finished_at__isnull=True, paused_at__isnull=True)


def _overdue(now: datetime) -> QuerySet[Step]:
    """Running steps past their deadline and not yet escalated (the index `step_escalation_due`)."""
    return _running_steps().filter(escalated_at__isnull=True, deadline__lte=now).order_by("deadline", "pk")


def _near(now: datetime) -> QuerySet[Step]:
    """Running steps whose reminder is due and not yet sent (the index `step_reminder_due`)."""
    return (
        _running_steps()
        .filter(reminded_at__isnull=True, remind_at__lte=now, deadline__gt=now)
        .order_by("remind_at", "pk")
    )


class Staff:
    """Who the steps of one batch concern, read in two queries rather than a few per step.

    The units of the steps and of their reports, with the chain of units above each (from the
    materialised `path`), then every active person the sweeper may write to in those units:
    focal points and leaders, the IOC's operators, the reports' assignees.
    """

    def __init__(self, steps: list[Step]):
        reports = [step.report for step in steps]
        unit_ids = {step.unit_id for step in steps} | {report.lead_unit_id for report in reports}
        paths = dict(Unit.objects.filter(pk__in=unit_ids - {None}).values_list("pk", "path"))
        # From the unit itself up to the unit below the root: the IOC's own desk never counts.
        self.chains = {pk: [int(i) for i in path.split("/") if i][:0:-1] for pk, path in paths.items()}
        self.roots = {pk for pk, path in paths.items() if path.count("/") == 2}
        above = {unit for chain in self.chains.values() for unit in chain}
        assignees = {report.assignee_id for report in reports} - {None}
        people = User.objects.filter(is_active=True).filter(
            Q(role=Role.OPERATOR)
            | Q(unit_id__in=above, role__in=(Role.FOCAL_POINT, Role.LEADER))
            | Q(pk__in=assignees)
        )
        self.active: dict[int, User] = {}
        self.operators: list[User] = []
        self.in_unit: dict[tuple[int, str], list[User]] = defaultdict(list)
        for person in people.order_by("pk"):
            self.active[person.pk] = person
            self.in_unit[(person.unit_id, person.role)].append(person)
            if person.role == Role.OPERATOR:
                self.operators.append(person)

    def nearest(self, unit_id: int | None, roles: Iterable[str]) -> list[User]:
        """Staff with `roles` in the unit, or, when it has none (a division without its own desk),
        in the nearest unit above it that has some; never the IOC's (as `services._nearest`)."""
        for unit in self.chains.get(unit_id, []):
            found = [person for role in roles for person in self.in_unit[(unit, role)]]
            if found:
                return found
        return []

    def unit_desk(self, unit_id: int | None) -> list[User]:
        """Who receives for a unit: its focal points and leaders, or the IOC for the IOC."""
        if unit_id in self.roots:
            return self.operators
        return self.nearest(unit_id, (Role.FOCAL_POINT, Role.LEADER))

    def responsible(self, step: Step) -> list[User]:
        """Who has to act for this step to finish on time."""
        report = step.report
        if step.kind == StepKind.HANDLING:
            if report.assignee_id:
                assignee = self.active.get(report.assignee_id)
                return [assignee] if assignee else []
            return self.nearest(step.unit_id or report.lead_unit_id, (Role.FOCAL_POINT,))
        if step.kind == StepKind.APPROVAL:
            return self.nearest(step.unit_id or report.lead_unit_id, (Role.LEADER,))
        if step.kind == StepKind.RECEPTION:
            # The IOC's operators, or the desk of the unit a report was returned to.
            return self.unit_desk(step.unit_id)
        return self.operators

    def escalation(self, step: Step) -> list[User]:
        """The responsible staff, and besides them the unit's leaders and the IOC's operators."""
        return [*self.responsible(step), *self.nearest(step.unit_id, (Role.LEADER,)), *self.operators]


class Texts:
    """The words of one batch's messages, translated once for the batch rather than once a step
    (call inside translation.override)."""

    def __init__(self, *, escalate: bool):
        if escalate:
            self.template = _("%(code)s: the step “%(step)s” is overdue (deadline %(deadline)s)")
        else:
            self.template = _("%(code)s: the step “%(step)s” is due on %(deadline)s")
        self.steps = {kind: str(label) for kind, label in StepKind.choices}
        self.moments: dict[datetime, str] = {}

    def of(self, step: Step) -> str:
        deadline = self.moments.get(step.deadline)
        if deadline is None:
            moment = timezone.localtime(step.deadline)
            deadline = self.moments[step.deadline] = formats.date_format(moment, "SHORT_DATETIME_FORMAT")
        return self.template % {
            "code": step.report.tracking_code,
            "step": self.steps.get(step.kind, step.kind),
            "deadline": deadline,
        }


def _message(step: Step, staff: Staff, texts: Texts, *, escalate: bool) -> tuple[str, list[User]]:
    """The text of the step's reminder or escalation, and who gets it (each once, by id)."""
    people = staff.escalation(step) if escalate else staff.responsible(step)
    return texts.of(step), sorted(
        {person.pk: person for person in people}.values(), key=lambda person: person.pk
    )


class Told(NamedTuple):
    """A notification the sweep writes, as the staff emails read it (in place of a model instance:
    a first sweep can write a hundred thousand)."""

    pk: int
    recipient: User
    report: Report
    kind: str
    text: str
    event = None
    event_id = None

    @property
    def recipient_id(self) -> int:
        return self.recipient.pk

    @property
    def report_id(self) -> int:
        return self.report.pk


def _sweep_batch(due: QuerySet[Step], now: datetime, *, escalate: bool) -> int | None:
    """Claim and notify the next batch of `due` steps: how many notifications it wrote, or None
    when there is no step left to take."""
    with transaction.atomic():
        # Locked until the commit: a second sweep skips these rows and takes the next ones.
        steps = list(
            due.select_related("report")
            .only("kind", "unit", "deadline", *(f"report__{name}" for name in REPORT_FIELDS))
            .select_for_update(skip_locked=True, of=("self",))[:BATCH_SIZE]
        )
        if not steps:
            return None
        if escalate:
            # A step that jumped past its deadline is never reminded afterwards: the escalation says more.
            claim = {"escalated_at": now, "reminded_at": Coalesce(F("reminded_at"), Value(now))}
        else:
            claim = {"reminded_at": now}
        claimed = due.filter(pk__in=[step.pk for step in steps]).update(**claim)
        if claimed != len(steps):
            # Cannot happen while the rows are locked (or the transactions serialised); were it
            # to, write nothing and leave these steps to the next sweep rather than guess.
            transaction.set_rollback(True)
            return None
        staff = Staff(steps)
        kind = DEADLINE_PASSED if escalate else DEADLINE_NEAR
        told: list[tuple[User, Report, str]] = []
        with translation.override(settings.LANGUAGE_CODE):
            texts = Texts(escalate=escalate)
            for step in steps:
                text, people = _message(step, staff, texts, escalate=escalate)
                told += [(person, step.report, text) for person in people]
        # Plain rows, written in one go (COPY on PostgreSQL): see core.bulk.
        ids = insert_rows(
            Notification,
            [
                {
                    "recipient_id": person.pk,
                    "report_id": report.pk,
                    "kind": kind,
                    "text": text,
                    "urgent": escalate,
                }
                for person, report, text in told
            ],
        )
        notifications = [
            Told(pk, person, report, kind, text) for pk, (person, report, text) in zip(ids, told, strict=True)
        ]
        # New notifications, so new dedupe keys: one INSERT, and one task that sends them all.
        emails = insert_rows(Delivery, staff_email_rows(notifications))
        if emails:
            transaction.on_commit(lambda: deliver_batch.enqueue(emails))
        return len(ids)


def sweep_deadlines(now: datetime | None = None) -> int:
    """Remind and escalate every running step that is due; return how many notifications it wrote."""
    now = now or timezone.now()
    written = 0
    for due, escalate in ((_overdue(now), True), (_near(now), False)):
        while (batch := _sweep_batch(due, now, escalate=escalate)) is not None:
            written += batch
    return written
