"""Reads for the public side: what the IOC published, where it is, and its photos.

Only reports the IOC published (`is_public=True`) ever leave here, and only what the public may
see of them: never the reporter's name, phone or email, never a staff note, and places rounded
to 0.001° (about 100 m). The rounding holds for every way of asking: a bounding box or a map
cell selects reports by their *rounded* place, so that narrowing a box around one report finds
out nothing finer than what its page shows.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal, InvalidOperation

from django.db import connections
from django.db.models import F, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from phananh.core.errors import ValidationFailed
from phananh.reports.codes import normalise_tracking_code
from phananh.reports.models import Attachment, AttachmentKind, Category, Rating, Report
from phananh.reports.search import Tier, has_words, matching, score_tiers, search
from phananh.reports.statuses import Status, colour
from phananh.stats.selectors import Period
from phananh.workflow.actions import ACTIONS
from phananh.workflow.models import Event, EventKind
from phananh.workflow.public import PublicStep, public_timeline
from phananh.workflow.selectors import current_rating

from .models import GRID_LEVELS, MapCell
from .pagination import Ordering

# What the public sees of a place: 0.001° is about 110 m north–south, 100 m east–west here.
PRECISION = Decimal("0.001")
_HALF = PRECISION / 2
# Statuses a published report can be in: those from which the IOC may publish it.
PUBLISHED_STATUSES = tuple(s for s in Status.values if s in ACTIONS["publish"].from_statuses)


def published() -> QuerySet[Report]:
    return Report.objects.filter(is_public=True)


def public_coordinate(value) -> float | None:
    """A latitude or longitude as the public sees it: rounded half up to 0.001°."""
    if value is None:
        return None
    # Through str(): a float average such as 21.8465 is the decimal the database meant.
    return float(Decimal(str(value)).quantize(PRECISION, ROUND_HALF_UP))


# What the public reads of a report is its public copy (`workflow.publishing`), never what the
# reporter wrote: the IOC has taken the personal data out of the copy.
def display_title(report: Report) -> str:
    return report.public_title or Truncator(" ".join(report.public_description.split())).chars(80)


def excerpt(report: Report, length: int = 160) -> str:
    return Truncator(" ".join(report.public_description.split())).chars(length)


# --- Filters ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class BBox:
    """A bounding box west, south, east, north in degrees (WGS84)."""

    west: Decimal
    south: Decimal
    east: Decimal
    north: Decimal

    @property
    def span(self) -> Decimal:
        return max(self.east - self.west, self.north - self.south)


def _invalid(name: str, code: str, message: str) -> ValidationFailed:
    return ValidationFailed(code, message, fields={name: [message]})


_NUMBER = r"[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?"
# Four numbers separated by commas, as the API's OpenAPI states it (ASCII digits, no spaces).
BBOX_PATTERN = rf"^{_NUMBER},{_NUMBER},{_NUMBER},{_NUMBER}$"


def parse_bbox(raw: str | None, name: str = "bbox") -> BBox:
    """`w,s,e,n` as Leaflet's `getBounds().toBBoxString()` gives it; clamped to the globe."""
    message = _("Give four numbers: west, south, east, north.")
    if not re.fullmatch(BBOX_PATTERN, raw or ""):
        raise _invalid(name, "invalid_bbox", message)
    parts = raw.split(",")
    try:
        west, south, east, north = (Decimal(part.strip()) for part in parts)
    except InvalidOperation as exc:
        raise _invalid(name, "invalid_bbox", message) from exc
    if not all(v.is_finite() for v in (west, south, east, north)):
        raise _invalid(name, "invalid_bbox", message)
    # A map panned past the antimeridian asks for longitudes beyond ±180: nothing is there.
    west, east = (min(max(v, Decimal(-180)), Decimal(180)) for v in (west, east))
    south, north = (min(max(v, Decimal(-90)), Decimal(90)) for v in (south, north))
    if west > east or south > north:
        raise _invalid(name, "invalid_bbox", _("West must not be east of east, nor south north of north."))
    return BBox(west, south, east, north)


