"""Possible duplicates (phản ánh trùng): what the intake form shows of reports near a place.

Shown to a citizen while they fill in the form, so that they can follow an existing report
instead of sending the same problem again. The answer is public and asked for any point, so it
tells a stranger no more than the public pages do:

- a published report (which happens to an open report when it is reopened after publication)
  comes with its public place, rounded to 0.001° as on its page, and is found and measured by
  that rounded place: asking around it finds out nothing finer than its page shows;
- a report not published comes only as a count: how many there are in the cell of a fixed grid
  of 0.01° (about 1.1 km by 1 km here) that holds the asked point. Every point of a cell gets
  the same count, so asking around such a report places it in its cell and no closer: no code,
  no distance, no direction. (A code and a distance to 10 m each placed one within a metre in
  four questions.)

With the text the citizen has typed so far, the published reports are ranked by the score the
IOC's likely duplicates use (`triage.duplicates`): their public text against what was typed,
their public place and their age. Only what the list shows anyway is compared, so the order
tells nothing more than the items do.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

from django.utils import timezone

from phananh.core.geo import distance_m
from phananh.reports.models import Category, Report
from phananh.reports.statuses import OPEN_STATUSES
from phananh.triage.duplicates import Query, rank

from .selectors import BBox, in_bbox, public_coordinate, published

# The grid unpublished reports are counted on, in degrees.
UNPUBLISHED_CELL = Decimal("0.01")
# A degree of latitude is at least 110.57 km anywhere on Earth: dividing by a little less
# makes the box a little larger than the circle, never smaller.
_METRES_PER_DEGREE = 110_000


@dataclass(frozen=True)
class NearbyReport:
    """A published report near the asked point, placed where the public sees it."""

    report: Report
    latitude: float  # rounded to 0.001°
    longitude: float
    distance_m: float  # from the asked point to the rounded place


@dataclass(frozen=True)
class Cell:
    """A cell of the grid unpublished reports are counted on: south and west in, north and east out."""

    south: Decimal
    west: Decimal

    @classmethod
    def containing(cls, latitude: float, longitude: float) -> Cell:
        def corner(value: float) -> Decimal:
            return (Decimal(repr(value)) / UNPUBLISHED_CELL).to_integral_value(ROUND_FLOOR) * UNPUBLISHED_CELL

        return cls(corner(latitude), corner(longitude))

    @property
    def north(self) -> Decimal:
        return self.south + UNPUBLISHED_CELL

    @property
    def east(self) -> Decimal:
        return self.west + UNPUBLISHED_CELL


@dataclass(frozen=True)
class Nearby:
    published: list[NearbyReport]  # nearest first
    cell: Cell  # the cell of the asked point
    unpublished: int  # open reports of the field in that cell that are not published


def reports_near(
    *, latitude: float, longitude: float, category: Category, radius_m: float, limit: int = 10, text: str = ""
) -> Nearby:
    """The open reports of `category` near the place: published ones within `radius_m` of it,
    nearest first (or, given what the citizen typed, most alike first), and how many others
    there are in its cell."""
    published = _published_near(latitude, longitude, category, radius_m)
    if text.strip():
        published = _most_alike(published, text, latitude, longitude, category, radius_m)
    return Nearby(
        published=published[:limit],
        cell=(cell := Cell.containing(latitude, longitude)),
        unpublished=_unpublished_in(cell, category),
    )


def _published_near(latitude: float, longitude: float, category: Category, radius_m: float):
    # A box around the circle narrows the rows in SQL by their rounded place (as the public
    # map's box does); the distance to the rounded place decides.
    half_lat = radius_m / _METRES_PER_DEGREE
    # Near the poles a degree of longitude shrinks to nothing; Vietnam is far from them.
    half_lon = radius_m / (_METRES_PER_DEGREE * max(math.cos(math.radians(latitude)), 0.01))
    box = BBox(
        west=_decimal(longitude - half_lon),
        south=_decimal(latitude - half_lat),
        east=_decimal(longitude + half_lon),
        north=_decimal(latitude + half_lat),
    )
    candidates = (
        in_bbox(published().filter(category=category, status__in=OPEN_STATUSES), box)
        .select_related("category")
        .only(
            "tracking_code",
            "status",
            "created_at",
            "latitude",
            "longitude",
            "is_public",
            "public_description",
            "public_title",
            "resolved_at",
            "category__name",
        )
    )
    found = []
    for report in candidates:
        lat, lon = public_coordinate(report.latitude), public_coordinate(report.longitude)
        distance = distance_m(latitude, longitude, lat, lon)
        if distance <= radius_m:
            found.append(NearbyReport(report, lat, lon, distance))
    found.sort(key=lambda item: (item.distance_m, -item.report.created_at.timestamp()))
    return found


def _most_alike(
    found: list[NearbyReport], text: str, latitude, longitude, category, radius_m
) -> list[NearbyReport]:
    # Compared by their public text and measured to their public place only.
    items = {item.report.pk: item for item in found}
    query = Query(
        text=text, latitude=latitude, longitude=longitude, category_id=category.pk, moment=timezone.now()
    )
    ranked = rank(
        query,
        [item.report for item in found],
        text_of=lambda r: f"{r.public_title} {r.public_description}",
        place_of=lambda r: (items[r.pk].latitude, items[r.pk].longitude),
        radius=radius_m,
    )
    return [items[c.report.pk] for c in ranked]


def _unpublished_in(cell: Cell, category: Category) -> int:
    # Only reports that may still be published: one its reporter or the IOC kept private is
    # not even counted.
    return Report.objects.filter(
        category=category,
        status__in=OPEN_STATUSES,
        wants_public=True,
        is_public__isnull=True,
        latitude__gte=cell.south,
        latitude__lt=cell.north,
        longitude__gte=cell.west,
        longitude__lt=cell.east,
    ).count()


def _decimal(value: float) -> Decimal:
    return Decimal(f"{value:.6f}")
