"""The choices an action's fields take: units in groups, staff to assign, fields, reasons.

One source for the back office's forms and the staff API's `allowed_actions`, so that a page
and a client offer the same units and people. The transition service still checks each choice.
The suggested lead unit comes from the deployment's routing rules (`RoutingRule`).
"""

from __future__ import annotations

from phananh.org.access import acts_for, is_ioc
from phananh.org.models import Unit, User
from phananh.reports.models import Category

from .actions import HANDLING
from .models import RejectionReason, RoutingRule

# Where each action's choices come from: (action, field) → kind of choice.
FIELD_CHOICES = {
    ("accept", "category"): "categories",
    ("accept", "lead_unit"): "units",
    ("accept", "cooperating_units"): "units",
    ("reject", "reason"): "reasons",
    ("dispatch", "unit"): "dispatch_units",
    ("dispatch", "cooperating_units"): "dispatch_units",
    ("return", "suggested_unit"): "units",
    ("assign", "handler"): "handlers",
    ("reveal_contact", "unit"): "units",
}
# The fields whose choice the routing rules suggest.
SUGGESTED_FIELDS = {("accept", "lead_unit"), ("dispatch", "unit")}


def handling_units():
    """Every active unit but the IOC itself: where the IOC can dispatch, return or suggest."""
    return Unit.objects.filter(is_active=True).exclude(parent=None)


def dispatch_targets(report, actor):
    """The IOC dispatches anywhere; a unit only further down its own subtree."""
    if is_ioc(actor) or report.lead_unit is None:
        return handling_units()
    lead = report.lead_unit
    return Unit.objects.filter(is_active=True, path__startswith=lead.path).exclude(pk=lead.pk)


def suggestions(commune) -> dict[str, Unit]:
    """Field code → the unit that usually handles it in this commune (or by default)."""
    rules = RoutingRule.objects.filter(unit__is_active=True).select_related("category", "unit")
    table = {r.category.code: r.unit for r in rules.filter(commune=None)}
    if commune is not None:
        table.update({r.category.code: r.unit for r in rules.filter(commune=commune)})
    return table


def suggested_unit(report) -> Unit | None:
    """Đề xuất: the routing rule of the report's field in its commune, else the field's default."""
    if report.category is None:
        return None
    return suggestions(report.commune).get(report.category.code)


def assignable_staff(unit):
    """Active handlers, focal points and leaders of the unit's subtree: who an assignment can name."""
    return (
        User.objects.filter(is_active=True, role__in=HANDLING, unit__path__startswith=unit.path)
        .select_related("unit")
        .order_by("unit__path", "full_name", "username")
    )


def may_name_staff_of(actor, unit) -> bool:
    """The IOC may look at any unit's staff; a unit at its own subtree's."""
    return is_ioc(actor) or acts_for(actor, unit)


def handlers(report, actor):
    return assignable_staff(report.lead_unit) if report.lead_unit else User.objects.none()


def categories():
    return Category.objects.filter(is_active=True)


def rejection_reasons():
    return RejectionReason.objects.filter(is_active=True)
