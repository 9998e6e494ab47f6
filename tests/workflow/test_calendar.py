"""Working-time calendar: deadlines counted in Vietnamese office hours, weekends and holidays.

Expected instants are worked out by hand in the comments, with the default day
07:30–11:30 + 13:30–17:00 (7.5 h). 2026-03-09 is a Monday in a week without holidays.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from phananh.workflow.calendar import Duration, WorkingCalendar

VN = ZoneInfo("Asia/Ho_Chi_Minh")
H = timedelta(hours=1)


def at(y, m, d, hh=0, mm=0):
    return datetime(y, m, d, hh, mm, tzinfo=VN)


@pytest.fixture
def cal():
    return WorkingCalendar()


def test_day_length_is_the_sum_of_the_periods(cal):
    assert cal.day_length == timedelta(hours=7, minutes=30)
    assert WorkingCalendar(periods=[(time(8), time(12))]).day_length == 4 * H


def test_eight_working_hours_from_monday_morning(cal):
    # Mon 09:00–11:30 (2.5 h) + 13:30–17:00 (3.5 h) = 6 h; Tue 07:30 + 2 h = 09:30.
    assert cal.add(at(2026, 3, 9, 9), 8 * H) == at(2026, 3, 10, 9, 30)


def test_friday_afternoon_crosses_the_weekend(cal):
    # Fri 15:00–17:00 (2 h); Mon 07:30–11:30 (4 h, 6 h in all); Mon 13:30 + 2 h = 15:30.
    assert cal.add(at(2026, 3, 13, 15), 8 * H) == at(2026, 3, 16, 15, 30)


def test_saturday_submission_starts_the_clock_on_monday(cal):
    assert cal.add(at(2026, 3, 14, 10), timedelta(0)) == at(2026, 3, 16, 7, 30)
    assert cal.add(at(2026, 3, 14, 10), H) == at(2026, 3, 16, 8, 30)


def test_lunch_submission_counts_from_1330(cal):
    assert cal.add(at(2026, 3, 10, 12), timedelta(0)) == at(2026, 3, 10, 13, 30)
    assert cal.add(at(2026, 3, 10, 12), H) == at(2026, 3, 10, 14, 30)


def test_zero_duration_inside_working_time_is_the_start_itself(cal):
    assert cal.add(at(2026, 3, 10, 9, 17), timedelta(0)) == at(2026, 3, 10, 9, 17)
    # Periods are half-open: 17:00 itself is no longer working time.
    assert cal.add(at(2026, 3, 10, 17), timedelta(0)) == at(2026, 3, 11, 7, 30)


def test_running_out_at_a_period_end_stays_on_that_day(cal):
    # Mon 13:30 + 3.5 h = 17:00 sharp, not Tue 07:30; 07:30 + 4 h = 11:30, not 13:30.
    assert cal.add(at(2026, 3, 9, 13, 30), timedelta(hours=3, minutes=30)) == at(2026, 3, 9, 17)
    assert cal.add(at(2026, 3, 9, 7, 30), 4 * H) == at(2026, 3, 9, 11, 30)
    # Exactly one working day from 07:30 ends at 17:00 the same day.
    assert cal.deadline(at(2026, 3, 9, 7, 30), Duration(1, "working_days")) == at(2026, 3, 9, 17)


def test_five_working_days_across_tet_2027(cal):
    # holidays.VN: Thu 2027-02-04 (29 Tết) to Wed 2027-02-10 (Mùng năm), Feb 6–7 are a weekend anyway.
    for day in range(4, 11):
        assert not cal.is_working_day(date(2027, 2, day))
    # 5 × 7.5 h = 37.5 h. Wed Feb 3 09:00–17:00 less lunch: 6 h (31.5 h left);
    # Thu 11, Fri 12, Mon 15, Tue 16: 4 × 7.5 = 30 h (1.5 h left); Wed 17 07:30 + 1.5 h = 09:00.
    assert cal.deadline(at(2027, 2, 3, 9), Duration(5, "working_days")) == at(2027, 2, 17, 9)


def test_tet_2026(cal):
    # holidays.VN: Mon 2026-02-16 to Fri 2026-02-20, between two weekends.
    # Fri Feb 13 14:00–17:00: 3 h (12 h left); Mon 23: 7.5 h (4.5 h left);
    # Tue 24 07:30–11:30: 4 h (0.5 h left); 13:30 + 0.5 h = 14:00.
    assert cal.deadline(at(2026, 2, 13, 14), Duration(2, "working_days")) == at(2026, 2, 24, 14)


def test_reunification_and_labour_day_2026_then_the_weekend(cal):
    # 30/4 and 1/5 2026 are Thu and Fri, then Sat–Sun: four days without work.
    # Wed Apr 29 16:00–17:00: 1 h (7 h left); Mon May 4 07:30–11:30: 4 h (3 h left); 13:30 + 3 h.
    assert cal.add(at(2026, 4, 29, 16), 8 * H) == at(2026, 5, 4, 16, 30)
    with translation.override("en"):
        assert cal.holiday_name(date(2026, 4, 30)) == "Liberation Day/Reunification Day"
    with translation.override("vi"):
        assert cal.holiday_name(date(2026, 4, 30)) == "Ngày Chiến thắng"
    assert cal.holiday_name(date(2026, 4, 29)) is None


def test_saturday_swapped_by_holidays_vn_is_worked(cal):
    # holidays.VN 0.109 knows Sat 2026-08-22 is worked so that Mon 2026-08-31 is off.
    assert cal.is_working_day(date(2026, 8, 22))
    assert not cal.is_working_day(date(2026, 8, 31))
    # Fri Aug 21 16:00–17:00: 1 h; Sat Aug 22 07:30–11:30: 4 h; 13:30 + 3 h = 16:30.
    assert cal.add(at(2026, 8, 21, 16), 8 * H) == at(2026, 8, 22, 16, 30)
    # Fri Aug 28 16:00: 1 h; Sat–Sun, Mon 31 (swapped), Tue 1 and Wed 2 (National Day) off;
    # Thu Sep 3 07:30–11:30: 4 h; 13:30 + 3 h = 16:30.
    assert cal.add(at(2026, 8, 28, 16), 8 * H) == at(2026, 9, 3, 16, 30)
    assert not WorkingCalendar(country_holidays=False).is_working_day(date(2026, 8, 22))


def test_deployment_make_up_saturday_counts():
    cal = WorkingCalendar(make_up_days={date(2026, 3, 14)})
    # Fri 15:00–17:00: 2 h; Sat 07:30–11:30: 4 h; Sat 13:30 + 2 h = 15:30.
    assert cal.add(at(2026, 3, 13, 15), 8 * H) == at(2026, 3, 14, 15, 30)


def test_deployment_extra_day_off_does_not_count():
    cal = WorkingCalendar(extra_days_off={date(2026, 3, 16)})
    assert not cal.is_working_day(date(2026, 3, 16))
    # As the weekend case, but Monday is off too: Tue 13:30 + 2 h = 15:30.
    assert cal.add(at(2026, 3, 13, 15), 8 * H) == at(2026, 3, 17, 15, 30)


def test_only_an_explicit_make_up_day_beats_a_public_holiday():
    assert not WorkingCalendar().is_working_day(date(2026, 4, 30))
    assert WorkingCalendar(make_up_days={date(2026, 4, 30)}).is_working_day(date(2026, 4, 30))
    with pytest.raises(ValueError, match="both off and make-up"):
        WorkingCalendar(make_up_days={date(2026, 3, 14)}, extra_days_off={date(2026, 3, 14)})


def test_wall_clock_hours_run_through_the_night_and_weekend(cal):
    assert cal.deadline(at(2026, 3, 14, 23, 30), Duration(1, "hours")) == at(2026, 3, 15, 0, 30)


def test_between_is_the_inverse_of_add(cal):
    rng = random.Random(20260309)
    origin = at(2025, 12, 20)
    for _ in range(500):
        start = origin + timedelta(minutes=rng.randrange(0, 60 * 24 * 500))
        duration = timedelta(minutes=rng.randrange(0, 60 * 7 * 40))
        end = cal.add(start, duration)
        assert end >= start
        assert cal.between(start, end) == duration, (start, duration)
        # Splitting a duration (pausing and resuming at once) gives the same deadline.
        first = timedelta(minutes=rng.randrange(1, 60 * 7 * 40))
        second = timedelta(minutes=rng.randrange(1, 60 * 7 * 40))
        assert cal.add(cal.add(start, first), second) == cal.add(start, first + second)


def test_between_skips_the_weekend_and_is_zero_backwards(cal):
    # Fri 16:00–17:00 + Mon 07:30–08:30.
    assert cal.between(at(2026, 3, 13, 16), at(2026, 3, 16, 8, 30)) == 2 * H
    assert cal.between(at(2026, 3, 16, 8, 30), at(2026, 3, 13, 16)) == timedelta(0)
    # A whole working week.
    assert cal.between(at(2026, 3, 9), at(2026, 3, 16)) == 5 * cal.day_length


def test_pause_and_resume(cal):
    deadline = cal.add(at(2026, 3, 9, 9), 8 * H)
    assert deadline == at(2026, 3, 10, 9, 30)
    # Paused Mon 15:00: Mon 15:00–17:00 + Tue 07:30–09:30 = 4 h left.
    left = cal.remaining(at(2026, 3, 9, 15), deadline)
    assert left == 4 * H
    # Answered Wed 08:00: 08:00–11:30 (3.5 h) + 13:30–14:00.
    assert cal.add(at(2026, 3, 11, 8), left) == at(2026, 3, 11, 14)


def test_remaining_is_negative_once_overdue(cal):
    deadline = at(2026, 3, 10, 9, 30)
    assert cal.remaining(at(2026, 3, 10, 10), deadline) == -timedelta(minutes=30)
    # Overnight does not make it more overdue: Tue 09:30–17:00 less lunch = 5.5 h.
    assert cal.remaining(at(2026, 3, 11, 7), deadline) == -timedelta(hours=5, minutes=30)


def test_aware_input_in_another_zone_is_read_in_vietnam_time(cal):
    # 01:00 UTC is 08:00 in Vietnam: one working hour later is 09:00 there.
    result = cal.add(datetime(2026, 3, 9, 1, tzinfo=UTC), H)
    assert result == at(2026, 3, 9, 9)
    assert result.tzinfo == VN
    assert result.hour == 9
    # Sun 23:30 UTC is Mon 06:30 in Vietnam, before the office opens.
    assert cal.add(datetime(2026, 3, 8, 23, 30, tzinfo=UTC), timedelta(0)) == at(2026, 3, 9, 7, 30)


def test_naive_datetimes_are_refused(cal):
    naive = datetime(2026, 3, 9, 9)
    with pytest.raises(ValueError, match="naive"):
        cal.add(naive, H)
    with pytest.raises(ValueError, match="naive"):
        cal.between(naive, at(2026, 3, 10))
    with pytest.raises(ValueError, match="naive"):
        cal.deadline(naive, Duration(1, "hours"))
    with pytest.raises(ValueError, match="naive"):
        cal.remaining(at(2026, 3, 9), naive)


def test_duration_as_timedelta():
    assert Duration(5, "working_days").as_timedelta() == timedelta(hours=37, minutes=30)
    assert Duration(1.5, "working_hours").as_timedelta() == timedelta(minutes=90)
    assert Duration(Decimal("0.5"), "working_days").as_timedelta(8 * H) == 4 * H
    with pytest.raises(ValueError):
        Duration(1, "minutes")
    with pytest.raises(ValueError):
        Duration(-1, "hours")


def test_duration_str_in_english():
    with translation.override("en"):
        assert str(Duration(8, "working_hours")) == "8 working hours"
        assert str(Duration(1, "working_hours")) == "1 working hour"
        assert str(Duration(5, "working_days")) == "5 working days"
        assert str(Duration(1, "hours")) == "1 hour"
        assert str(Duration(Decimal("1.50"), "hours")) == "1.5 hours"


def test_misconfigured_calendars_are_refused():
    with pytest.raises(ValueError):
        WorkingCalendar(periods=[(time(13), time(17)), (time(8), time(12))])
    with pytest.raises(ValueError):
        WorkingCalendar(periods=[])
    with pytest.raises(ValueError, match="no working day"):
        WorkingCalendar(weekend=range(7), country_holidays=False).add(at(2026, 3, 9), H)
