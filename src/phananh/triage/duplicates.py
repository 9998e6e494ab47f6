"""Likely duplicates (có thể trùng): reports about the same problem, by meaning, place and time.

A report's likely duplicates are the reports within `PHANANH_DUPLICATE_RADIUS_M` of it that are
still open, or were resolved within the last `PHANANH_DUPLICATE_DAYS` days, ranked by one score:

    score = 0.55 × text + 0.25 × nearness + 0.15 × recency + 0.05 × same field

- text: how alike the two descriptions are (`similarity`: folded, shorthand expanded), 0 to 1;
- nearness: 1 at the same place, 0 at the edge of the radius;
- recency: 1 when sent at the same moment, 0 `PHANANH_DUPLICATE_DAYS` apart or more (for a
  resolved report, counted from its resolution);
- same field: a bonus, not a filter, since the field of a new report is often not set yet or
  set wrongly by the reporter.

Distance alone (FixMyStreet's 250 m) puts a rubbish heap 50 m away above the same broken street
light 200 m away; the text weighs most so that the same problem in other words comes first.
The candidates are read by a box around the circle on the indexed latitude and longitude, so a
question reads the few reports around the place, however many the province has.

The back office shows them at reception (`candidates_for`), the intake form ranks the
published reports it may show by the same score (`rank`), and `evaluate_duplicates` measures
how often a merged report's original is among the first five.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from phananh.core.geo import distance_m
from phananh.reports.models import Report
from phananh.reports.statuses import OPEN_STATUSES, Status

from .similarity import cosine, features

TEXT_WEIGHT = 0.55
NEAR_WEIGHT = 0.25
RECENT_WEIGHT = 0.15
FIELD_WEIGHT = 0.05
# At most this many reports are read around one place: a crowded square in a storm.
MAX_CANDIDATES = 300
# Same as portal.nearby: a degree of latitude is at least 110.57 km, so the box covers the circle.
_METRES_PER_DEGREE = 110_000


@dataclass(frozen=True)
class Candidate:
    """A report that may be about the same problem, with how it scored."""

    report: Report
    score: float
    text: float  # similarity of the texts, 0 to 1
    distance_m: float | None  # None when either report has no place


@dataclass(frozen=True)
class Query:
    """What is known of the report being checked: its text, place, field and moment."""

    text: str
    latitude: float | None
    longitude: float | None
    category_id: int | None
    moment: datetime


def radius_m() -> float:
    return float(settings.PHANANH_DUPLICATE_RADIUS_M)


def window() -> timedelta:
    return timedelta(days=settings.PHANANH_DUPLICATE_DAYS)


def report_text(report: Report) -> str:
    return f"{report.title} {report.description}"


def exact_place(report: Report) -> tuple[float, float] | None:
    if report.latitude is None or report.longitude is None:
        return None
    return float(report.latitude), float(report.longitude)


def score(query: Query, report: Report, text: float, place, radius: float, days: timedelta) -> Candidate:
    """One candidate's score against the query (see the module's docstring); `place` is where the
    candidate is taken to be (its exact place for staff, its public place for the public)."""
    distance = None
    near = 0.0
    if query.latitude is not None and query.longitude is not None and place is not None:
        distance = distance_m(query.latitude, query.longitude, place[0], place[1])
        near = max(0.0, 1 - distance / radius) if radius > 0 else 0.0
    ended = report.status not in OPEN_STATUSES and report.resolved_at
    since = report.resolved_at if ended else report.created_at
    apart = abs((query.moment - since).total_seconds())
    recent = max(0.0, 1 - apart / days.total_seconds()) if days.total_seconds() > 0 else 0.0
    same_field = 1.0 if query.category_id and query.category_id == report.category_id else 0.0
    total = TEXT_WEIGHT * text + NEAR_WEIGHT * near + RECENT_WEIGHT * recent + FIELD_WEIGHT * same_field
    return Candidate(report=report, score=round(total, 4), text=round(text, 4), distance_m=distance)


def _order(candidate: Candidate):
    distance = candidate.distance_m if candidate.distance_m is not None else math.inf
    return (-candidate.score, distance, -candidate.report.created_at.timestamp())


def rank(
    query: Query,
    reports: Iterable[Report],
    *,
    text_of=report_text,
    place_of=exact_place,
    radius: float | None = None,
) -> list[Candidate]:
    """`reports` scored against `query`, best first (then nearest, then newest).

    `text_of` and `place_of` say which text and place of a candidate count: the public copy and
    the rounded place on the public side; `radius` is where nearness reaches 0.
    """
    asked = features(query.text)
    radius = radius_m() if radius is None else radius
    days = window()
    return sorted(
        (score(query, r, cosine(asked, features(text_of(r))), place_of(r), radius, days) for r in reports),
        key=_order,
    )


def in_box(reports: QuerySet[Report], latitude: float, longitude: float, radius: float) -> QuerySet[Report]:
    """The reports inside a box around the circle, by ranges on the indexed latitude and longitude.

    The index is (is_public, latitude, longitude): naming its three values lets each be read as a
    range of that index rather than a scan of the table.
    """
    half_lat = radius / _METRES_PER_DEGREE
    half_lon = radius / (_METRES_PER_DEGREE * max(math.cos(math.radians(latitude)), 0.01))
    return reports.filter(
        Q(is_public=True) | Q(is_public=False) | Q(is_public__isnull=True),
        latitude__gte=_decimal(latitude - half_lat),
        latitude__lte=_decimal(latitude + half_lat),
        longitude__gte=_decimal(longitude - half_lon),
        longitude__lte=_decimal(longitude + half_lon),
    )


def still_relevant(reports: QuerySet[Report], now: datetime) -> QuerySet[Report]:
    """Open reports, and those resolved within the window: a report can be merged into either."""
    return reports.filter(
        Q(status__in=OPEN_STATUSES) | Q(status=Status.RESOLVED, resolved_at__gte=now - window())
    )


def candidates_for(report: Report, *, limit: int = 5, now: datetime | None = None) -> list[Candidate]:
    """The likely duplicates of `report` among all reports, best first: what the IOC sees at reception.

    Staff see every report's own text, so the original descriptions are compared. A report
    without a place is compared with the recent reports of its commune, by text and time.
    """
    now = now or timezone.now()
    pool = still_relevant(Report.objects.exclude(pk=report.pk), now).filter(merged_into__isnull=True)
    if report.latitude is not None and report.longitude is not None:
        pool = in_box(pool, float(report.latitude), float(report.longitude), radius_m())
    elif report.commune_id:
        pool = pool.filter(commune_id=report.commune_id, created_at__gte=now - window())
    else:
        return []
    reports = list(pool.select_related("category").order_by("-created_at")[:MAX_CANDIDATES])
    query = Query(
        text=report_text(report),
        latitude=float(report.latitude) if report.latitude is not None else None,
        longitude=float(report.longitude) if report.longitude is not None else None,
        category_id=report.category_id,
        moment=report.created_at,
    )
    radius = radius_m()
    found = [c for c in rank(query, reports, radius=radius) if c.distance_m is None or c.distance_m <= radius]
    return found[:limit]


def evaluate_duplicates(reports_before, reports_after, *, k: int = 5) -> dict:
    """Duplicate recall at `k`: for each merged report of `reports_after`, whether its original is
    among the first `k` candidates found among the reports sent before it.

    The candidates are taken as they stood when the duplicate was sent: reports of either set
    received before it, still open or resolved within the window then, within the radius; the
    merged report is described by its own text, place and field.
    """
    reports_before, reports_after = _slim(reports_before), list(_slim(reports_after))
    pool = {r.pk: r for r in [*reports_before, *reports_after]}
    radius, days = radius_m(), window()
    # A grid of cells larger than the radius: a report's candidates are in its cell and the 8 around.
    cell = max(radius / _METRES_PER_DEGREE, 0.001)
    grid: dict[tuple[int, int], list[Report]] = defaultdict(list)
    for r in pool.values():
        if r.latitude is not None and r.longitude is not None:
            grid[(int(float(r.latitude) // cell), int(float(r.longitude) // cell))].append(r)
    cache: dict[int, object] = {}

    def features_of(r: Report):
        if r.pk not in cache:
            cache[r.pk] = features(report_text(r))
        return cache[r.pk]

    queries = found = found_first = 0
    for dup in reports_after:
        original = pool.get(dup.merged_into_id)
        if original is None or dup.latitude is None or dup.longitude is None:
            continue
        queries += 1
        lat, lon = float(dup.latitude), float(dup.longitude)
        y, x = int(lat // cell), int(lon // cell)
        nearby = [
            r
            for dy in (-1, 0, 1)
            for dx in (-1, 0, 1)
            for r in grid.get((y + dy, x + dx), ())
            if r.pk != dup.pk
            and r.created_at <= dup.created_at
            and (r.resolved_at is None or r.resolved_at >= dup.created_at - days)
        ]
        query = Query(report_text(dup), lat, lon, dup.category_id, dup.created_at)
        asked = features_of(dup)
        scored = (
            score(query, r, cosine(asked, features_of(r)), exact_place(r), radius, days) for r in nearby
        )
        within = sorted(
            (c for c in scored if c.distance_m is not None and c.distance_m <= radius), key=_order
        )
        top = [c.report.pk for c in within[:k]]
        found += original.pk in top
        found_first += bool(top) and top[0] == original.pk
    return {
        "recall_at_5" if k == 5 else f"recall_at_{k}": found / queries if queries else 0.0,
        "recall_at_1": found_first / queries if queries else 0.0,
        "queries": queries,
    }


# What the measure reads of a report: a queryset is read with these columns only.
_MEASURED = (
    "id", "title", "description", "latitude", "longitude", "category_id", "created_at",
    "resolved_at", "status", "merged_into_id",
)  # fmt: skip


def _slim(reports):
    return reports.only(*_MEASURED).iterator(chunk_size=2000) if isinstance(reports, QuerySet) else reports


def _decimal(value: float) -> Decimal:
    return Decimal(f"{value:.6f}")
