"""Monthly rollups (`MonthFigures`): a year of a province's reports summed from twelve months.

A month is rebuilt whole from `ReportFigures`, never patched: whatever changed a report (a late
event, a reopening, a rating) marks the months of its old and new dates dirty (`mark`), and
`rebuild_dirty` (the periodic job) sums them again. Until then `cells` reads a dirty month from
the per-report rows, so an answer is as current as those rows, whatever the rollup's age.
"""

from __future__ import annotations

import calendar
import hashlib
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, QuerySet, Sum
from django.db.models.functions import Round
from django.utils import timezone

from .models import DirtyMonth, MonthFigures, MonthPlaces, ReportFigures
from .periods import Period
from .tallies import DIMENSIONS, STORED, Cell, fact_cells, grouped_rows, overdue_cells, within

# How long sums read from clean months are kept at most (`kept`).
KEEP_SECONDS = 24 * 3600
# Changed whenever what `kept` stores changes shape, so that a new release never reads an old one's.
KEPT_FORMAT = 1


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
    # What was kept of these months' rows (`kept`) is stale: now, and again once this
    # transaction commits, so that no reader keeps what it read in between under the new version.
    _new_versions(months)
    transaction.on_commit(lambda: _new_versions(months))


def _version_key(month: date) -> str:
    return f"stats:month-version:{month:%Y-%m}"


def _new_versions(months: Iterable[date]) -> None:
    for month in months:
        try:
            cache.incr(_version_key(month))
        except ValueError:  # not kept yet (or evicted): any value unlike the last one read
            cache.set(_version_key(month), time.time_ns(), None)


def kept(what: str, months: list[date], query: QuerySet, compute):
    """Sums that depend on the rows of clean months only, kept until one of those months changes.

    While a month is clean its rows are what they were when its rollup was built, so sums read
    from them (its rollup, or some of its days from the per-report rows) are kept under the
    months' versions, which `mark` changes with every change in a month.
    """
    keys = [_version_key(m) for m in months]
    versions = cache.get_many(keys)
    for key in keys:
        if key not in versions:
            versions[key] = cache.get_or_set(key, time.time_ns, None)
    signature = hashlib.sha256(f"{what}|{query.query}|{[versions[k] for k in keys]}".encode()).hexdigest()[
        :40
    ]
    key = f"stats:kept:{KEPT_FORMAT}:{signature}"
    found = cache.get(key)
    if found is None:
        found = compute()
        cache.set(key, found, KEEP_SECONDS)
    return found


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


@dataclass(frozen=True)
class Plan:
    """Where each part of a period is read from."""

    months: list[date]  # whole months whose rollup is clean: read from the rollup, kept
    odd_days: list[Period]  # the days at either end, in clean months: per-report rows, kept
    raw: list[Period]  # days of months changed since their rollup: per-report rows, every time


def plan(period: Period) -> Plan:
    """Split `period` into what the rollup answers, what may be kept, and what is read afresh."""
    whole, rest = split(period)
    dirty = set(
        DirtyMonth.objects.filter(month__in=[*whole, *(p.start.replace(day=1) for p in rest)]).values_list(
            "month", flat=True
        )
    )
    return Plan(
        months=[m for m in whole if m not in dirty],
        odd_days=[p for p in rest if p.start.replace(day=1) not in dirty],
        raw=[p for p in rest if p.start.replace(day=1) in dirty]
        + [month_period(m) for m in whole if m in dirty],
    )


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
    return [Cell.of(r) for r in grouped_rows(rows)]


def cells(period: Period, facts: QuerySet, months: QuerySet | None) -> list[Cell]:
    """The period's cells: clean whole months from the rollup, the rest from the per-report rows.

    `months` is the rollup filtered like `facts`, or None when a filter (channel, commune) is
    not one of the rollup's dimensions: then everything is read from the per-report rows.
    """
    if months is None:
        return fact_cells(facts, [period]) + overdue_cells(facts, [period])
    parts = plan(period)
    found = []
    if parts.months:
        rollup = months.filter(month__in=parts.months)
        found += kept(f"months {parts.months}", parts.months, rollup, lambda: _rollup_cells(rollup))
    for days in parts.odd_days:
        month = [days.start.replace(day=1)]
        found += kept(f"days {days}", month, facts, lambda days=days: fact_cells(facts, [days]))
    return found + fact_cells(facts, parts.raw) + overdue_cells(facts, [period])
