"""What each action of the staff API's `allowed_actions` needs: its choices and suggestion.

The same choices as the back office's forms (`workflow.choices`). Long unit lists are given as
a link to `GET /api/v1/units`, which pages and searches them; short ones inline.
"""

from __future__ import annotations

from django.utils.http import urlencode
from ninja import Field, Schema

from phananh.org.access import ioc_root, is_ioc
from phananh.org.api import UnitRef, display_name
from phananh.org.grouping import grouped

from . import choices

# More units than this are given as a link to /units rather than inline.
UNITS_INLINE = 30


class UnitChoice(Schema):
    id: int
    name: str
    group: str = Field(..., description="ioc, department, district, local (communes, wards) or company.")


class StaffChoice(Schema):
    id: int
    name: str = Field(..., description="Family name first, as written.")
    role: str
    role_label: str
    unit: UnitRef


class CodeChoice(Schema):
    code: str
    name: str


class ChoicesLink(Schema):
    href: str = Field(..., description="GET it with the same token: the choices, paged and searchable.")


FieldChoices = list[UnitChoice] | list[StaffChoice] | list[CodeChoice] | ChoicesLink


class ActionRef(Schema):
    name: str
    label: str
    choices: dict[str, FieldChoices] = Field(
        default_factory=dict, description="Field name → what it may take (units, staff, fields, reasons)."
    )
    suggested: dict[str, UnitChoice] = Field(
        default_factory=dict,
        description="Field name → the unit that usually handles this field in this commune (a "
        "routing rule). Only a suggestion: the action takes the unit the caller sends.",
    )


def staff_choice(user) -> dict:
    return {
        "id": user.pk,
        "name": display_name(user),
        "role": user.role,
        "role_label": user.get_role_display(),
        "unit": user.unit,
    }


def _units(report, actor, kind: str):
    """The unit choices, inline or as a link, and the ids they allow."""
    units = choices.dispatch_targets(report, actor) if kind == "dispatch_units" else choices.handling_units()
    options = grouped(units)
    if len(options) <= UNITS_INLINE:
        return [{"id": o.unit.pk, "name": o.unit.name, "group": o.group} for o in options], options
    top = ioc_root() if kind == "units" or is_ioc(actor) or report.lead_unit is None else report.lead_unit
    return {"href": f"/api/v1/units?{urlencode({'within': top.pk})}"}, options


def _field_choices(report, actor, kind: str, cache: dict):
    if kind not in cache:
        if kind in ("units", "dispatch_units"):
            cache[kind] = _units(report, actor, kind)
        elif kind == "handlers":
            cache[kind] = ([staff_choice(u) for u in choices.handlers(report, actor)], [])
        elif kind == "categories":
            cache[kind] = ([{"code": c.code, "name": c.name} for c in choices.categories()], [])
        else:
            cache[kind] = ([{"code": r.code, "name": r.name} for r in choices.rejection_reasons()], [])
    return cache[kind]


def action_refs(report, actor, allowed: list[str], labels: dict) -> list[dict]:
    """`allowed_actions`: each action with the choices its fields need and the suggested unit."""
    cache: dict = {}
    suggested_unit = choices.suggested_unit(report)
    refs = []
    for action in allowed:
        ref = {"name": action, "label": str(labels[action]), "choices": {}, "suggested": {}}
        for (name, field), kind in choices.FIELD_CHOICES.items():
            if name != action:
                continue
            ref["choices"][field], options = _field_choices(report, actor, kind, cache)
            offered = {o.unit.pk: o for o in options}
            if (
                (action, field) in choices.SUGGESTED_FIELDS
                and suggested_unit
                and suggested_unit.pk in offered
            ):
                option = offered[suggested_unit.pk]
                ref["suggested"][field] = {
                    "id": option.unit.pk,
                    "name": option.unit.name,
                    "group": option.group,
                }
        refs.append(ref)
    return refs
