"""Who may see what: the one place that decides, for pages and the API alike.

- The IOC's staff (operators, call-centre agents), the steering committee and administrators
  see every report.
- A unit's focal points and leaders see the reports their unit's subtree leads, cooperates on,
  or has had dispatched to it (a unit keeps seeing what it returned).
- A handler sees what is assigned to them, and what their unit's subtree leads in their fields.
- The reporter (a `Reporter`, proved by the report's secret) sees their own report only.
- The system itself (`System`: the periodic tasks) sees every report; it has no account.
- The reporter's contact details are seen by the IOC, and by a unit only when the IOC revealed
  them for that report; each read is logged.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from .models import ContactReveal, PersonalDataAccess, Role, Unit, UnitKind, User

# Roles that work for the whole province.
PROVINCE_ROLES = frozenset({Role.OPERATOR, Role.CALL_AGENT, Role.STEERING, Role.ADMIN})
# Roles that see reporters' contact details without a reveal.
CONTACT_ROLES = frozenset({Role.OPERATOR, Role.CALL_AGENT})
UNIT_ROLES = frozenset({Role.FOCAL_POINT, Role.LEADER, Role.HANDLER})
# The role of a `Reporter`: not a staff role, so no account can ever hold it.
REPORTER = "reporter"
# The role of `System`: not a staff role either.
SYSTEM = "system"


@dataclass(frozen=True)
class Reporter:
    """Người phản ánh: the reporter of one report, as an actor of the workflow.

    Built only once the report's secret was checked (`reports.codes.prove_reporter`); the
    permission checks and the role matrix know it by its role, `REPORTER`. It has no account:
    the events it writes carry the label "reporter" and no user.
    """

    report_id: int
    role: str = REPORTER
    label: str = "reporter"
    pk = None
    unit = None
    unit_id = None
    is_active = True
    is_authenticated = False


@dataclass(frozen=True)
class System:
    """Hệ thống: the system acting by itself (a periodic task), never a staff account.

    What it may do is what the workflow's actions grant the role `SYSTEM` (closing a resolved
    report nobody rated in time). The events it writes carry the label "system" and no user.
    """

    role: str = SYSTEM
    label: str = "system"
    pk = None
    unit = None
    unit_id = None
    is_active = True
    is_authenticated = False


def is_staff_member(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active and user.role and user.unit_id)


def is_ioc(user) -> bool:
    """An IOC operator: receives, classifies, dispatches, verifies, publishes."""
    return is_staff_member(user) and user.role == Role.OPERATOR and user.unit.kind == UnitKind.IOC


def acts_for(user: User, unit: Unit | None) -> bool:
    """True when `unit` is the user's own unit or inside its subtree."""
    if unit is None or not is_staff_member(user):
        return False
    return unit.path.startswith(user.unit.path)


def visible_reports(user, qs: QuerySet) -> QuerySet:
    """The reports of `qs` (a queryset of reports) that `user` may see."""
    if isinstance(user, Reporter):
        return qs.filter(pk=user.report_id)
    if isinstance(user, System):
        return qs
    if not is_staff_member(user):
        return qs.none()
    if user.role in PROVINCE_ROLES:
        return qs
    subtree = user.unit.path
    in_subtree = Q(lead_unit__path__startswith=subtree) | Q(dispatches__to_unit__path__startswith=subtree)
    if user.role == Role.HANDLER:
        mine = Q(assignee=user)
        fields = list(user.fields.values_list("pk", flat=True))
        if fields:
            mine |= Q(lead_unit__path__startswith=subtree, category__in=fields)
        else:
            # No field chosen means every field of the unit (see User.fields).
            mine |= Q(lead_unit__path__startswith=subtree)
        return qs.filter(mine).distinct()
    return qs.filter(in_subtree).distinct()


def can_see(user, report) -> bool:
    return visible_reports(user, type(report).objects.filter(pk=report.pk)).exists()


def can_see_contact(user, report) -> bool:
    if not is_staff_member(user):
        return False
    if user.role in CONTACT_ROLES:
        return True
    if user.role not in UNIT_ROLES:
        return False
    revealed_units = Unit.objects.filter(
        pk__in=ContactReveal.objects.filter(report=report).values("unit")
    ).values_list("path", flat=True)
    return any(user.unit.path.startswith(path) for path in revealed_units)


def reporter_contact(user, report, *, via: str) -> dict | None:
    """The reporter's contact for this staff member, logging the read; None if not allowed, and
    when there is none (sent anonymously, or erased)."""
    if report.is_anonymous or report.personal_data_erased_at or not can_see_contact(user, report):
        return None
    PersonalDataAccess.objects.create(report=report, user=user, via=via)
    return {"name": report.reporter_name, "phone": report.reporter_phone, "email": report.reporter_email}


def ioc_roots():
    """The IOC at the root of the province's tree (the first, should there be several)."""
    return Unit.objects.filter(kind=UnitKind.IOC, parent=None)


def ioc_root() -> Unit | None:
    return ioc_roots().first()


class NoStatistics(Exception):
    """The user may not read statistics (not staff, or a role without a scope)."""


def statistics_unit(user) -> Unit | None:
    """Whose figures `user` may read: None for the whole province, else the unit whose subtree.

    The IOC's staff, the steering committee and administrators read the province's figures;
    a unit's staff read those of the reports their unit's subtree leads.
    """
    if not is_staff_member(user):
        raise NoStatistics
    if user.role in PROVINCE_ROLES:
        return None
    if user.role in UNIT_ROLES:
        return user.unit
    raise NoStatistics
