"""A period of statistics: days, both included, in the deployment's time zone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.utils import timezone


@dataclass(frozen=True)
class Period:
    """From `start` to `end`, both days included, in the deployment's time zone."""

    start: date
    end: date

    @classmethod
    def this_year(cls, today: date | None = None) -> Period:
        today = today or timezone.localdate()
        return cls(date(today.year, 1, 1), today)

    def bounds(self) -> tuple[datetime, datetime]:
        zone = timezone.get_current_timezone()
        start = datetime.combine(self.start, time.min, tzinfo=zone)
        last = min(self.end, date.max - timedelta(days=1))
        end = datetime.combine(last + timedelta(days=1), time.min, tzinfo=zone)
        return start, end
