"""Reference data for every client: the fields a report can be filed under, and the units."""

from __future__ import annotations

from django.utils.translation import gettext as _
from ninja import Router, Schema

from phananh.core.errors import ValidationFailed
from phananh.org.models import UnitKind
from phananh.org.selectors import active_units

from .selectors import active_categories

router = Router(tags=["reports"])


class CategoryOut(Schema):
    code: str
    name: str
    description: str


class UnitOut(Schema):
    id: int
    code: str
    name: str
    short_name: str
    kind: str
    parent_id: int | None
    admin_code: int | None
    area_name: str


class CategoryRef(Schema):
    code: str
    name: str


@router.get("/categories", response=list[CategoryOut], summary="Fields a report can be filed under")
def list_categories(request):
    return list(active_categories())


@router.get("/units", response=list[UnitOut], summary="Active units, for intake and dispatch")
def list_units(request, kind: str | None = None):
    """`kind=local` gives the communes and wards a report's place can be in."""
    units = active_units()
    if kind == "local":
        units = units.filter(kind__in=(UnitKind.COMMUNE, UnitKind.WARD, UnitKind.SPECIAL_ZONE))
    elif kind:
        if kind not in UnitKind.values:
            raise ValidationFailed(
                "invalid_kind", _("Unknown unit kind."), fields={"kind": [_("Not valid.")]}
            )
        units = units.filter(kind=kind)
    return list(units)
