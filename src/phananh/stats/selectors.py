"""Public statistics (thống kê): counts of reports, never who sent them or what they said.

Every figure is about the reports *received* in a period (by their submission time, in the
deployment's time zone), as they stand now: of the reports received this year, how many were
accepted, rejected and why, are still being handled, were resolved on time or late, and how
their reporters rated the result. The same report is therefore counted in the same period on
every page, and the parts of "received" add up to it (waiting + rejected + merged + in progress +
resolved).

A resolved report is late when any step of its handling (reception, handling, approval,
verification) finished after its deadline; extensions granted move the deadline, so a report
is late only against the time it was given (SPEC §4.6, §5).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.fields.json import KT
from django.utils import timezone
from django.utils.translation import gettext as _

from phananh.org.models import Unit
from phananh.reports.models import Category, Rating, RatingValue, Report
from phananh.reports.statuses import Status
from phananh.workflow.models import Event, EventKind, RejectionReason, Step

S = Status

# Accepted by the IOC and not finished: at the IOC for dispatch, at a unit, or waiting for a
# result to be approved or verified.
IN_PROGRESS_STATUSES = frozenset(
    {S.ACCEPTED, S.DISPATCHED, S.IN_PROGRESS, S.RETURNED, S.RESULT_SUBMITTED, S.RESULT_APPROVED}
)
# The IOC verified the result (a closed report was resolved first).
RESOLVED_STATUSES = frozenset({S.RESOLVED, S.CLOSED})

# A report waiting for the reporter's information is counted where it stood when it was asked:
# before acceptance it is still waiting for reception, after it it is in progress.
_WAITING = Q(status=S.SUBMITTED) | Q(status=S.INFO_REQUESTED, paused_status=S.SUBMITTED)
_IN_PROGRESS = Q(status__in=IN_PROGRESS_STATUSES) | (
    Q(status=S.INFO_REQUESTED) & ~Q(paused_status=S.SUBMITTED)
)
_RESOLVED = Q(status__in=RESOLVED_STATUSES)


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


@dataclass(frozen=True)
class Counts:
    """Reports received, and where they stand now."""

    received: int = 0
    waiting: int = 0
    accepted: int = 0
    dispatched: int = 0
    rejected: int = 0
    merged: int = 0
    in_progress: int = 0
    resolved: int = 0
    resolved_late: int = 0

    @property
    def resolved_on_time(self) -> int:
        return self.resolved - self.resolved_late

    @property
    def on_time_rate(self) -> float | None:
        """Share of the resolved reports resolved on time, 0 to 1; None when none was resolved."""
        return self.resolved_on_time / self.resolved if self.resolved else None

    def __add__(self, other: Counts) -> Counts:
        return Counts(**{name: getattr(self, name) + getattr(other, name) for name in _COUNT_NAMES})


_COUNT_NAMES = tuple(Counts.__dataclass_fields__)


@dataclass(frozen=True)
class Satisfaction:
    """The reporters' latest rating of each report: hài lòng, chấp nhận, không hài lòng."""

    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def share(self, value: str) -> float | None:
        return self.counts.get(value, 0) / self.total if self.total else None

    def rows(self) -> list[tuple[str, str, int, float | None]]:
        """(value, label, count, share) for each rating value, in the order of the scale."""
        return [(v, str(label), self.counts.get(v, 0), self.share(v)) for v, label in RatingValue.choices]


@dataclass(frozen=True)
class Row:
    """One line of a breakdown: a field or a unit and its counts."""

    label: str
    counts: Counts


@dataclass(frozen=True)
class Figures:
    period: Period
    counts: Counts
    satisfaction: Satisfaction
    rejected_by_reason: list[tuple[str, int]]
    by_field: list[Row]
    by_unit: list[Row]


def received_in(period: Period) -> QuerySet[Report]:
    start, end = period.bounds()
    return Report.objects.filter(created_at__gte=start, created_at__lt=end)


def _aggregates(period: Period, names: tuple[str, ...] = _COUNT_NAMES) -> dict:
    start, _end = period.bounds()
    # Uncorrelated subqueries, run once per query (a hashed set on PostgreSQL) rather than once
    # per report, and bounded on indexed times: whatever happened to a report received in the
    # period happened after the period began.
    late = Q(pk__in=Step.objects.filter(on_time=False, finished_at__gte=start).values("report_id"))
    accepted = Q(
        pk__in=Event.objects.filter(kind=EventKind.ACCEPTED, created_at__gte=start).values("report_id")
    )
    dispatched = Q(
        pk__in=Event.objects.filter(kind=EventKind.DISPATCHED, created_at__gte=start).values("report_id")
    )
    everything = {
        "received": Count("pk"),
        "waiting": Count("pk", filter=_WAITING),
        "accepted": Count("pk", filter=accepted),
        "dispatched": Count("pk", filter=dispatched),
        "rejected": Count("pk", filter=Q(status=S.REJECTED)),
        "merged": Count("pk", filter=Q(status=S.MERGED)),
        "in_progress": Count("pk", filter=_IN_PROGRESS),
        "resolved": Count("pk", filter=_RESOLVED),
        "resolved_late": Count("pk", filter=_RESOLVED & late),
    }
    return {name: everything[name] for name in names}


