"""Reads on units."""

from django.db.models import QuerySet

from phananh.core.geo import distance_m

from .communes import area_contains
from .models import LOCAL_KINDS, Unit


def unit_subtree(unit: Unit) -> QuerySet[Unit]:
    return Unit.objects.filter(path__startswith=unit.path)


def active_units() -> QuerySet[Unit]:
    return Unit.objects.filter(is_active=True).select_related("parent")


def communes() -> QuerySet[Unit]:
    """The commune-level units a report's place can be in, by name."""
    return Unit.objects.filter(is_active=True, kind__in=LOCAL_KINDS).order_by("area_name", "name")


def commune_at(*, latitude: float, longitude: float, max_centre_distance_m: float) -> Unit | None:
    """The commune or ward a place lies in, to fill in the intake form (the reporter may change it).

    A commune whose area is loaded is chosen when the place is inside it. Communes without an
    area are judged by their centre: the nearest one, if it is closer than
    `max_centre_distance_m` (a place far from every centre is likely outside the province).
    A place outside every loaded area is never given to a neighbouring commune's area.
    """
    units = communes().only("pk", "name", "area_name", "jurisdiction", "latitude", "longitude")
    nearest, nearest_m = None, max_centre_distance_m
    for unit in units:
        if unit.jurisdiction:
            if area_contains(unit.jurisdiction, latitude=latitude, longitude=longitude):
                return unit
        elif unit.latitude is not None and unit.longitude is not None:
            metres = distance_m(latitude, longitude, float(unit.latitude), float(unit.longitude))
            if metres <= nearest_m:
                nearest, nearest_m = unit, metres
    return nearest
