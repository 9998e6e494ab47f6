"""The figures of the steering committee (số liệu thống kê): one set of definitions for the API,
the public page, the dashboard and the exports. `docs/statistics.md` defines every figure.

    summary(*, period, scope_user=None, unit=None, field=None, channel=None, commune=None) -> Summary
    unit_rows(*, period, scope_user=None, parent=None, field=None, channel=None, commune=None)
        -> list[UnitRow]
    series(*, period, interval, scope_user=None, unit=None, field=None, channel=None, commune=None)
        -> list[Point]

`period` is a `Period` (days, both included, in the deployment's time zone); `scope_user`, when
given, limits the figures to what that staff member may read (`org.access.statistics_unit`) and
raises `Forbidden` otherwise; `unit` and `commune` are `Unit`s (a unit counts its subtree),
`field` a `Category`, `channel` a `Channel` value; `interval` is "week" or "month".

Each report counts on one date per figure: received, waiting, accepted, dispatched, rejected,
merged, in progress and overdue on its submission (as it stands now); resolved, on time, late
and the time per step on the day the IOC verified its result; its rating on the day it was
given. The sums are read from `ReportFigures`, one narrow row per report kept by `stats.facts`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime

from django.db.models import Count, QuerySet, Sum
from django.db.models.functions import TruncMonth, TruncWeek
from django.utils import timezone
from django.utils.translation import gettext as _

from phananh.calls.models import Call, Direction
from phananh.citizens.services import accounts_until
from phananh.core.errors import Forbidden
from phananh.org.access import NoStatistics, acts_for, ioc_root, statistics_unit
from phananh.org.models import Unit
from phananh.reports.models import Category, Channel, RatingValue

from . import rollup
from .models import STEP_KINDS, MonthFigures, ReportFigures
from .periods import Period
from .tallies import DATED_BY, RECEIVED_AT, REJECTED_AT, STORED, Cell, Tally, measures, tally, within

TOP_FIELDS = 5
INTERVALS = {"week": TruncWeek, "month": TruncMonth}


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass(frozen=True)
class Share:
    count: int
    share: float | None


@dataclass(frozen=True)
class Rejected:
    total: int
    by_reason: dict[str, int]


@dataclass(frozen=True)
class StepFigures:
    """One kind of step of the reports resolved in the period: on time or late, and how long."""

    finished: int
    on_time: int
    late: int
    on_time_rate: float | None
    average_hours: float | None


@dataclass(frozen=True)
class Ratings:
    satisfied: Share
    acceptable: Share
    unsatisfied: Share
    total: int


@dataclass(frozen=True)
class Calls:
    inbound: int = 0
    outbound: int = 0


@dataclass(frozen=True)
class FieldCount:
    code: str
    name: str
    received: int


@dataclass(frozen=True)
class Summary:
    """The figures of a period; the field names are the API's keys."""

    received: int
    waiting: int
    accepted: int
    dispatched: int
    rejected: Rejected
    merged: int
    in_progress: int
    overdue_open: int
    resolved: int
    resolved_on_time: int
    resolved_late: int
    on_time_rate: float | None
    steps: dict[str, StepFigures]
    average_hours: dict[str, float | None]
    ratings: Ratings
    calls: Calls = field(default_factory=Calls)
    reporter_accounts: int = 0
    participating_units: int = 0
    top_fields: list[FieldCount] = field(default_factory=list)


def _steps(t: Tally) -> dict[str, StepFigures]:
    steps = {}
    for kind in STEP_KINDS:
        finished, late = getattr(t, f"{kind}_steps"), getattr(t, f"{kind}_late")
        hours = getattr(t, f"{kind}_hours")
        steps[kind] = StepFigures(
            finished=finished,
            on_time=finished - late,
            late=late,
            on_time_rate=_share(finished - late, finished),
            average_hours=round(hours / finished, 2) if finished else None,
        )
    return steps


def _ratings(t: Tally) -> Ratings:
    total = t.satisfied + t.acceptable + t.unsatisfied
    return Ratings(
        *(Share(getattr(t, v), _share(getattr(t, v), total)) for v in RatingValue.values), total=total
    )


