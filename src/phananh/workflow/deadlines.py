"""Deadlines of the steps: which rule applies, the calendar they count on, the pause clock."""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save

from .calendar import Duration, WorkingCalendar
from .models import CalendarDay, CalendarDayKind, DeadlineRule, Step, StepKind

logger = logging.getLogger(__name__)

# Used only when an administrator deleted every rule for a step: the product's defaults.
FALLBACK = {
    StepKind.RECEPTION: Duration(8, "working_hours"),
    StepKind.HANDLING: Duration(5, "working_days"),
    StepKind.APPROVAL: Duration(1, "working_days"),
    StepKind.VERIFICATION: Duration(1, "working_days"),
}

# --- The rules and the calendar days, kept in each process ------------------------------------
# Every submission and every transition needs the deadline rules and the deployment's calendar
# days, which administrators change a few times a year. Each process keeps a copy tagged with a
# version that lives in Django's cache (Redis, shared by every node, as soon as there is one):
# a change gives the version a new value, and every process reads the two tables again at its
# next use. Without Redis, Django's cache is each process's own memory, which the other web
# processes of the machine do not see: so a copy is also never used when older than this.
DEADLINE_DATA_MAX_SECONDS = 10
_VERSION_KEY = "workflow:deadline-data:version"


@dataclass(frozen=True)
class DeadlineData:
    """The deadline rules and the working calendar, as read at one version."""

    version: str | None
    loaded_at: float  # time.monotonic()
    calendar: WorkingCalendar
    # (step, urgency, category id, rule id, amount, unit) of every rule.
    rules: tuple[tuple[str, str, int | None, int, Decimal, str], ...]


_kept: DeadlineData | None = None


def _shared_version() -> str | None:
    """The version every process agrees on; None when the cache cannot be reached."""
    try:
        version = cache.get(_VERSION_KEY)
        if version is None:  # first use, or evicted: the first process to write it wins
            cache.add(_VERSION_KEY, uuid.uuid4().hex, timeout=None)
            version = cache.get(_VERSION_KEY)
        return version
    except Exception:  # Redis down: read the tables each time, as without a copy
        logger.warning("deadline rules: the cache cannot be reached; reading the tables", exc_info=True)
        return None


def _new_version() -> None:
    try:
        cache.set(_VERSION_KEY, uuid.uuid4().hex, timeout=None)
    except Exception:
        logger.error("deadline rules changed but the cache cannot be reached", exc_info=True)


def deadline_data() -> DeadlineData:
    """The rules and the calendar: this process's copy while it is current, else read again."""
    global _kept
    version = _shared_version()
    kept = _kept
    if (
        kept is not None
        and version is not None
        and kept.version == version
        and time.monotonic() - kept.loaded_at < DEADLINE_DATA_MAX_SECONDS
    ):
        return kept
    # The version is read before the tables: rows changed meanwhile come with a newer version,
    # so at worst this copy is read again at the next use, never kept stale.
    days = list(CalendarDay.objects.values_list("date", "kind"))
    rules = tuple(DeadlineRule.objects.values_list("step", "urgency", "category_id", "pk", "amount", "unit"))
    fresh = DeadlineData(
        version=version,
        loaded_at=time.monotonic(),
        calendar=WorkingCalendar(
            periods=settings.PHANANH_WORKING_PERIODS,
            extra_days_off=frozenset(d for d, kind in days if kind == CalendarDayKind.DAY_OFF),
            make_up_days=frozenset(d for d, kind in days if kind == CalendarDayKind.WORKING_DAY),
            tz=settings.TIME_ZONE,
        ),
        rules=rules,
    )
    _kept = fresh if version is not None else None
    return fresh


def deadline_data_changed(**_signal) -> None:
    """Rules or calendar days changed: every process reads them again at its next use.

    The version changes now (this process and the others stop using their copy) and again
    after the commit: a process that read the tables in between read the rows as they were
    before, and must not keep them under the newest version.
    """
    global _kept
    _kept = None
    _new_version()
    transaction.on_commit(_new_version)


def forget_deadline_data() -> None:
    """Drop this process's copy (the tests' database is rolled back under it after each test)."""
    global _kept
    _kept = None


def watch_deadline_data() -> None:
    """Connect the changes made through the models (the admin's forms, cascades) to the copies.

    Writes that skip save() and delete() (QuerySet.update, bulk_create) are caught by the
    models' own QuerySet; both call deadline_data_changed.
    """
    for model in (CalendarDay, DeadlineRule):
        post_save.connect(
            deadline_data_changed, sender=model, dispatch_uid=f"deadline-data-save-{model.__name__}"
        )
        post_delete.connect(
            deadline_data_changed, sender=model, dispatch_uid=f"deadline-data-delete-{model.__name__}"
        )


def current_calendar() -> WorkingCalendar:
    """The national calendar plus this deployment's own days off and make-up days."""
    return deadline_data().calendar


def duration_for(step: str, *, urgency: str, category_id: int | None) -> Duration:
    """The most specific rule: urgency and field, then urgency, then field, then the default.

    Urgency ranks above field so that a rule an administrator adds for one field never gives
    an urgent report in that field (fire, accident) the slow clock of ordinary ones.
    """
    best = None
    for rule_step, rule_urgency, rule_category, pk, amount, unit in deadline_data().rules:
        if rule_step != step or rule_urgency not in (urgency, "") or rule_category not in (category_id, None):
            continue
        rank = (rule_urgency != "", rule_category is not None, -pk)
        if best is None or rank > best[0]:
            best = (rank, Duration(amount, unit))
    if best is None:
        return FALLBACK[step]
    return best[1]


