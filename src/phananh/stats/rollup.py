"""Monthly rollups (`MonthFigures`): a year of a province's reports summed from twelve months.

A month is rebuilt whole from `ReportFigures`, never patched: whatever changed a report (a late
event, a reopening, a rating) marks the months of its old and new dates dirty (`mark`), and
`rebuild_dirty` (the periodic job) sums them again. Until then `cells` reads a dirty month from
the per-report rows, so an answer is as current as those rows, whatever the rollup's age.
"""

from __future__ import annotations

import calendar
from collections import Counter
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, QuerySet, Sum
from django.db.models.functions import Round
from django.utils import timezone

from .models import DirtyMonth, MonthFigures, MonthPlaces, ReportFigures
from .periods import Period
from .tallies import DIMENSIONS, STORED, Cell, fact_cells, overdue_cells, tally, within


def month_of(moment: datetime) -> date:
    return timezone.localtime(moment).date().replace(day=1)


def month_period(month: date) -> Period:
    return Period(month, month.replace(day=calendar.monthrange(month.year, month.month)[1]))


def split(period: Period) -> tuple[list[date], list[Period]]:
    """The whole months inside `period`, and the days left at either end."""
    month = period.start.replace(day=1)
    if month < period.start:
        month = _next(month)
    whole = []
    while month_period(month).end <= period.end:
        whole.append(month)
        month = _next(month)
    if not whole:
        return [], [period]
    rest = []
    if period.start < whole[0]:
        rest.append(Period(period.start, _previous_day(whole[0])))
    end_of_whole = month_period(whole[-1]).end
    if end_of_whole < period.end:
        rest.append(Period(_next(whole[-1]), period.end))
    return whole, rest


def _next(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def _previous_day(day: date) -> date:
    return date.fromordinal(day.toordinal() - 1)


def mark(moments: Iterable[datetime | None]) -> None:
    """The months of these moments no longer match their rollup."""
    months = {month_of(m) for m in moments if m is not None}
    now = timezone.now()
    DirtyMonth.objects.bulk_create(
        [DirtyMonth(month=m, marked_at=now) for m in months],
        update_conflicts=True,
        unique_fields=["month"],
        update_fields=["marked_at"],
    )


def rebuild(month: date) -> int:
    """Sum one month again from the per-report figures; returns the rows written."""
    marked = DirtyMonth.objects.filter(month=month).values_list("marked_at", flat=True).first()
    cells = fact_cells(ReportFigures.objects.order_by(), [month_period(month)])
    rows = [
        MonthFigures(
            month=month,
            category_id=cell.category_id,
            lead_unit_id=cell.lead_unit_id,
            rejection_reason=cell.reason,
            channel=cell.channel,
            **{name: getattr(cell.tally, name) for name in STORED},
        )
        for cell in cells
    ]
    places = [
        MonthPlaces(month=month, latitude=lat, longitude=lng, received=n)
        for (lat, lng), n in place_counts(
            ReportFigures.objects.filter(within("received_at", [month_period(month)]))
        ).items()
    ]
    with transaction.atomic():
        if marked is not None:
            # The month's dirty mark is taken first, as a claim: a second run rebuilding the
            # same month at the same moment (two periodic runners) waits on this row, then finds
            # it gone and leaves the rollup to the first, instead of inserting its rows beside the
            # first's. A month marked again since `marked` was read is left dirty for the next run.
            claimed, _deleted = DirtyMonth.objects.filter(month=month, marked_at=marked).delete()
            if not claimed:
                return 0
        MonthFigures.objects.filter(month=month).delete()
        MonthFigures.objects.bulk_create(rows, batch_size=2000)
        MonthPlaces.objects.filter(month=month).delete()
        MonthPlaces.objects.bulk_create(places, batch_size=2000)
    return len(rows)


def rebuild_dirty() -> int:
    """Rebuild every dirty month but the current one, which changes all day (periodic)."""
    this_month = timezone.localdate().replace(day=1)
    months = DirtyMonth.objects.exclude(month=this_month).values_list("month", flat=True)
    return sum(rebuild(month) for month in list(months))


def clean_months(months: list[date]) -> tuple[list[date], list[date]]:
    """The months whose rollup matches the per-report figures, and those to read from the rows."""
    dirty = set(DirtyMonth.objects.filter(month__in=months).values_list("month", flat=True))
    return [m for m in months if m not in dirty], [m for m in months if m in dirty]


def place_counts(rows: QuerySet[ReportFigures]) -> Counter:
    """(latitude, longitude) of the cell → reports, for these per-report rows."""
    cells = (
        rows.filter(report__latitude__isnull=False, report__longitude__isnull=False)
        .annotate(lat=Round("report__latitude", 2), lng=Round("report__longitude", 2))
        .values("lat", "lng")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return Counter({(place_cell(c["lat"]), place_cell(c["lng"])): c["n"] for c in cells})


def place_cell(value) -> Decimal:
    return Decimal(value).quantize(Decimal("0.01"))


def freshness() -> datetime | None:
    """The time of the newest per-report figures: what every answer is as current as."""
    return ReportFigures.objects.order_by("-refreshed_at").values_list("refreshed_at", flat=True).first()


def _rollup_cells(qs: QuerySet) -> list[Cell]:
    rows = qs.values(*DIMENSIONS).annotate(**{name: Sum(name) for name in STORED})
    return [Cell.of(r, tally(r)) for r in rows]


def cells(period: Period, facts: QuerySet, months: QuerySet | None) -> list[Cell]:
    """The period's cells: clean whole months from the rollup, the rest from the per-report rows.

    `months` is the rollup filtered like `facts`, or None when a filter (channel, commune) is
    not one of the rollup's dimensions: then everything is read from the per-report rows.
    """
    if months is None:
        return fact_cells(facts, [period]) + overdue_cells(facts, [period])
    whole, rest = split(period)
    clean, dirty = clean_months(whole)
    rest += [month_period(m) for m in dirty]
    found = _rollup_cells(months.filter(month__in=clean)) if clean else []
    return found + fact_cells(facts, rest) + overdue_cells(facts, [period])