def in_bbox(reports: QuerySet[Report], bbox: BBox) -> QuerySet[Report]:
    """The reports whose rounded place is inside the box.

    With half-up rounding to 0.001°, round(x) ≥ S ⇔ x ≥ S − 0.0005 and round(x) ≤ N ⇔ x < N + 0.0005,
    for S and N on the 0.001 grid: still plain ranges on the indexed columns.
    """
    south = bbox.south.quantize(PRECISION, ROUND_CEILING) - _HALF
    north = bbox.north.quantize(PRECISION, ROUND_FLOOR) + _HALF
    west = bbox.west.quantize(PRECISION, ROUND_CEILING) - _HALF
    east = bbox.east.quantize(PRECISION, ROUND_FLOOR) + _HALF
    return reports.filter(latitude__gte=south, latitude__lt=north, longitude__gte=west, longitude__lt=east)


@dataclass(frozen=True)
class Filters:
    """What the public list, the map and the public API can narrow the published reports by."""

    field: str = ""  # category code
    commune: int | None = None  # unit id
    status: str = ""
    start: date | None = None  # received on or after
    end: date | None = None  # received on or before
    text: str = ""
    bbox: BBox | None = None


def category_by_code(code: str) -> Category | None:
    return Category.objects.filter(code=code).first() if code else None


def _filtered(filters: Filters) -> QuerySet[Report]:
    reports = published().select_related("category", "commune")
    if filters.field:
        reports = reports.filter(category__code=filters.field)
    if filters.commune:
        reports = reports.filter(commune_id=filters.commune)
    if filters.status:
        reports = reports.filter(status=filters.status)
    if filters.start:
        reports = reports.filter(created_at__gte=Period(filters.start, filters.start).bounds()[0])
    if filters.end:
        reports = reports.filter(created_at__lt=Period(filters.end, filters.end).bounds()[1])
    if filters.bbox:
        reports = in_bbox(reports, filters.bbox)
    return reports


def published_reports(filters: Filters | None = None) -> QuerySet[Report]:
    """Published reports matching `filters`: best matches first when searching, else newest published."""
    filters = filters or Filters()
    reports = _filtered(filters)
    if has_words(filters.text):
        return search(reports, filters.text)
    return reports.order_by("-published_at", "-id")


def published_matches(filters: Filters) -> QuerySet[Report]:
    """The published reports matching `filters`, unordered: what a list counts."""
    return matching(_filtered(filters), filters.text)


def published_ordering(filters: Filters) -> Ordering:
    """The order of `published_reports` for keyset pages: newest published, or by search score.

    On PostgreSQL a search is read a score at a time, each newest received first (the order of
    `search`), so that a common word stops after a page along an index; elsewhere in one query.
    """
    reports = _filtered(filters)
    if has_words(filters.text) and connections[reports.db].vendor != "postgresql":
        # Without a trigram index each tier would read the whole table again: one query instead.
        return Ordering(
            "s", "created_at", [Tier(0, search(reports, filters.text))], score_field="search_score"
        )
    tiers = score_tiers(reports, filters.text)
    if tiers:
        return Ordering("s", "created_at", tiers)
    return Ordering("p", "published_at", [Tier(0, reports.order_by("-published_at", "-id"))])


# --- Photos -----------------------------------------------------------------------------------


def public_photos() -> QuerySet[Attachment]:
    """Photos the public may see: the reporter's "before" photos and the accepted result's "after" ones.

    "Before" are the photos sent with the report (its submission event); "after" those of the
    latest result the unit submitted (an earlier result sent back for rework is not the result).
    Of those, only the ones the IOC published, which have a public copy (blacked out where the
    operator covered something); the public is served that copy, never the original. Photos
    added later by the reporter and every document stay private: a document is often an
    official letter naming the reporter, and the IOC redacts only text and photos before
    publishing.
    """
    latest_result = (
        Event.objects.filter(report=OuterRef("report"), kind=EventKind.RESULT_SUBMITTED)
        .order_by("-created_at", "-id")
        .values("pk")[:1]
    )
    return (
        Attachment.objects.filter(report__is_public=True, kind=AttachmentKind.PHOTO)
        .exclude(public_file="")
        .filter(Q(event__kind=EventKind.SUBMITTED) | Q(event=Subquery(latest_result)))
        .select_related("event")
        .order_by("id")
    )


