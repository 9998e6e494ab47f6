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

from dataclasses import dataclass, field, fields
from datetime import date, datetime

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth, TruncWeek
from django.utils import timezone
from django.utils.translation import gettext as _

from phananh.core.errors import Forbidden
from phananh.org.access import NoStatistics, acts_for, ioc_root, statistics_unit
from phananh.org.models import Unit
from phananh.reports.models import Category, RatingValue

from .models import STEP_KINDS, ReportFigures, Stage
from .selectors import Period

TOP_FIELDS = 5
INTERVALS = {"week": TruncWeek, "month": TruncMonth}


@dataclass
class Tally:
    """The sums behind every figure; tallies add up (cells into units, units into the province)."""

    received: int = 0
    waiting: int = 0
    in_progress: int = 0
    resolved_received: int = 0  # received in the period and resolved now
    rejected: int = 0
    merged: int = 0
    dispatched: int = 0
    overdue_open: int = 0
    resolved: int = 0
    resolved_late: int = 0
    satisfied: int = 0
    acceptable: int = 0
    unsatisfied: int = 0
    reception_steps: int = 0
    reception_late: int = 0
    reception_hours: float = 0.0
    handling_steps: int = 0
    handling_late: int = 0
    handling_hours: float = 0.0
    approval_steps: int = 0
    approval_late: int = 0
    approval_hours: float = 0.0
    verification_steps: int = 0
    verification_late: int = 0
    verification_hours: float = 0.0

    def add(self, other: Tally) -> Tally:
        for name in TALLY_NAMES:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        return self


TALLY_NAMES = tuple(f.name for f in fields(Tally))


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


def _scope(scope_user, unit: Unit | None) -> Unit | None:
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


def _reports(*, scope_user=None, unit=None, field=None, channel=None, commune=None) -> QuerySet:
    qs = ReportFigures.objects.order_by()
    within = _scope(scope_user, unit)
    if within is not None:
        qs = qs.filter(lead_unit__path__startswith=within.path)
    if field is not None:
        qs = qs.filter(category=field)
    if channel:
        qs = qs.filter(channel=channel)
    if commune is not None:
        qs = qs.filter(commune=commune)
    return qs


def _dated(period: Period) -> tuple[Q, Q, Q]:
    start, end = period.bounds()
    return (
        Q(received_at__gte=start, received_at__lt=end),
        Q(resolved_at__gte=start, resolved_at__lt=end),
        Q(rated_at__gte=start, rated_at__lt=end),
    )


def _measures(received: Q, resolved: Q, rated: Q) -> dict:
    now = timezone.now()
    n = {
        "received": Count("pk", filter=received),
        "waiting": Count("pk", filter=received & Q(stage=Stage.WAITING)),
        "in_progress": Count("pk", filter=received & Q(stage=Stage.IN_PROGRESS)),
        "resolved_received": Count("pk", filter=received & Q(stage=Stage.RESOLVED)),
        "rejected": Count("pk", filter=received & Q(stage=Stage.REJECTED)),
        "merged": Count("pk", filter=received & Q(stage=Stage.MERGED)),
        "dispatched": Count(
            "pk", filter=received & Q(dispatched=True, stage__in=(Stage.IN_PROGRESS, Stage.RESOLVED))
        ),
        "overdue_open": Count("pk", filter=received & Q(open_deadline__lt=now)),
        "resolved": Count("pk", filter=resolved),
        "resolved_late": Count("pk", filter=resolved & Q(late=True)),
    }
    for value in RatingValue.values:
        n[value] = Count("pk", filter=rated & Q(rating=value))
    for kind in STEP_KINDS:
        for part in ("steps", "late", "hours"):
            n[f"{kind}_{part}"] = Sum(f"{kind}_{part}", filter=resolved)
    return n


def _tally(row: dict) -> Tally:
    return Tally(**{name: row.get(name) or 0 for name in TALLY_NAMES})


def _cells(period: Period, qs: QuerySet) -> list[tuple[int | None, int | None, str, Tally]]:
    """(field, lead unit, rejection reason, tally): one GROUP BY, from which every table is summed."""
    received, resolved, rated = _dated(period)
    rows = (
        qs.filter(received | resolved | rated)
        .values("category_id", "lead_unit_id", "rejection_reason")
        .annotate(**_measures(received, resolved, rated))
    )
    return [(r["category_id"], r["lead_unit_id"], r["rejection_reason"], _tally(r)) for r in rows]


