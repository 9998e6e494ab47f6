"""Units in the order people look for them: by group (departments, communes and wards...),
then as a tree whose siblings are sorted by name without accents. The back office's unit
picker and `GET /api/v1/units` list them the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from phananh.core.text import fold

from .models import Unit, UnitKind

# The groups of the unit picker, in the order they are shown; a unit is in the group of the
# kind of its top unit under the IOC (a department's divisions stay with the department).
UNIT_GROUPS = {
    "ioc": _("The IOC's divisions"),
    "department": _("Departments"),
    "district": _("District-level units"),
    "local": _("Communes and wards"),
    "company": _("Public-service companies"),
}
_GROUP_OF_KIND = {
    UnitKind.DIVISION: "ioc",
    UnitKind.DEPARTMENT: "department",
    UnitKind.DISTRICT: "district",
    UnitKind.COMMUNE: "local",
    UnitKind.WARD: "local",
    UnitKind.SPECIAL_ZONE: "local",
    UnitKind.COMPANY: "company",
}


@dataclass(frozen=True)
class UnitOption:
    unit: Unit
    depth: int  # below the top unit of its group: 0 for a department, 1 for its division
    group: str

    @property
    def group_label(self) -> str:
        return str(UNIT_GROUPS[self.group])


def grouped(units) -> list[UnitOption]:
    """Units in picker order: by group, then as a tree whose siblings are sorted by name.

    Names are compared folded (no accents, đ as d), the way people look for them.
    """
    units = list(units)
    names = dict(Unit.objects.values_list("pk", "name"))
    kinds = dict(Unit.objects.values_list("pk", "kind"))
    order = list(UNIT_GROUPS)

    def ids(unit):
        return [int(part) for part in unit.path.strip("/").split("/")][1:]  # without the IOC

    def group(unit):
        chain = ids(unit)
        return _GROUP_OF_KIND.get(kinds.get(chain[0]) if chain else None, "ioc")

    def key(unit):
        return (order.index(group(unit)), [fold(names.get(pk, "")) for pk in ids(unit)])

    return [UnitOption(u, max(len(ids(u)) - 1, 0), group(u)) for u in sorted(units, key=key)]
