"""The communes and wards: loaded from `vietnam-provinces` into the units tree, and their areas.

An area (`Unit.jurisdiction`) is GeoJSON, so its points are (longitude, latitude). Whether a
place lies in it is a ray-casting test in plain Python: a few thousand points per commune
take well under a millisecond, and a GIS library (GEOS, shapely) would be a native dependency
for one question. See docs/decisions.md.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _
from vietnam_provinces import Province, Ward

from phananh.core.errors import ValidationFailed

from .models import Unit, UnitKind
from .services import unit_save

_KIND_BY_DIVISION = {"xã": UnitKind.COMMUNE, "phường": UnitKind.WARD, "đặc khu": UnitKind.SPECIAL_ZONE}


@dataclass
class LoadResult:
    province: str
    created: int
    updated: int
    unchanged: int
    retired: int


def _province(code: int) -> Province:
    try:
        return Province.from_code(code)
    except (ValueError, KeyError) as exc:
        raise ValidationFailed(
            "unknown_province", _("There is no province with code %(code)s.") % {"code": code}
        ) from exc


@transaction.atomic
def load_communes(*, province_code: int, parent: Unit) -> LoadResult:
    """Create or update one unit per commune and ward of the province, under `parent`.

    Units are matched by their national code, so a second run renames what was renamed
    and keeps every id (and with it every report and account that points to it).
    Communes that left the list are retired, never deleted.
    """
    province = _province(province_code)
    created = updated = unchanged = 0
    seen: set[int] = set()
    for ward in Ward.iter_by_province(province.code):
        code = int(ward.code)
        seen.add(code)
        kind = _KIND_BY_DIVISION.get(ward.division_type.value, UnitKind.COMMUNE)
        wanted = {
            "name": _("People's Committee of %(area)s") % {"area": ward.name},
            "short_name": f"UBND {ward.name}",
            "area_name": ward.name,
            "kind": kind,
            "is_active": True,
        }
        unit = Unit.objects.filter(admin_code=code).first()
        if unit is None:
            unit_save(
                unit=Unit(
                    admin_code=code, code=f"{ward.codename.replace('_', '-')}-{code}", parent=parent, **wanted
                )
            )
            created += 1
            continue
        if all(getattr(unit, key) == value for key, value in wanted.items()):
            unchanged += 1
            continue
        for key, value in wanted.items():
            setattr(unit, key, value)
        unit_save(unit=unit)
        updated += 1
    # A code no longer in the national list belongs to a commune that was merged away.
    national = {int(w.code) for w in Ward.iter_all()}
    retired = (
        Unit.objects.filter(admin_code__isnull=False, is_active=True)
        .exclude(admin_code__in=national)
        .update(is_active=False)
    )
    return LoadResult(province.name, created, updated, unchanged, retired)


def _ring_contains(ring: list, x: float, y: float) -> bool:
    """Ray casting: a ray from the point crosses the ring's edges an odd number of times."""
    inside = False
    for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True):
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
    return inside


def _polygons(geometry: dict) -> list:
    """The polygons of a GeoJSON Polygon or MultiPolygon (or a Feature holding one)."""
    if geometry.get("type") == "Feature":
        geometry = geometry.get("geometry") or {}
    coordinates = geometry.get("coordinates") or []
    if geometry.get("type") == "Polygon":
        return [coordinates]
    if geometry.get("type") == "MultiPolygon":
        return coordinates
    return []


def area_contains(geometry: dict | None, *, latitude: float, longitude: float) -> bool:
    """Whether the place lies in the area: inside a polygon's outline and in none of its holes."""
    for polygon in _polygons(geometry or {}):
        rings = [[(float(p[0]), float(p[1])) for p in ring] for ring in polygon if len(ring) >= 3]
        if not rings or not _ring_contains(rings[0], longitude, latitude):
            continue
        if not any(_ring_contains(hole, longitude, latitude) for hole in rings[1:]):
            return True
    return False