def _summarise(cells) -> Summary:
    total, reasons, by_field, units = Tally(), {}, {}, set()
    for category_id, unit_id, reason, t in cells:
        total.add(t)
        if t.rejected:
            reasons[reason] = reasons.get(reason, 0) + t.rejected
        if t.received:
            by_field[category_id] = by_field.get(category_id, 0) + t.received
            if unit_id is not None:
                units.add(unit_id)
    return _build(
        total,
        by_reason=sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0])),
        units=len(units),
        top_fields=_top_fields(by_field),
    )


def _top_fields(by_field: dict[int | None, int]) -> list[FieldCount]:
    ranked = sorted(((n, pk) for pk, n in by_field.items() if pk is not None), key=lambda x: (-x[0], x[1]))
    top = ranked[:TOP_FIELDS]
    known = {
        pk: (code, name)
        for pk, code, name in Category.objects.filter(pk__in=[pk for _n, pk in top]).values_list(
            "pk", "code", "name"
        )
    }
    return [FieldCount(*known[pk], n) for n, pk in top if pk in known]


def summary(*, period: Period, scope_user=None, unit=None, field=None, channel=None, commune=None) -> Summary:
    """The figures of the reports in scope, for `period` (see the module's docstring)."""
    qs = _reports(scope_user=scope_user, unit=unit, field=field, channel=channel, commune=commune)
    return _summarise(_cells(period, qs))


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
    parent = _scope(scope_user, parent) or ioc_root()
    if parent is None:
        return []
    qs = _reports(channel=channel, field=field, commune=commune).filter(
        lead_unit__path__startswith=parent.path
    )
    cells = _cells(period, qs)
    paths = dict(Unit.objects.filter(pk__in={c[1] for c in cells}).values_list("pk", "path"))
    grouped: dict[int, list] = {}
    depth = parent.path.count("/") - 1
    for cell in cells:
        ids = [int(part) for part in paths.get(cell[1], "").strip("/").split("/") if part]
        grouped.setdefault(ids[depth] if len(ids) > depth else parent.pk, []).append(cell)
    units = Unit.objects.filter(pk__in=grouped).only("code", "name", "short_name")
    rows = [
        UnitRow(u.pk, u.code, u.short_name or u.name, u.pk == parent.pk, _summarise(grouped[u.pk]))
        for u in units
    ]
    return sorted(rows, key=lambda r: (-r.summary.received, r.name))


# --- over time ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Point:
    """One week or month: its first day and the figures counted on its days."""

    start: date
    summary: Summary


def series(
    *, period: Period, interval: str, scope_user=None, unit=None, field=None, channel=None, commune=None
) -> list[Point]:
    """The figures week by week or month by month; each figure on its own date, as in `summary`."""
    qs = _reports(scope_user=scope_user, unit=unit, field=field, channel=channel, commune=commune)
    received, resolved, rated = _dated(period)
    measures = _measures(received, resolved, rated)
    trunc = INTERVALS[interval]
    zone = timezone.get_current_timezone()
    tallies: dict[date, Tally] = {}
    # Each figure is grouped by its own date: three passes, each over the rows dated in the period.
    for when, dated in (("received_at", received), ("resolved_at", resolved), ("rated_at", rated)):
        names = _names_dated_by(when)
        rows = (
            qs.filter(dated)
            .annotate(bucket=trunc(when, tzinfo=zone))
            .values("bucket")
            .annotate(**{name: measures[name] for name in names})
        )
        for row in rows:
            start = _day(row["bucket"])
            tallies.setdefault(start, Tally()).add(_tally(row))
    return [Point(start, _build(t)) for start, t in sorted(tallies.items())]


def _names_dated_by(when: str) -> list[str]:
    if when == "received_at":
        return [
            "received",
            "waiting",
            "in_progress",
            "resolved_received",
            "rejected",
            "merged",
            "dispatched",
            "overdue_open",
        ]
    if when == "rated_at":
        return list(RatingValue.values)
    return [
        "resolved",
        "resolved_late",
        *(f"{k}_{p}" for k in STEP_KINDS for p in ("steps", "late", "hours")),
    ]


def _day(value) -> date:
    if isinstance(value, datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value
