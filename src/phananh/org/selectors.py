"""Reads on units."""

from django.db.models import QuerySet

from .models import LOCAL_KINDS, Unit


def unit_subtree(unit: Unit) -> QuerySet[Unit]:
    return Unit.objects.filter(path__startswith=unit.path)


def active_units() -> QuerySet[Unit]:
    return Unit.objects.filter(is_active=True).select_related("parent")


def communes() -> QuerySet[Unit]:
    """The commune-level units a report's place can be in, by name."""
    return Unit.objects.filter(is_active=True, kind__in=LOCAL_KINDS).order_by("area_name", "name")
