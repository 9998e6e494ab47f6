"""Điểm đơn vị: the unit score of the yearly administrative-reform evaluation (chấm điểm CCHC).

Each unit right below the one ranked (the IOC by default) gets five components, each a share
from 0 (worst) to 1 (best), read off its row of `summary.unit_rows` and its returns:

    on_time       resolved on time / resolved                      (Summary.on_time_rate)
    satisfaction  satisfied / ratings given                        (Summary.ratings.satisfied.share)
    returns       1 − returns / (received + returns)               (returns: `returns_by_unit`)
    overdue       1 − overdue now / in progress                    (Summary.overdue_open, in_progress)
    reception     reception steps on time / reception steps        (Summary.steps["reception"])

    score = 100 × Σ weight × component / Σ weight, over the components the unit has figures for

A component without figures (nothing resolved, no rating, nothing open) is left out and the
other weights count for more, so that a unit is neither rewarded nor punished for what did not
happen to it. Administrators set the weights (`ScoreWeights`, from a year on). The definitions
are in `docs/statistics.md`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Count

from phananh.org.access import ioc_root
from phananh.org.models import Unit
from phananh.workflow.models import Event, EventKind

from .models import ScoreWeights
from .selectors import Period
from .summary import Summary, UnitRow, reader_scope, unit_rows

COMPONENTS = ("on_time", "satisfaction", "returns", "overdue", "reception")
QUARTERS = (1, 2, 3, 4)


@dataclass(frozen=True)
class UnitScore:
    """A unit's place in the ranking (None: no figures to score), its score and its parts."""

    rank: int | None
    score: float | None
    components: dict[str, float | None]
    returns: int
    row: UnitRow


def year_period(year: int, quarter: int | None = None) -> Period:
    """The whole year, or one of its quarters (quý)."""
    if quarter is None:
        return Period(date(year, 1, 1), date(year, 12, 31))
    first = date(year, 3 * quarter - 2, 1)
    last = date(year + 1, 1, 1) if quarter == 4 else date(year, 3 * quarter + 1, 1)
    return Period(first, date.fromordinal(last.toordinal() - 1))


def weights_for(year: int) -> ScoreWeights:
    """The weights in force for `year`; the defaults when an administrator set none."""
    found = ScoreWeights.objects.filter(from_year__lte=year).order_by("-from_year").first()
    return found or ScoreWeights(from_year=year)


def returns_by_unit(period: Period, parent: Unit) -> dict[int, int]:
    """Chuyển trả: reports a unit sent back in the period, counted for the unit right below `parent`.

    Not in `summary` (its per-report rows keep no returns); dated by the return itself.
    """
    start, end = period.bounds()
    # The subtree's units first (a few hundred at most): grouping the few "returned" events by
    # their unit id needs no join, and the (kind, time) index finds them among millions of events.
    paths = dict(Unit.objects.filter(path__startswith=parent.path).values_list("pk", "path"))
    rows = (
        Event.objects.filter(
            kind=EventKind.RETURNED, created_at__gte=start, created_at__lt=end, unit_id__in=list(paths)
        )
        .order_by()
        .values("unit_id")
        # Counted on a column of the (kind, time, unit) index: read from the index alone.
        .annotate(n=Count("unit_id"))
    )
    depth = parent.path.count("/") - 1
    counts: dict[int, int] = {}
    for row in rows:
        ids = [int(part) for part in paths[row["unit_id"]].strip("/").split("/")]
        top = ids[depth] if len(ids) > depth else parent.pk
        counts[top] = counts.get(top, 0) + row["n"]
    return counts


def _complement(part: int, whole: int) -> float | None:
    return max(0.0, 1 - part / whole) if whole else None


def components(s: Summary, returns: int) -> dict[str, float | None]:
    return {
        "on_time": s.on_time_rate,
        "satisfaction": s.ratings.satisfied.share,
        "returns": _complement(returns, s.received + returns),
        "overdue": _complement(s.overdue_open, s.in_progress),
        "reception": s.steps["reception"].on_time_rate,
    }


def score(parts: dict[str, float | None], weights: ScoreWeights) -> float | None:
    weighed = [(getattr(weights, name), parts[name]) for name in COMPONENTS if parts[name] is not None]
    total = sum(w for w, _part in weighed)
    if not total:
        return None
    return round(100 * sum(w * part for w, part in weighed) / total, 1)


def ranking(*, period: Period, scope_user=None, parent: Unit | None = None, weights=None) -> list[UnitScore]:
    """The units right below `parent`, best score first; equal scores share a rank (1, 2, 2, 4).

    The weights are those of the year the period starts in, unless given. The parent's own
    reports (its "direct" row) are not a unit of the ranking.
    """
    parent = reader_scope(scope_user, parent) or ioc_root()
    if parent is None:
        return []
    weights = weights or weights_for(period.start.year)
    returned = returns_by_unit(period, parent)
    scored = []
    for row in unit_rows(period=period, parent=parent):
        if row.direct:
            continue
        parts = components(row.summary, returned.get(row.unit_id, 0))
        scored.append((score(parts, weights), parts, returned.get(row.unit_id, 0), row))
    scored.sort(key=lambda s: (s[0] is None, -(s[0] or 0), s[3].name))
    result, rank = [], None
    for place, (value, parts, returns, row) in enumerate(scored, start=1):
        if value is not None and (not result or result[-1].score != value):
            rank = place
        result.append(UnitScore(rank if value is not None else None, value, parts, returns, row))
    return result
