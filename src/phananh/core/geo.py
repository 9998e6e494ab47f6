"""Geography helpers that need no GIS library."""

from __future__ import annotations

import math

# Vietnam as a few boxes: the mainland and the two archipelagos, Hoàng Sa and Trường Sa.
# Coarse on purpose: it catches swapped or zeroed coordinates and reports from abroad; a
# unit's jurisdiction polygon decides what is really inside the province.
VIETNAM_BOXES = (
    # (south, west, north, east)
    (8.18, 102.14, 23.40, 109.47),
    (15.70, 111.00, 17.20, 112.95),
    (6.50, 111.50, 12.00, 117.90),
)


def in_vietnam(lat: float, lon: float) -> bool:
    return any(s <= lat <= n and w <= lon <= e for s, w, n, e in VIETNAM_BOXES)


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    r = 6_371_000.0
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))