def _build(t: Tally, *, by_reason=None, units=0, top_fields=()) -> Summary:
    steps = _steps(t)
    return Summary(
        received=t.received,
        waiting=t.waiting,
        accepted=t.in_progress + t.resolved_received,
        dispatched=t.dispatched,
        rejected=Rejected(t.rejected, dict(by_reason or {})),
        merged=t.merged,
        in_progress=t.in_progress,
        overdue_open=t.overdue_open,
        resolved=t.resolved,
        resolved_on_time=t.resolved - t.resolved_late,
        resolved_late=t.resolved_late,
        on_time_rate=_share(t.resolved - t.resolved_late, t.resolved),
        steps=steps,
        average_hours={kind: s.average_hours for kind, s in steps.items()},
        ratings=_ratings(t),
        participating_units=units,
        top_fields=list(top_fields),
    )


# --- which reports ------------------------------------------------------------------------------


def reader_scope(scope_user, unit: Unit | None) -> Unit | None:
    """The unit whose subtree the figures are about (None: the province), or Forbidden."""
    if scope_user is None:
        return unit
    try:
        own = statistics_unit(scope_user)
    except NoStatistics:
        raise Forbidden("forbidden", _("Your role cannot read these statistics.")) from None
    if own is None or unit is None:
        return unit or own
    if not acts_for(scope_user, unit):
        raise Forbidden("forbidden", _("You can read the statistics of your own unit only."))
    return unit


def _within(qs: QuerySet, unit: Unit | None, field) -> QuerySet:
    if unit is not None:
        qs = (
            qs.filter(lead_unit__path__startswith=unit.path) if unit.parent_id else qs.exclude(lead_unit=None)
        )
    if field is not None:
        qs = qs.filter(category=field)
    return qs


def figure_rows(*, scope_user=None, unit=None, field=None, channel=None, commune=None) -> QuerySet:
    """The per-report rows the figures are summed from, for this reader and these filters."""
    qs = _within(ReportFigures.objects.order_by(), reader_scope(scope_user, unit), field)
    if channel:
        qs = qs.filter(channel=channel)
    if commune is not None:
        qs = qs.filter(commune=commune)
    return qs


def _cells(period: Period, *, scope_user=None, unit=None, field=None, channel=None, commune=None):
    facts = figure_rows(scope_user=scope_user, unit=unit, field=field, channel=channel, commune=commune)
    months = None
    if commune is None:
        # The rollup has the field, the lead unit and the channel among its dimensions, not the place.
        months = _within(MonthFigures.objects.order_by(), reader_scope(scope_user, unit), field)
        if channel:
            months = months.filter(channel=channel)
    return rollup.cells(period, facts, months)


def _summarise(cells: list[Cell], categories: dict | None = None) -> Summary:
    total, reasons, by_field, units = Cell.total(cells), {}, {}, set()
    for cell in cells:
        values = cell.values
        if values[REJECTED_AT]:
            reasons[cell.reason] = reasons.get(cell.reason, 0) + values[REJECTED_AT]
        if values[RECEIVED_AT]:
            by_field[cell.category_id] = by_field.get(cell.category_id, 0) + values[RECEIVED_AT]
            if cell.lead_unit_id is not None:
                units.add(cell.lead_unit_id)
    return _build(
        total,
        by_reason=sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0])),
        units=len(units),
        top_fields=_top_fields(by_field, _categories() if categories is None else categories),
    )


def _top_fields(by_field: dict[int | None, int], categories: dict) -> list[FieldCount]:
    ranked = sorted(((n, pk) for pk, n in by_field.items() if pk in categories), key=lambda x: (-x[0], x[1]))
    return [FieldCount(*categories[pk], n) for n, pk in ranked[:TOP_FIELDS]]


def _categories() -> dict[int, tuple[str, str]]:
    """Every field's (code, name): a few dozen rows, read once per answer."""
    return {pk: (code, name) for pk, code, name in Category.objects.values_list("pk", "code", "name")}