def reminder_moment(started_at: datetime, deadline: datetime) -> datetime:
    """When the deadline sweeper reminds a step: once PHANANH_REMINDER_SHARE of its time is gone.

    The share of the wall-clock time from the step's start to its (current) deadline. Whatever
    moves a step's start or deadline sets `remind_at` from this again; the share in force then
    is the one that counts.
    """
    duration = deadline - started_at
    if duration <= timedelta(0):
        return started_at
    return started_at + duration * settings.PHANANH_REMINDER_SHARE


def open_step(*, report, kind: str, unit, now: datetime, calendar: WorkingCalendar, deadline=None) -> Step:
    """Start a step's clock. `unit` is a Unit, or a query expression giving its id (a subquery
    saves a round trip where the unit is looked up only to be written)."""
    duration = duration_for(kind, urgency=report.urgency, category_id=report.category_id)
    due = deadline or calendar.deadline(now, duration)
    unit_field = {"unit_id": unit} if hasattr(unit, "resolve_expression") else {"unit": unit}
    step = Step.objects.create(
        report=report,
        kind=kind,
        duration_unit=duration.unit,
        started_at=now,
        deadline=due,
        original_deadline=due,
        remind_at=reminder_moment(now, due),
        **unit_field,
    )
    if "unit_id" in unit_field:
        # Deferred rather than left holding the expression: read from the database if asked for.
        step.__dict__.pop("unit_id")
    return step


def finish_open_steps(report, *, now: datetime, outcome: str, kinds=None) -> list[Step]:
    """Close the report's open steps (of `kinds`), deciding for each whether it was on time."""
    steps = list(report.steps.filter(finished_at__isnull=True))
    if kinds is not None:
        steps = [s for s in steps if s.kind in kinds]
    for step in steps:
        step.finished_at = now
        step.outcome = outcome
        # A step finished while paused was on time if it still had time left when paused.
        if step.paused_at is not None:
            step.on_time = step.remaining_at_pause is not None and step.remaining_at_pause >= timedelta(0)
        else:
            step.on_time = now <= step.deadline
        step.save(update_fields=["finished_at", "outcome", "on_time"])
    return steps


def pause_open_steps(report, *, now: datetime, calendar: WorkingCalendar) -> None:
    """The reporter is asked for information: every running clock stops where it is."""
    for step in report.steps.filter(finished_at__isnull=True, paused_at__isnull=True):
        step.paused_at = now
        step.remaining_at_pause = _remaining(step, now, calendar)
        step.save(update_fields=["paused_at", "remaining_at_pause"])


def resume_paused_steps(report, *, now: datetime, calendar: WorkingCalendar) -> None:
    """The reporter answered: each clock runs again with the time it had left.

    The deadline and the original deadline each keep the working time they had left when the
    clock stopped (so an extension granted before or during the pause is kept, and the original
    deadline does not land on a day off). A step that was already late when paused stays late,
    by as much as it was.
    """
    for step in report.steps.filter(finished_at__isnull=True, paused_at__isnull=False):
        step.deadline = _resumed(step, step.deadline, now, calendar)
        # The reporter's delay is nobody's fault: the original deadline moves with the pause.
        step.original_deadline = _resumed(step, step.original_deadline, now, calendar)
        step.paused_at = None
        step.remaining_at_pause = None
        step.remind_at = reminder_moment(step.started_at, step.deadline)
        step.save(
            update_fields=["deadline", "original_deadline", "paused_at", "remaining_at_pause", "remind_at"]
        )


def extend_step(step: Step, deadline: datetime, *, calendar: WorkingCalendar) -> None:
    """An extension was granted: move the step's deadline (never its original deadline).

    A paused step keeps counting down from the new deadline when it resumes; a step that already
    finished (the result went in before the decision) is judged again against it. A step already
    reminded is not reminded again; its escalation waits for the new deadline.
    """
    step.deadline = deadline
    step.remind_at = reminder_moment(step.started_at, deadline)
    fields = ["deadline", "remind_at"]
    if step.finished_at is None and step.paused_at is not None:
        step.remaining_at_pause = _remaining(step, step.paused_at, calendar)
        fields.append("remaining_at_pause")
    if step.finished_at is not None and step.paused_at is None:
        step.on_time = step.finished_at <= step.deadline
        fields.append("on_time")
    step.save(update_fields=fields)


def _resumed(step: Step, deadline: datetime, now: datetime, calendar: WorkingCalendar) -> datetime:
    """Where `deadline` goes when `step`'s clock runs again at `now` after its pause."""
    left = _left(step.duration_unit, step.paused_at, deadline, calendar)
    if left < timedelta(0):
        return now + left  # already late at the pause: still late, by as much
    return now + left if step.duration_unit == "hours" else calendar.add(now, left)


def _remaining(step: Step, now: datetime, calendar: WorkingCalendar) -> timedelta:
    return _left(step.duration_unit, now, step.deadline, calendar)


def _left(duration_unit: str, now: datetime, deadline: datetime, calendar: WorkingCalendar) -> timedelta:
    if duration_unit == "hours":
        return deadline - now
    return calendar.remaining(now, deadline)
