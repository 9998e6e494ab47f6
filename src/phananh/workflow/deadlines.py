"""Deadlines of the steps: which rule applies, the calendar they count on, the pause clock."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q

from .calendar import Duration, WorkingCalendar
from .models import CalendarDay, CalendarDayKind, DeadlineRule, Step, StepKind

# Used only when an administrator deleted every rule for a step: the product's defaults.
FALLBACK = {
    StepKind.RECEPTION: Duration(8, "working_hours"),
    StepKind.HANDLING: Duration(5, "working_days"),
    StepKind.APPROVAL: Duration(1, "working_days"),
    StepKind.VERIFICATION: Duration(1, "working_days"),
}


def current_calendar() -> WorkingCalendar:
    """The national calendar plus this deployment's own days off and make-up days."""
    days = CalendarDay.objects.values_list("date", "kind")
    return WorkingCalendar(
        periods=settings.PHANANH_WORKING_PERIODS,
        extra_days_off=frozenset(d for d, kind in days if kind == CalendarDayKind.DAY_OFF),
        make_up_days=frozenset(d for d, kind in days if kind == CalendarDayKind.WORKING_DAY),
        tz=settings.TIME_ZONE,
    )


def duration_for(step: str, *, urgency: str, category_id: int | None) -> Duration:
    """The most specific rule: urgency and field, then urgency, then field, then the default.

    Urgency ranks above field so that a rule an administrator adds for one field never gives
    an urgent report in that field (fire, accident) the slow clock of ordinary ones.
    """
    rules = DeadlineRule.objects.filter(step=step).filter(
        Q(urgency=urgency) | Q(urgency=""), Q(category_id=category_id) | Q(category__isnull=True)
    )
    best = None
    for rule in rules:
        rank = (rule.urgency != "", rule.category_id is not None, -rule.pk)
        if best is None or rank > best[0]:
            best = (rank, rule)
    if best is None:
        return FALLBACK[step]
    return Duration(best[1].amount, best[1].unit)


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
    duration = duration_for(kind, urgency=report.urgency, category_id=report.category_id)
    due = deadline or calendar.deadline(now, duration)
    return Step.objects.create(
        report=report,
        kind=kind,
        unit=unit,
        duration_unit=duration.unit,
        started_at=now,
        deadline=due,
        original_deadline=due,
        remind_at=reminder_moment(now, due),
    )


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