def public_photo(tracking_code: str, attachment_id: int) -> Attachment | None:
    code = normalise_tracking_code(tracking_code)
    if code is None:
        return None
    return (
        public_photos().filter(pk=attachment_id, report__tracking_code=code).select_related("report").first()
    )


def is_after(photo: Attachment) -> bool:
    return photo.event is not None and photo.event.kind == EventKind.RESULT_SUBMITTED


def card_photos(report_ids) -> dict[int, Attachment]:
    """One photo for each report's card: the first "after" photo, else the first "before" one."""
    chosen: dict[int, Attachment] = {}
    for photo in public_photos().filter(report_id__in=list(report_ids)):
        current = chosen.get(photo.report_id)
        if current is None or (is_after(photo) and not is_after(current)):
            chosen[photo.report_id] = photo
    return chosen


def with_card_photos(reports) -> list[Report]:
    """The reports as a list, each with `card_photo` (an Attachment or None), `card_title` (from
    the public copy) and `status_colour`."""
    reports = list(reports)
    photos = card_photos(r.pk for r in reports)
    for report in reports:
        report.card_photo = photos.get(report.pk)
        report.card_title = display_title(report)
        report.status_colour = colour(report.status)
    return reports


# --- One published report ---------------------------------------------------------------------


@dataclass(frozen=True)
class PublicReport:
    report: Report
    # The public copy's texts: never the report's own fields.
    title: str
    description: str
    address: str
    latitude: float | None
    longitude: float | None
    before: list[Attachment]
    after: list[Attachment]
    result: str
    unit_name: str
    on_time: bool | None  # None until resolved
    rating: Rating | None
    timeline: list[PublicStep]


def published_report(tracking_code: str) -> Report | None:
    code = normalise_tracking_code(tracking_code)
    if code is None:
        return None
    return published().select_related("category", "commune", "lead_unit").filter(tracking_code=code).first()


def public_detail(report: Report) -> PublicReport:
    photos = list(public_photos().filter(report=report))
    late = report.steps.filter(on_time=False).exists()
    lead = report.lead_unit
    return PublicReport(
        report=report,
        title=display_title(report),
        description=report.public_description,
        address=report.public_address,
        latitude=public_coordinate(report.latitude),
        longitude=public_coordinate(report.longitude),
        before=[p for p in photos if not is_after(p)],
        after=[p for p in photos if is_after(p)],
        result=report.public_result,
        unit_name=(lead.short_name or lead.name) if lead else "",
        on_time=(not late) if report.resolved_at else None,
        rating=current_rating(report),
        timeline=public_timeline(report),
    )


# --- The map: clusters on a grid -----------------------------------------------------------------

# A cluster covers about this many screen pixels across (Leaflet's tiles are 256 px).
CELL_PIXELS = 80
# Whatever the zoom, a box is cut into at most this many cells across: the answer stays small
# even when a client asks for the whole country at street zoom.
MAX_CELLS_ACROSS = 64
MAX_ZOOM = 20


@dataclass(frozen=True)
class Cluster:
    latitude: float
    longitude: float
    count: int
    # The report, when the cluster is a single one.
    tracking_code: str = ""
    category_id: int | None = None


@dataclass(frozen=True)
class ClusterMap:
    zoom: int
    cell: Decimal  # degrees
    clusters: list[Cluster]

    @property
    def total(self) -> int:
        return sum(c.count for c in self.clusters)

    @property
    def finest(self) -> bool:
        """Cells of 0.001°: each cluster is one rounded place, which no zoom can split."""
        return self.cell == PRECISION


def cell_thousandths(zoom: int, bbox: BBox) -> int:
    """The grid's cell side, in thousandths of a degree: about CELL_PIXELS at this zoom."""
    degrees = 360 / 2**zoom * CELL_PIXELS / 256
    size = max(1, round(degrees * 1000))
    widest = math.ceil(float(bbox.span) * 1000 / MAX_CELLS_ACROSS)
    return max(size, widest)


def grid_level(thousandths: int) -> int:
    """The grid level that serves cells of this size: the same, or the next coarser one."""
    return next((size for size in GRID_LEVELS if size >= thousandths), GRID_LEVELS[-1])


def _thousandths(value: Decimal, offset: int, rounding: str) -> int:
    return int((value * 1000).to_integral_value(rounding)) + offset * 1000


