"""Working-time calendar: the clock that processing deadlines are counted on.

Time limits for handling citizens' reports are set in Vietnamese administrative working time
("8 working hours", "5 working days"): only office hours on working days count. Days off come from
`holidays.VN` (Tết, Hùng Kings, 30/4, 1/5, 2/9, the days off given in lieu and the swapped days
it knows about) plus each deployment's own extra days off and make-up working days, which
provinces announce every year and which no library can know in advance.

Everything is computed on the local wall clock of `tz` (Asia/Ho_Chi_Minh by default); aware
datetimes in any zone are accepted and results come back in `tz`. Naive datetimes are refused:
guessing their zone would silently shift deadlines by hours.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from decimal import Decimal
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
from django.utils import formats, translation
from django.utils.translation import ngettext

DURATION_UNITS = ("working_hours", "working_days", "hours")
DEFAULT_PERIODS = ((time(7, 30), time(11, 30)), (time(13, 30), time(17, 0)))
# A calendar that finds no working day in this many consecutive days is misconfigured
# (e.g. every weekday declared weekend); failing beats looping forever.
_MAX_IDLE_DAYS = 3 * 366


@lru_cache(maxsize=128)
def _vn_holidays(year: int, language: str) -> holidays.HolidayBase:
    """One year of Vietnamese public holidays, built once per process and language.

    expand=False keeps the cached object read-only: looking up another year's date
    must not make it populate (and mutate) itself.
    """
    return holidays.VN(years=year, language=language, expand=False)


def _holiday_language() -> str:
    """The `holidays` language matching the active Django language (it has en_US, th and vi)."""
    language = translation.get_language() or "vi"
    if language.startswith("en"):
        return "en_US"
    return "th" if language.startswith("th") else "vi"


def _span(start: time, end: time) -> timedelta:
    return datetime.combine(date.min, end) - datetime.combine(date.min, start)


def _decimal(amount: Decimal | float | int) -> Decimal:
    # str() first so that 1.1 means 1.1, not 1.100000000000000088817841970012523.
    return amount if isinstance(amount, Decimal) else Decimal(str(amount))


@dataclass(frozen=True)
class Duration:
    """A time limit as regulations state it: an amount and a unit from DURATION_UNITS.

    It is not a timedelta because "5 working days" only becomes a length of time once a calendar
    says how long its working day is, and because "hours" (urgent reception, e.g. a hotline
    report that must be acknowledged within 1 hour) runs on the wall clock, nights and Sundays
    included, while "working_hours" and "working_days" only run during office hours.
    """

    amount: Decimal | float | int
    unit: str

    def __post_init__(self) -> None:
        if self.unit not in DURATION_UNITS:
            raise ValueError(f"unit must be one of {DURATION_UNITS}, not {self.unit!r}")
        if _decimal(self.amount) < 0:
            raise ValueError(f"a duration cannot be negative: {self.amount!r}")

    @property
    def is_working_time(self) -> bool:
        return self.unit != "hours"

    def as_timedelta(self, day_length: timedelta = timedelta(hours=7, minutes=30)) -> timedelta:
        """The length of time this stands for, given the calendar's working-day length."""
        unit_length = day_length if self.unit == "working_days" else timedelta(hours=1)
        microseconds = _decimal(self.amount) * (unit_length // timedelta(microseconds=1))
        return timedelta(microseconds=int(microseconds.to_integral_value()))

    def __str__(self) -> str:
        amount = _decimal(self.amount)
        integral = amount == amount.to_integral_value()
        amount = amount.quantize(Decimal(1)) if integral else amount.normalize()
        n = formats.number_format(amount)  # "1,5" in Vietnamese, "1.5" in English
        # Plural rules take an integer; a fractional amount reads as plural ("1.5 hours").
        count = int(amount) if integral else 2
        if self.unit == "working_hours":
            text = ngettext("%(n)s working hour", "%(n)s working hours", count)
        elif self.unit == "working_days":
            text = ngettext("%(n)s working day", "%(n)s working days", count)
        else:
            text = ngettext("%(n)s hour", "%(n)s hours", count)
        return text % {"n": n}


class WorkingCalendar:
    """Which days and hours count as working time, and deadline arithmetic on them.

    Deciding whether a day is worked, strongest rule first:
    1. a date in `make_up_days` is worked, even on a weekend or a public holiday;
    2. a date in `extra_days_off` is off, even on a weekday;
    3. a public holiday of `holidays.VN` (observed and substituted days off included) is off;
    4. a weekend day that `holidays.VN` lists as swapped to a working day is worked
       (e.g. Saturday 2026-08-22, worked so that Monday 2026-08-31 is off);
    5. otherwise weekdays in `weekend` are off and the others are worked.
    Rules 3 and 4 only apply when `country_holidays` is true.
    """

    def __init__(
        self,
        *,
        periods: Iterable[tuple[time, time]] = DEFAULT_PERIODS,
        weekend: Iterable[int] = frozenset({5, 6}),
        extra_days_off: Iterable[date] = frozenset(),
        make_up_days: Iterable[date] = frozenset(),
        tz: str | tzinfo = "Asia/Ho_Chi_Minh",
        country_holidays: bool = True,
    ) -> None:
        self.periods = tuple((start, end) for start, end in periods)
        if not self.periods:
            raise ValueError("a working day needs at least one working period")
        ends = [time.min] + [end for _, end in self.periods]
        if any(start >= end or start < ends[i] for i, (start, end) in enumerate(self.periods)):
            raise ValueError("working periods must be non-empty, in order and not overlapping")
        self.weekend = frozenset(weekend)
        if not self.weekend <= set(range(7)):
            raise ValueError("weekend days are weekday numbers, 0 (Monday) to 6 (Sunday)")
        self.extra_days_off = frozenset(extra_days_off)
        self.make_up_days = frozenset(make_up_days)
        if both := self.extra_days_off & self.make_up_days:
            raise ValueError(f"dates both off and make-up working days: {sorted(both)}")
        self.tz = ZoneInfo(tz) if isinstance(tz, str) else tz
        self.country_holidays = country_holidays
        self._day_length = sum((_span(start, end) for start, end in self.periods), timedelta())

    @property
    def day_length(self) -> timedelta:
        """Working time in one full working day: what "1 working day" is worth (7.5 h by default)."""
        return self._day_length

    def is_working_day(self, d: date) -> bool:
        """Whether `d` is worked (see the class docstring for the rules); a datetime is taken in `tz`."""
        if isinstance(d, datetime):
            d = self._local(d).date()
        if d in self.make_up_days:
            return True
        if d in self.extra_days_off:
            return False
        if self.country_holidays:
            country = _vn_holidays(d.year, "vi")
            if d in country:
                return False
            if d in country.weekend_workdays:
                return True
        return d.weekday() not in self.weekend

    def holiday_name(self, d: date) -> str | None:
        """The public holiday's name on `d` in the active language, or None.

        It names the holiday even when `make_up_days` makes the date a working day, and it has
        no name for a deployment's `extra_days_off`.
        """
        if not self.country_holidays:
            return None
        return _vn_holidays(d.year, _holiday_language()).get(d)

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """The instant `duration` of working time after `start`.

        Time before the first working moment at or after `start` (nights, weekends, holidays,
        lunch) does not count. Working periods are half-open, [07:30, 11:30): a positive duration
        that runs out exactly at a period's end gives that end (17:00, not the next 07:30), while a
        zero duration gives `start` itself when it is working time and otherwise the next working
        moment, so add(Saturday, 0) is Monday 07:30 and add(17:00, 0) the next working 07:30.
        """
        if duration < timedelta(0):
            raise ValueError(f"cannot add a negative working duration: {duration}")
        cursor = self._local(start)
        left = duration
        for day in self._working_days_from(cursor.date()):
            periods = self._periods_on(day)
            if cursor <= periods[0][0] and left > self._day_length:
                left -= self._day_length  # a whole day, skipped without looking at its periods
                continue
            for period_start, period_end in periods:
                if period_end <= cursor:
                    continue
                begin = max(cursor, period_start)
                if left <= period_end - begin:
                    return begin + left
                left -= period_end - begin
        raise AssertionError("unreachable: _working_days_from never ends")  # pragma: no cover

    def between(self, start: datetime, end: datetime) -> timedelta:
        """Working time from `start` to `end`; zero when `end` is not after `start`.

        The inverse of add(): between(s, add(s, d)) == d.
        """
        start, end = self._local(start), self._local(end)
        total = timedelta(0)
        if end <= start:
            return total
        day = start.date()
        while day <= end.date():
            if self.is_working_day(day):
                for period_start, period_end in self._periods_on(day):
                    low, high = max(start, period_start), min(end, period_end)
                    if high > low:
                        total += high - low
            day += timedelta(days=1)
        return total

    def deadline(self, start: datetime, duration: Duration) -> datetime:
        """When a time limit of `duration` that started at `start` runs out.

        "hours" is elapsed real time (computed in UTC, so it is exact even across a DST change
        in a `tz` that has them); the working units go through add().
        """
        if duration.is_working_time:
            return self.add(start, duration.as_timedelta(self._day_length))
        return (self._local(start).astimezone(UTC) + duration.as_timedelta()).astimezone(self.tz)

    def remaining(self, now: datetime, deadline: datetime) -> timedelta:
        """Working time left until `deadline`: negative (the working time overdue) once it is past.

        This is what pausing stores: when the reporter is asked for more information the clock
        stops with remaining(asked_at, deadline), and when they answer the new deadline is
        add(answered_at, that remaining). add() refuses a negative duration, so a case paused
        while already overdue must be clamped (max(remaining, timedelta(0))) or handled apart.
        """
        if self._local(now) <= self._local(deadline):
            return self.between(now, deadline)
        return -self.between(deadline, now)

    def _local(self, dt: datetime) -> datetime:
        if dt.tzinfo is None or dt.utcoffset() is None:
            raise ValueError(f"working time needs an aware datetime, got naive {dt!r}")
        return dt.astimezone(self.tz)

    def _periods_on(self, day: date) -> list[tuple[datetime, datetime]]:
        return [
            (datetime.combine(day, start, tzinfo=self.tz), datetime.combine(day, end, tzinfo=self.tz))
            for start, end in self.periods
        ]

    def _working_days_from(self, day: date) -> Iterator[date]:
        """Working days from `day` on (inclusive), in order, without end."""
        idle = 0
        while True:
            if self.is_working_day(day):
                idle = 0
                yield day
            else:
                idle += 1
                if idle > _MAX_IDLE_DAYS:
                    raise ValueError(f"no working day in the {_MAX_IDLE_DAYS} days before {day}")
            day += timedelta(days=1)