def summary(*, period: Period, scope_user=None, unit=None, field=None, channel=None, commune=None) -> Summary:
    """The figures of the reports in scope, for `period` (see the module's docstring)."""
    cells = _cells(period, scope_user=scope_user, unit=unit, field=field, channel=channel, commune=commune)
    narrowed = _narrowed(scope_user, unit, field, channel, commune)
    found = replace(_summarise(cells), calls=call_counts(period, narrowed=narrowed))
    if not narrowed and not channel:
        # Accounts belong to no unit, field, channel or place: counted for the whole province only.
        found = replace(found, reporter_accounts=accounts_until(period.bounds()[1]))
    return found


def _narrowed(scope_user, unit, field, channel, commune) -> bool:
    """Whether the figures are about less than the whole province's reports."""
    scope = reader_scope(scope_user, unit)
    partial_scope = scope is not None and scope != ioc_root()
    return partial_scope or bool(field or commune) or channel not in (None, "", Channel.HOTLINE)


def call_counts(period: Period, *, narrowed: bool) -> Calls:
    """The hotline's calls that started in the period, by direction.

    A call belongs to the province's call centre, not to a unit, a field or a commune: figures
    narrowed to one of these count none (and the hotline's channel alone counts them all).
    """
    if narrowed:
        return Calls()
    start, end = period.bounds()
    counts = dict(
        Call.objects.filter(started_at__gte=start, started_at__lt=end)
        .values_list("direction")
        .annotate(n=Count("pk"))
        .values_list("direction", "n")
    )
    return Calls(inbound=counts.get(Direction.INBOUND, 0), outbound=counts.get(Direction.OUTBOUND, 0))


# --- by unit ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UnitRow:
    """A unit and the figures of the reports its subtree leads (`direct`: the unit itself only)."""

    unit_id: int
    code: str
    name: str
    direct: bool
    summary: Summary


def unit_rows(
    *, period: Period, scope_user=None, parent=None, field=None, channel=None, commune=None
) -> list[UnitRow]:
    """One row per unit right below `parent` (default: the IOC, or the viewer's own unit).

    A division's reports count for the unit above it that is listed; reports `parent` leads
    itself have a row of their own. Reports led by no unit (waiting, rejected) are in no row.
    """
    parent = reader_scope(scope_user, parent) or ioc_root()
    if parent is None:
        return []
    return _rows_by_unit(_cells(period, unit=parent, field=field, channel=channel, commune=commune), parent)


def _rows_by_unit(cells, parent: Unit) -> list[UnitRow]:
    led = {c.lead_unit_id for c in cells if c.lead_unit_id}
    paths = dict(Unit.objects.filter(pk__in=led).values_list("pk", "path"))
    grouped: dict[int, list] = {}
    depth = parent.path.count("/") - 1
    for cell in cells:
        path = paths.get(cell.lead_unit_id)
        if path is None or not path.startswith(parent.path):
            continue
        ids = [int(part) for part in path.strip("/").split("/")]
        grouped.setdefault(ids[depth] if len(ids) > depth else parent.pk, []).append(cell)
    units = Unit.objects.filter(pk__in=grouped).only("code", "name", "short_name")
    categories = _categories()
    rows = [
        UnitRow(
            u.pk, u.code, u.short_name or u.name, u.pk == parent.pk, _summarise(grouped[u.pk], categories)
        )
        for u in units
    ]
    return sorted(rows, key=lambda r: (-r.summary.received, r.name))


@dataclass(frozen=True)
class Breakdowns:
    """A period's figures with their breakdowns by field, unit and channel, from one set of cells."""

    summary: Summary
    by_field: list[tuple[str, Summary]]  # (the field's name, or "" for reports not classified yet)
    # One row per unit right below the one the figures are about (the IOC for the province), with
    # the reports that unit leads itself in a "direct" row: `unit_rows`, from the same cells.
    by_unit: list[UnitRow]
    by_channel: list[tuple[str, Summary]]  # (the channel's value, its figures), most received first
    as_of: datetime | None