@dataclass
class _Sums:
    reports: int = 0
    latitude: int = 0
    longitude: int = 0
    ids: int = 0


def _add_cells(found: dict, cells: QuerySet[MapCell], per: int) -> None:
    """Add the rows of `cells` into `found`, `per` × `per` of their cells in one (integer division)."""
    rows = (
        cells.annotate(y=F("cell_y") / Value(per), x=F("cell_x") / Value(per))
        .order_by()
        .values("y", "x")
        .annotate(n=Sum("reports"), lat=Sum("latitude_sum"), lon=Sum("longitude_sum"), ids=Sum("id_sum"))
    )
    for row in rows:
        sums = found.setdefault((row["y"], row["x"]), _Sums())
        sums.reports += row["n"]
        sums.latitude += row["lat"]
        sums.longitude += row["lon"]
        sums.ids += row["ids"]


def clusters(*, bbox: BBox, zoom: int, field_id: int | None = None, status: str = "") -> ClusterMap:
    """Published reports in `bbox`, counted on a grid whose cells shrink as the map zooms in.

    Read from the grid the triggers keep (`MapCell`), never from the reports: the cells that lie
    wholly in the box at their level, and the box's edges, where a cell is only partly inside,
    from the finest level (one rounded place a row), which is inside or outside as a whole. So
    the counts are those of the reports whose rounded place is in the box, as the list's. A
    cell's place is the mean of its reports' places, rounded; a cell of one report names it.
    """
    k = grid_level(cell_thousandths(zoom, bbox))
    cells = MapCell.objects.all()
    if field_id is not None:
        cells = cells.filter(category_id=field_id)
    if status:
        cells = cells.filter(status=status)
    # The box in rounded places: thousandths of a degree from 90° S and 180° W, both ends in.
    south = _thousandths(bbox.south, 90, ROUND_CEILING)
    north = _thousandths(bbox.north, 90, ROUND_FLOOR)
    west = _thousandths(bbox.west, 180, ROUND_CEILING)
    east = _thousandths(bbox.east, 180, ROUND_FLOOR)
    found: dict[tuple[int, int], _Sums] = {}
    if south <= north and west <= east:
        # Whole cells: from the first that starts in the box to the last that ends in it.
        first_y, last_y = -(-south // k), (north + 1) // k - 1
        first_x, last_x = -(-west // k), (east + 1) // k - 1
        finest = cells.filter(level=1)
        if first_y <= last_y and first_x <= last_x:
            _add_cells(
                found,
                cells.filter(level=k, cell_y__range=(first_y, last_y), cell_x__range=(first_x, last_x)),
                1,
            )
            inner_y = (first_y * k, (last_y + 1) * k - 1)
            edges = [
                ((south, inner_y[0] - 1), (west, east)),
                ((inner_y[1] + 1, north), (west, east)),
                (inner_y, (west, first_x * k - 1)),
                (inner_y, ((last_x + 1) * k, east)),
            ]
        else:
            edges = [((south, north), (west, east))]
        strips = Q()
        for (y0, y1), (x0, x1) in edges:
            if y0 <= y1 and x0 <= x1:
                strips |= Q(cell_y__range=(y0, y1), cell_x__range=(x0, x1))
        if strips:
            # One query for the four edges: the strips do not overlap, so no place counts twice.
            _add_cells(found, finest.filter(strips), k)
    live = {cell: sums for cell, sums in sorted(found.items()) if sums.reports > 0}
    singles = [sums.ids for sums in live.values() if sums.reports == 1]
    named = {
        pk: (code, category)
        for pk, code, category in published()
        .filter(pk__in=singles)
        .values_list("pk", "tracking_code", "category_id")
    }
    million = Decimal(1_000_000)
    found_clusters = []
    for sums in live.values():
        code, category = named.get(sums.ids, ("", None)) if sums.reports == 1 else ("", None)
        found_clusters.append(
            Cluster(
                public_coordinate(Decimal(sums.latitude) / sums.reports / million),
                public_coordinate(Decimal(sums.longitude) / sums.reports / million),
                sums.reports,
                code,
                category,
            )
        )
    return ClusterMap(zoom=zoom, cell=Decimal(k) / 1000, clusters=found_clusters)