def counts(period: Period, names: tuple[str, ...] = _COUNT_NAMES) -> Counts:
    """The counts of the period; with `names`, only those (the others stay 0), for a cheaper query."""
    return Counts(**received_in(period).order_by().aggregate(**_aggregates(period, names)))


def _cells(period: Period) -> dict[tuple[int | None, int | None], Counts]:
    """The period's counts for each (field, lead unit): one query, from which every table is summed."""
    rows = (
        received_in(period).order_by().values("category_id", "lead_unit_id").annotate(**_aggregates(period))
    )
    return {(row.pop("category_id"), row.pop("lead_unit_id")): Counts(**row) for row in rows}


def _summed(cells: dict, key) -> dict:
    totals: dict = {}
    for cell, cell_counts in cells.items():
        group = key(cell)
        totals[group] = totals.get(group, Counts()) + cell_counts
    return totals


def satisfaction(period: Period) -> Satisfaction:
    """The latest rating of each report received in `period` (a report rated twice counts once)."""
    start, end = period.bounds()
    later = Rating.objects.filter(report=OuterRef("report"), closure__gt=OuterRef("closure"))
    rows = (
        # From the ratings to their reports (a join), not the other way: ratings are the few.
        Rating.objects.filter(report__created_at__gte=start, report__created_at__lt=end)
        .filter(~Exists(later))
        .order_by()
        .values("value")
        .annotate(n=Count("pk"))
    )
    return Satisfaction({row["value"]: row["n"] for row in rows})


def rejected_by_reason(period: Period) -> list[tuple[str, int]]:
    """(reason's name, count) of the rejected reports, by the reason of their latest rejection."""
    reason = Subquery(
        Event.objects.filter(report=OuterRef("pk"), kind=EventKind.REJECTED)
        .order_by("-created_at", "-id")
        .annotate(reason=KT("data__reason"))
        .values("reason")[:1]
    )
    rows = (
        received_in(period)
        .filter(status=S.REJECTED)
        .order_by()
        .annotate(reason=reason)
        .values("reason")
        .annotate(n=Count("pk"))
    )
    names = dict(RejectionReason.objects.values_list("code", "name"))
    totals: dict[str, int] = {}
    for row in rows:
        label = names.get(row["reason"]) or row["reason"] or _("Other")
        totals[label] = totals.get(label, 0) + row["n"]
    return sorted(totals.items(), key=lambda item: (-item[1], item[0]))


def by_field(cells: dict) -> list[Row]:
    grouped = _summed(cells, lambda cell: cell[0])
    names = dict(Category.objects.filter(pk__in=[pk for pk in grouped if pk]).values_list("pk", "name"))
    rows = [Row(names.get(pk) or _("Not classified yet"), c) for pk, c in grouped.items()]
    return sorted(rows, key=lambda row: (-row.counts.received, row.label))


def by_unit(cells: dict) -> list[Row]:
    """Reports by the unit leading them, counted under the unit right below the IOC.

    A department's divisions and a commune's offices add up to the department or commune that
    answers for them; a report not dispatched to a unit (waiting, rejected) is in no row.
    """
    grouped = _summed({cell: c for cell, c in cells.items() if cell[1] is not None}, lambda cell: cell[1])
    paths = dict(Unit.objects.filter(pk__in=grouped).values_list("pk", "path"))
    totals: dict[int, Counts] = {}
    for pk, unit_counts in grouped.items():
        ids = [int(part) for part in paths.get(pk, "").strip("/").split("/") if part]
        top = ids[1] if len(ids) > 1 else pk
        totals[top] = totals.get(top, Counts()) + unit_counts
    units = Unit.objects.filter(pk__in=totals).only("name", "short_name")
    rows = [Row(unit.short_name or unit.name, totals[unit.pk]) for unit in units]
    return sorted(rows, key=lambda row: (-row.counts.received, row.label))


def public_figures(period: Period) -> Figures:
    """Everything the public statistics page shows, for reports received in `period`."""
    cells = _cells(period)
    return Figures(
        period=period,
        counts=sum(cells.values(), Counts()),
        satisfaction=satisfaction(period),
        rejected_by_reason=rejected_by_reason(period),
        by_field=by_field(cells),
        by_unit=by_unit(cells),
    )


HEADLINE = ("received", "resolved", "resolved_late")


def headline(period: Period) -> tuple[Counts, Satisfaction]:
    """The home page's counters: received, resolved (on time or late), and the ratings."""
    return counts(period, HEADLINE), satisfaction(period)
