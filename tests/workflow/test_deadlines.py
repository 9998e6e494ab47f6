"""Deadlines as the workflow sets them: each step's clock, counted on the working calendar.

The clock is frozen at known instants (django.utils.timezone.now is patched), and every
expected deadline is worked out by hand in a comment, with the default working day
07:30–11:30 + 13:30–17:00 (7.5 h). 2026-03-09 is a Monday in a week without holidays.
Default rules (seed 000, QĐ 1207): reception 8 working hours (urgent: 1 hour, any day and hour),
handling 5 working days (complex 10, urgent 4 working hours), approval and verification 1
working day.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from unittest import mock
from zoneinfo import ZoneInfo

import pytest

from phananh.reports.models import Category
from phananh.reports.statuses import Status
from phananh.workflow.models import CalendarDay, CalendarDayKind, DeadlineRule, StepKind
from tests.reporter import answer as info_provided

pytestmark = pytest.mark.django_db

VN = ZoneInfo("Asia/Ho_Chi_Minh")
H = timedelta(hours=1)


def at(y, m, d, hh=0, mm=0):
    return datetime(y, m, d, hh, mm, tzinfo=VN)


class Clock:
    """The time everyone sees: `clock.now = at(...)` moves it."""

    def __init__(self):
        self.now = at(2026, 3, 9, 8)

    def __call__(self):
        return self.now.astimezone(UTC)


@pytest.fixture
def clock():
    frozen = Clock()
    with mock.patch("django.utils.timezone.now", side_effect=frozen):
        yield frozen


def step(report, kind):
    return report.steps.filter(kind=kind).order_by("-started_at", "-id").first()


@pytest.fixture
def dispatched(clock, people, so_xd, submit, act, road):
    """A road report submitted an hour before `when` (or at `submitted`), dispatched at `when`."""

    def dispatched(when, urgency="normal", submitted=None, **values):
        clock.now = submitted or when - H
        report = submit(**values)
        clock.now = when
        act(report, people["lan"], "accept", category=road.code, urgency=urgency, lead_unit=so_xd.pk)
        return report

    return dispatched


# --- reception -----------------------------------------------------------------------------------


def test_reception_takes_8_working_hours_across_a_weekend(clock, submit):
    clock.now = at(2026, 3, 13, 15)  # Friday 15:00
    report = submit()

    reception = step(report, StepKind.RECEPTION)
    # Friday 15:00–17:00 = 2 h; Monday 07:30–11:30 = 4 h, 13:30 + 2 h = 15:30.
    assert reception.deadline == at(2026, 3, 16, 15, 30)
    assert reception.original_deadline == reception.deadline
    assert reception.started_at == at(2026, 3, 13, 15)
    assert reception.duration_unit == "working_hours" and reception.unit.kind == "ioc"


def test_a_fire_on_saturday_night_must_be_received_within_the_hour(clock, submit):
    clock.now = at(2026, 3, 14, 22)  # Saturday 22:00
    report = submit("Cháy nhà ở ngõ 5 phố Bà Triệu, khói rất lớn")

    report.refresh_from_db()
    assert report.urgent_suspected is True and report.urgency == "urgent"
    reception = step(report, StepKind.RECEPTION)
    # "hours" run on the wall clock, nights and weekends included.
    assert reception.deadline == at(2026, 3, 14, 23)
    assert reception.duration_unit == "hours"


def test_a_report_classified_urgent_gets_the_urgent_reception_clock(clock, people, submit, act, road):
    report = submit("Cây đổ chắn ngang đường")  # no word of an emergency
    assert step(report, StepKind.RECEPTION).deadline == at(2026, 3, 10, 8, 30)

    clock.now = at(2026, 3, 9, 8, 20)
    act(report, people["lan"], "accept", category=road.code, urgency="urgent")

    reception = step(report, StepKind.RECEPTION)
    # From the submission at 08:00: 1 hour.
    assert reception.deadline == reception.original_deadline == at(2026, 3, 9, 9)
    assert reception.duration_unit == "hours"


def test_the_urgent_reception_follows_its_rule(clock, people, submit, act, road):
    DeadlineRule.objects.filter(step=StepKind.RECEPTION, urgency="urgent").update(amount=Decimal(2))
    report = submit("Cây đổ chắn ngang đường")

    clock.now = at(2026, 3, 9, 8, 20)
    act(report, people["lan"], "accept", category=road.code, urgency="urgent")

    assert step(report, StepKind.RECEPTION).deadline == at(2026, 3, 9, 10)


# --- handling ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("urgency", "deadline"),
    [
        # Monday 09:00 + 5 × 7.5 h: the same hour five working days later.
        ("normal", at(2026, 3, 16, 9)),
        # + 10 working days: two weeks later.
        ("complex", at(2026, 3, 23, 9)),
        # + 4 working hours: 09:00–11:30 = 2.5 h, 13:30 + 1.5 h = 15:00.
        ("urgent", at(2026, 3, 9, 15)),
    ],
)
def test_the_handling_deadline_depends_on_the_urgency(urgency, deadline, dispatched):
    report = dispatched(at(2026, 3, 9, 9), urgency=urgency)

    handling = step(report, StepKind.HANDLING)
    assert handling.started_at == at(2026, 3, 9, 9)
    assert handling.deadline == handling.original_deadline == deadline


def test_the_handling_deadline_skips_tet(dispatched):
    # Wednesday 2027-02-03 09:00; Tết is Thursday 4 to Wednesday 10 February 2027 and the
    # weekend of 13–14 follows: Wed 6 h, Thu 11, Fri 12, Mon 15, Tue 16 (30 h), Wed 17 + 1.5 h.
    report = dispatched(at(2027, 2, 3, 9))

    assert step(report, StepKind.HANDLING).deadline == at(2027, 2, 17, 9)


def test_a_unit_passing_the_report_down_keeps_the_handling_deadline(clock, dispatched, people, phong_ht, act):
    report = dispatched(at(2026, 3, 9, 9))
    clock.now = at(2026, 3, 10, 9)

    act(report, people["hung"], "dispatch", unit=phong_ht.pk)

    assert report.steps.filter(kind=StepKind.HANDLING).count() == 1
    assert step(report, StepKind.HANDLING).deadline == at(2026, 3, 16, 9)


# --- approval and verification -------------------------------------------------------------------


def test_approval_and_verification_each_take_a_working_day(clock, dispatched, people, act):
    report = dispatched(at(2026, 3, 9, 9))
    act(report, people["hung"], "assign", handler=people["tuan"].pk)

    clock.now = at(2026, 3, 11, 10)  # Wednesday
    act(report, people["tuan"], "submit_result", result="Đã vá")
    approval = step(report, StepKind.APPROVAL)
    assert approval.deadline == at(2026, 3, 12, 10)

    clock.now = at(2026, 3, 13, 16)  # Friday 16:00: a day late
    act(report, people["binh"], "approve_result")
    approval.refresh_from_db()
    assert approval.on_time is False
    verification = step(report, StepKind.VERIFICATION)
    # Friday 16:00–17:00 = 1 h; Monday 07:30 + 6.5 h = 16:00.
    assert verification.deadline == at(2026, 3, 16, 16)

    clock.now = at(2026, 3, 16, 9)
    act(report, people["lan"], "verify")
    verification.refresh_from_db()
    assert verification.on_time is True and verification.finished_at == at(2026, 3, 16, 9)


# --- deadline rules ------------------------------------------------------------------------------


def test_a_rule_for_the_field_beats_the_general_rule(dispatched, road):
    DeadlineRule.objects.create(step=StepKind.HANDLING, category=road, amount=Decimal(3), unit="working_days")
    environment = Category.objects.get(code="moi-truong")

    roads = dispatched(at(2026, 3, 9, 9))

    assert step(roads, StepKind.HANDLING).deadline == at(2026, 3, 12, 9)
    # Another field keeps the general rule.
    DeadlineRule.objects.create(step=StepKind.HANDLING, category=environment, amount=Decimal(1), unit="hours")
    other = dispatched(at(2026, 3, 9, 9))
    assert step(other, StepKind.HANDLING).deadline == at(2026, 3, 12, 9)


def test_a_rule_for_the_field_and_urgency_beats_the_rule_for_the_field(dispatched, road):
    DeadlineRule.objects.create(step=StepKind.HANDLING, category=road, amount=Decimal(3), unit="working_days")
    DeadlineRule.objects.create(
        step=StepKind.HANDLING, category=road, urgency="complex", amount=Decimal(15), unit="working_days"
    )

    complex_road = dispatched(at(2026, 3, 9, 9), urgency="complex")
    normal_road = dispatched(at(2026, 3, 9, 9), urgency="normal")

    # 15 working days: three weeks later.
    assert step(complex_road, StepKind.HANDLING).deadline == at(2026, 3, 30, 9)
    assert step(normal_road, StepKind.HANDLING).deadline == at(2026, 3, 12, 9)


def test_a_rule_for_the_urgency_applies_to_every_field(dispatched):
    DeadlineRule.objects.filter(step=StepKind.HANDLING, urgency="urgent").update(amount=Decimal(2))

    report = dispatched(at(2026, 3, 9, 9), urgency="urgent")

    assert step(report, StepKind.HANDLING).deadline == at(2026, 3, 9, 11)


# --- the deployment's own calendar ---------------------------------------------------------------


def test_an_extra_day_off_moves_the_deadline(clock, submit):
    CalendarDay.objects.create(date=at(2026, 3, 10).date(), kind=CalendarDayKind.DAY_OFF, name="Nghỉ bù")
    clock.now = at(2026, 3, 9, 15)  # Monday 15:00

    report = submit()

    # Monday 2 h; Tuesday off; Wednesday 07:30 + 6 h = 15:30.
    assert step(report, StepKind.RECEPTION).deadline == at(2026, 3, 11, 15, 30)


def test_a_make_up_saturday_counts(clock, submit):
    CalendarDay.objects.create(date=at(2026, 3, 14).date(), kind=CalendarDayKind.WORKING_DAY, name="Làm bù")
    clock.now = at(2026, 3, 13, 15)  # Friday 15:00

    report = submit()

    # Friday 2 h; Saturday is worked: 07:30 + 6 h = 15:30.
    assert step(report, StepKind.RECEPTION).deadline == at(2026, 3, 14, 15, 30)


def test_a_day_off_declared_later_counts_for_the_next_dispatch(clock, dispatched):
    first = dispatched(at(2026, 3, 9, 9))
    CalendarDay.objects.create(date=at(2026, 3, 12).date(), kind=CalendarDayKind.DAY_OFF)

    second = dispatched(at(2026, 3, 9, 9))

    assert step(first, StepKind.HANDLING).deadline == at(2026, 3, 16, 9)
    assert step(second, StepKind.HANDLING).deadline == at(2026, 3, 17, 9)


# --- on time or late ------------------------------------------------------------------------------


def test_on_time_is_decided_when_each_step_finishes(clock, people, so_xd, submit, act, road):
    report = submit()  # Monday 08:00: reception due Tuesday 08:30
    clock.now = at(2026, 3, 9, 10)
    act(report, people["lan"], "accept", category=road.code)
    reception = step(report, StepKind.RECEPTION)
    assert reception.on_time is None and reception.finished_at is None

    clock.now = at(2026, 3, 10, 9)  # Tuesday 09:00: half an hour late
    act(report, people["lan"], "dispatch", unit=so_xd.pk)
    reception.refresh_from_db()
    assert reception.on_time is False and reception.finished_at == at(2026, 3, 10, 9)
    handling = step(report, StepKind.HANDLING)
    assert handling.on_time is None and handling.deadline == at(2026, 3, 17, 9)

    act(report, people["hung"], "assign", handler=people["tuan"].pk)
    clock.now = at(2026, 3, 17, 9)  # exactly at the deadline
    act(report, people["tuan"], "submit_result", result="Đã vá")
    handling.refresh_from_db()
    assert handling.on_time is True


def test_a_late_result_is_late(clock, dispatched, people, act):
    report = dispatched(at(2026, 3, 9, 9))
    act(report, people["hung"], "assign", handler=people["tuan"].pk)

    clock.now = at(2026, 3, 16, 9, 1)
    act(report, people["tuan"], "submit_result", result="Đã vá")

    assert step(report, StepKind.HANDLING).on_time is False


@pytest.mark.parametrize(("approve", "on_time"), [(True, True), (False, False)])
def test_an_approved_extension_makes_a_late_result_on_time(approve, on_time, clock, dispatched, people, act):
    report = dispatched(at(2026, 3, 9, 9))  # due Monday 16 09:00
    act(report, people["hung"], "assign", handler=people["tuan"].pk)
    clock.now = at(2026, 3, 12, 10)
    act(
        report,
        people["tuan"],
        "request_extension",
        deadline=at(2026, 3, 18, 17).isoformat(),
        reason="Chờ nhựa",
    )
    clock.now = at(2026, 3, 12, 11)
    act(report, people["lan"], "decide_extension", approve=approve)

    clock.now = at(2026, 3, 17, 10)  # after the original deadline, before the extended one
    act(report, people["tuan"], "submit_result", result="Đã vá")

    handling = step(report, StepKind.HANDLING)
    assert handling.on_time is on_time
    assert handling.original_deadline == at(2026, 3, 16, 9)
    assert handling.deadline == (at(2026, 3, 18, 17) if approve else at(2026, 3, 16, 9))
    assert handling.extended is approve


def test_an_extension_granted_after_the_result_still_counts(clock, dispatched, people, act):
    report = dispatched(at(2026, 3, 9, 9))  # due Monday 16 09:00
    act(report, people["hung"], "assign", handler=people["tuan"].pk)
    clock.now = at(2026, 3, 13, 10)
    act(
        report,
        people["tuan"],
        "request_extension",
        deadline=at(2026, 3, 18, 17).isoformat(),
        reason="Chờ nhựa",
    )
    clock.now = at(2026, 3, 17, 10)
    act(report, people["tuan"], "submit_result", result="Đã vá")
    assert step(report, StepKind.HANDLING).on_time is False

    # The IOC decides only now, while the leader looks at the result.
    clock.now = at(2026, 3, 17, 11)
    act(report, people["lan"], "decide_extension", approve=True)

    handling = step(report, StepKind.HANDLING)
    assert handling.deadline == at(2026, 3, 18, 17) and handling.on_time is True
    assert handling.original_deadline == at(2026, 3, 16, 9)


# --- the clock pauses while the reporter is asked -------------------------------------------------


def test_the_clock_pauses_while_the_reporter_is_asked(clock, dispatched, people, act):
    # Urgent: 4 working hours from Monday 15:00 (2 h on Monday, 2 h on Tuesday → 09:30).
    report = dispatched(at(2026, 3, 9, 15), urgency="urgent")
    handling = step(report, StepKind.HANDLING)
    assert handling.deadline == at(2026, 3, 10, 9, 30)

    act(report, people["hung"], "request_info", question="Chính xác là số nhà nào?")
    handling.refresh_from_db()
    assert handling.paused_at == at(2026, 3, 9, 15) and handling.remaining_at_pause == 4 * H

    clock.now = at(2026, 3, 11, 8)  # the reporter answers on Wednesday 08:00
    info_provided(report=report, text="Số 12")

    report.refresh_from_db()
    assert report.status == Status.DISPATCHED
    handling.refresh_from_db()
    # 4 h left: Wednesday 08:00–11:30 = 3.5 h, 13:30 + 0.5 h = 14:00.
    assert handling.deadline == at(2026, 3, 11, 14)
    assert handling.original_deadline == at(2026, 3, 11, 14)
    assert handling.paused_at is None and handling.remaining_at_pause is None


def test_a_step_finished_during_the_pause_is_judged_when_it_was_paused(clock, people, submit, act):
    report = submit()  # Monday 08:00: reception due Tuesday 08:30
    clock.now = at(2026, 3, 9, 10)
    act(report, people["lan"], "request_info", question="Ở đâu?")

    clock.now = at(2026, 3, 20, 10)  # nobody answered; rejected ten days later
    act(report, people["lan"], "reject", reason="thieu-thong-tin")

    assert step(report, StepKind.RECEPTION).on_time is True


def test_a_step_already_late_when_paused_stays_late(clock, people, so_xd, submit, act, road):
    report = submit()  # Monday 08:00: reception due Tuesday 08:30
    clock.now = at(2026, 3, 11, 9)  # Wednesday: already late
    act(report, people["lan"], "request_info", question="Ở đâu?")
    clock.now = at(2026, 3, 14, 10)  # the reporter answers on Saturday
    info_provided(report=report, text="Số 12")

    reception = step(report, StepKind.RECEPTION)
    assert reception.deadline < at(2026, 3, 14, 10)

    clock.now = at(2026, 3, 14, 10, 30)  # the IOC works on Saturdays
    act(report, people["lan"], "accept", category=road.code, lead_unit=so_xd.pk)

    reception.refresh_from_db()
    assert reception.on_time is False


def test_an_extension_granted_during_the_pause_is_kept(clock, dispatched, people, act):
    report = dispatched(at(2026, 3, 9, 9))  # due Monday 16 09:00
    act(report, people["hung"], "assign", handler=people["tuan"].pk)
    clock.now = at(2026, 3, 10, 9)  # Tuesday: 4 working days left
    act(report, people["tuan"], "request_extension", deadline=at(2026, 3, 18, 9).isoformat(), reason="Chờ")
    act(report, people["tuan"], "request_info", question="Ảnh chụp ở đâu?")
    clock.now = at(2026, 3, 10, 10)
    act(report, people["lan"], "decide_extension", approve=True)

    clock.now = at(2026, 3, 12, 9)  # the reporter answers on Thursday
    info_provided(report=report, text="Ở cổng chợ")

    handling = step(report, StepKind.HANDLING)
    # The extended deadline had 6 working days left at the pause: Thursday + 6 = Friday 20.
    assert handling.deadline == at(2026, 3, 20, 9)
    # The original had 4: Thursday + 4 = Wednesday 18.
    assert handling.original_deadline == at(2026, 3, 18, 9)


def test_the_original_deadline_keeps_its_own_working_time_through_a_pause(clock, dispatched, people, act):
    report = dispatched(at(2026, 3, 6, 9), submitted=at(2026, 3, 6, 8))  # Friday: due Friday 13 09:00
    act(report, people["hung"], "assign", handler=people["tuan"].pk)
    clock.now = at(2026, 3, 10, 9)
    act(report, people["tuan"], "request_extension", deadline=at(2026, 3, 17, 9).isoformat(), reason="Chờ")
    act(report, people["lan"], "decide_extension", approve=True)
    clock.now = at(2026, 3, 12, 9)  # Thursday: 1 working day to the original, 3 to the extended
    act(report, people["tuan"], "request_info", question="Ảnh chụp ở đâu?")

    clock.now = at(2026, 3, 16, 9)  # Monday
    info_provided(report=report, text="Ở cổng chợ")

    handling = step(report, StepKind.HANDLING)
    assert handling.deadline == at(2026, 3, 19, 9)  # Thursday
    assert handling.original_deadline == at(2026, 3, 17, 9)  # Tuesday, not the Sunday in between


def test_an_urgent_reception_pauses_on_the_wall_clock(clock, people, submit, act):
    clock.now = at(2026, 3, 14, 22)  # Saturday 22:00, a fire: due 23:00
    report = submit("Cháy kho hàng")
    clock.now = at(2026, 3, 14, 22, 10)
    act(report, people["lan"], "request_info", question="Địa chỉ chính xác?")

    clock.now = at(2026, 3, 15, 3)  # Sunday 03:00
    info_provided(report=report, text="Kho số 3")

    # 50 minutes were left.
    assert step(report, StepKind.RECEPTION).deadline == at(2026, 3, 15, 3, 50)