def breakdowns(
    *, period: Period, scope_user=None, unit=None, field=None, channel=None, commune=None
) -> Breakdowns:
    """The summary and its breakdowns, as the public page and the dashboard show them."""
    cells = _cells(period, scope_user=scope_user, unit=unit, field=field, channel=channel, commune=commune)
    root = reader_scope(scope_user, unit) or ioc_root()
    categories = _categories()
    by_field = _grouped(cells, "category_id", categories)
    narrowed = _narrowed(scope_user, unit, field, channel, commune)
    return Breakdowns(
        summary=replace(_summarise(cells, categories), calls=call_counts(period, narrowed=narrowed)),
        by_field=sorted(
            ((categories[pk][1] if pk in categories else "", found) for pk, found in by_field),
            key=lambda f: (-f[1].received, f[0]),
        ),
        by_unit=_rows_by_unit(cells, root) if root else [],
        by_channel=_grouped(cells, "channel", categories),
        as_of=rollup.freshness(),
    )


def _grouped(cells: list[Cell], dimension: str, categories: dict) -> list[tuple]:
    """(value, summary) of the cells by one dimension, most received first; none received: left out."""
    groups: dict = {}
    for cell in cells:
        groups.setdefault(getattr(cell, dimension), []).append(cell)
    found = [(value, _summarise(group, categories)) for value, group in groups.items()]
    return sorted((f for f in found if f[1].received), key=lambda f: (-f[1].received, str(f[0])))


# --- over time ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Point:
    """One week or month: its first day and the figures counted on its days."""

    start: date
    summary: Summary


def series(
    *, period: Period, interval: str, scope_user=None, unit=None, field=None, channel=None, commune=None
) -> list[Point]:
    """The figures week by week or month by month; each figure on its own date, as in `summary`.

    Months are read from the monthly rollup where it is clean, the rest (weeks, the days at
    either end, months changed since their rollup) from the per-report rows; what comes from
    clean months is kept (`rollup.kept`). `overdue_open` is a figure of now, not of a week, and
    stays 0 here.
    """
    qs = figure_rows(scope_user=scope_user, unit=unit, field=field, channel=channel, commune=commune)
    tallies: dict[date, Tally] = {}
    periods = [period]
    if interval == "month" and commune is None:
        months = _within(MonthFigures.objects.order_by(), reader_scope(scope_user, unit), field)
        if channel:
            months = months.filter(channel=channel)
        parts = rollup.plan(period)
        if parts.months:
            rows = (
                months.filter(month__in=parts.months).values("month").annotate(**{n: Sum(n) for n in STORED})
            )
            found = rollup.kept(
                f"series {parts.months}", parts.months, rows, lambda: {r["month"]: tally(r) for r in rows}
            )
            _add(tallies, found)
        for days in parts.odd_days:
            month = [days.start.replace(day=1)]
            _add(
                tallies,
                rollup.kept(f"series {days}", month, qs, lambda d=days: _by_bucket(qs, [d], interval)),
            )
        periods = parts.raw
    if periods:
        _add(tallies, _by_bucket(qs, periods, interval))
    return [Point(start, _build(t)) for start, t in sorted(tallies.items())]


def _add(tallies: dict[date, Tally], found: dict[date, Tally]) -> None:
    for start, t in found.items():
        tallies.setdefault(start, Tally()).add(t)


def _by_bucket(qs: QuerySet, periods: list[Period], interval: str) -> dict[date, Tally]:
    """The sums of the per-report rows dated in `periods`, by week or month of their own date."""
    dated = {name: within(name, periods) for name in DATED_BY}
    every = measures(*dated.values())
    trunc = INTERVALS[interval]
    zone = timezone.get_current_timezone()
    tallies: dict[date, Tally] = {}
    # Each sum is grouped by its own date: three passes, each over the rows dated in the periods.
    for when, names in DATED_BY.items():
        rows = (
            qs.filter(dated[when])
            .annotate(bucket=trunc(when, tzinfo=zone))
            .values("bucket")
            .annotate(**{name: every[name] for name in names})
        )
        for row in rows:
            tallies.setdefault(_day(row["bucket"]), Tally()).add(tally(row))
    return tallies


def _day(value) -> date:
    if isinstance(value, datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value
