"""The sums behind every figure, and how they are read off the per-report rows.

A `Tally` holds the sums of one cell (field × lead unit × rejection reason × channel); cells add up into
units, units into the province. Each sum is dated by its own moment: the received ones by the
submission, the resolved ones by the verification of the result, the ratings by their giving.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import NamedTuple

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from phananh.reports.models import RatingValue

from .models import STEP_KINDS, Stage
from .periods import Period

# The dimensions of a cell, and of the monthly rollup.
DIMENSIONS = ("category_id", "lead_unit_id", "rejection_reason", "channel")


@dataclass
class Tally:
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
# Which moment dates each sum; `overdue_open` depends on the clock and is never stored.
RECEIVED = ("received", "waiting", "in_progress", "resolved_received", "rejected", "merged", "dispatched")
RESOLVED = (
    "resolved",
    "resolved_late",
    *(f"{k}_{p}" for k in STEP_KINDS for p in ("steps", "late", "hours")),
)
RATED = tuple(RatingValue.values)
STORED = (*RECEIVED, *RESOLVED, *RATED)
DATED_BY = {"received_at": RECEIVED, "resolved_at": RESOLVED, "rated_at": RATED}


class Cell(NamedTuple):
    """The sums of the reports of one field, lead unit, rejection reason and channel.

    `values` holds the sums in the order of `Tally`'s fields: thousands of cells are added up
    per answer, and plain tuples add up several times faster than objects.
    """

    category_id: int | None
    lead_unit_id: int | None
    reason: str
    channel: str
    values: tuple

    @classmethod
    def of(cls, row: dict, values: tuple | None = None) -> Cell:
        """The cell of a grouped row; its sums are the row's own unless `values` are given."""
        if values is None:
            values = tuple(row.get(name) or 0 for name in TALLY_NAMES)
        return cls(*(row[name] for name in DIMENSIONS), values)

    @property
    def tally(self) -> Tally:
        return Tally(*self.values)

    @staticmethod
    def total(cells: list[Cell]) -> Tally:
        """The sum of the cells, column by column."""
        if not cells:
            return Tally()
        return Tally(*map(sum, zip(*[cell.values for cell in cells], strict=True)))


def within(name: str, periods: list[Period]) -> Q:
    q = Q(pk__in=[])
    for period in periods:
        start, end = period.bounds()
        q |= Q(**{f"{name}__gte": start, f"{name}__lt": end})
    return q


# Each counted figure: the moment that dates it, and which per-report rows it counts. The sums
# below and the lists behind the dashboard's figures (`stats.behind`) both read this one table.
COUNTED: dict[str, tuple[str, Q]] = {
    "received": ("received_at", Q()),
    "waiting": ("received_at", Q(stage=Stage.WAITING)),
    "in_progress": ("received_at", Q(stage=Stage.IN_PROGRESS)),
    "resolved_received": ("received_at", Q(stage=Stage.RESOLVED)),
    "rejected": ("received_at", Q(stage=Stage.REJECTED)),
    "merged": ("received_at", Q(stage=Stage.MERGED)),
    "dispatched": ("received_at", Q(dispatched=True, stage__in=(Stage.IN_PROGRESS, Stage.RESOLVED))),
    "resolved": ("resolved_at", Q()),
    "resolved_late": ("resolved_at", Q(late=True)),
    **{value: ("rated_at", Q(rating=value)) for value in RatingValue.values},
}


def measures(received: Q, resolved: Q, rated: Q) -> dict:
    """The aggregate of every stored sum over per-report rows, each under its own date."""
    dated = {"received_at": received, "resolved_at": resolved, "rated_at": rated}
    n = {name: Count("pk", filter=dated[moment] & rows) for name, (moment, rows) in COUNTED.items()}
    for kind in STEP_KINDS:
        for part in ("steps", "late", "hours"):
            n[f"{kind}_{part}"] = Sum(f"{kind}_{part}", filter=resolved)
    return n


def tally(row: dict) -> Tally:
    return Tally(**{name: row.get(name) or 0 for name in TALLY_NAMES})


def grouped_rows(qs: QuerySet) -> list[dict]:
    """The rows of a `values(...).annotate(...)` query, read without Django's per-value converters.

    Every column here is a key, a count or a sum that the database driver already gives as the
    Python value it is; at ten thousand cells of twenty-five sums, the converters were half of
    an answer's time.
    """
    from django.db import connections

    query = qs.query
    columns = [*query.values_select, *query.annotation_select]
    sql, params = query.get_compiler(using=qs.db).as_sql()
    with connections[qs.db].cursor() as cursor:
        cursor.execute(sql, params)
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def fact_cells(qs: QuerySet, periods: list[Period]) -> list[Cell]:
    """Cells summed from the per-report rows dated in `periods` (one GROUP BY)."""
    if not periods:
        return []
    received, resolved, rated = (within(name, periods) for name in DATED_BY)
    rows = (
        qs.filter(received | resolved | rated)
        .values(*DIMENSIONS)
        .annotate(**measures(received, resolved, rated))
    )
    return [Cell.of(r) for r in grouped_rows(rows)]


def overdue_cells(qs: QuerySet, periods: list[Period]) -> list[Cell]:
    """Open reports received in `periods` whose running step is past its deadline now."""
    rows = (
        qs.filter(within("received_at", periods), open_deadline__lt=timezone.now())
        .values(*DIMENSIONS)
        .annotate(n=Count("pk"))
    )
    return [Cell.of(r, tuple(Tally(overdue_open=r["n"]).__dict__.values())) for r in rows]


# Where two sums sit in `Cell.values`.
RECEIVED_AT, REJECTED_AT = TALLY_NAMES.index("received"), TALLY_NAMES.index("rejected")
