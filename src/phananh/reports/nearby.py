"""Possible duplicates (phản ánh trùng): open reports of the same field near a place.

Shown to a citizen while they fill in the intake form, so that they can follow an existing
report instead of sending the same problem again.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal

from phananh.core.geo import distance_m
from phananh.reports.statuses import OPEN_STATUSES

from .models import Category, Report

# A degree of latitude is at least 110.57 km anywhere on Earth: dividing by a little less
# makes the box a little larger than the circle, never smaller.
_METRES_PER_DEGREE = 110_000


@dataclass(frozen=True)
class NearbyReport:
    report: Report
    distance_m: float


def open_reports_near(
    *, latitude: float, longitude: float, category: Category, radius_m: float, limit: int = 10
) -> list[NearbyReport]:
    """The open reports of `category` within `radius_m` of the place, nearest first.

    Only reports whose reporter agreed to publication and that the IOC has not kept private
    are candidates: listing a report here tells strangers that it exists and where about.
    A latitude/longitude box narrows the rows in SQL; the exact distance decides.
    """
    half_lat = radius_m / _METRES_PER_DEGREE
    # Near the poles a degree of longitude shrinks to nothing; Vietnam is far from them.
    half_lon = radius_m / (_METRES_PER_DEGREE * max(math.cos(math.radians(latitude)), 0.01))
    candidates = (
        Report.objects.filter(
            category=category,
            status__in=OPEN_STATUSES,
            wants_public=True,
            latitude__range=(_decimal(latitude - half_lat), _decimal(latitude + half_lat)),
            longitude__range=(_decimal(longitude - half_lon), _decimal(longitude + half_lon)),
        )
        .exclude(is_public=False)
        .select_related("category")
        .only(
            "tracking_code",
            "status",
            "created_at",
            "latitude",
            "longitude",
            "is_public",
            "public_description",
            "category__name",
        )
    )
    found = []
    for report in candidates:
        distance = distance_m(latitude, longitude, float(report.latitude), float(report.longitude))
        if distance <= radius_m:
            found.append(NearbyReport(report=report, distance_m=distance))
    found.sort(key=lambda item: (item.distance_m, -item.report.created_at.timestamp()))
    return found[:limit]


def _decimal(value: float) -> Decimal:
    return Decimal(f"{value:.6f}")
