"""Who may take each workflow action: the predicates the action table names, and the reads they share."""

from __future__ import annotations

from phananh.org.access import Reporter, System, acts_for, is_ioc
from phananh.org.models import Role
from phananh.reports.models import Report
from phananh.reports.statuses import AT_UNIT_STATUSES, Status

from ..models import Dispatch, DispatchRole, ExtensionRequest

S = Status


def _ioc(user, report) -> bool:
    return is_ioc(user)


def _own_report(user, report) -> bool:
    return isinstance(user, Reporter) and user.report_id == report.pk


def _ioc_or_system(user, report) -> bool:
    return isinstance(user, System) or is_ioc(user)


def _lead_unit_staff(user, report) -> bool:
    if user.role == Role.HANDLER:
        return report.assignee_id == user.pk
    return acts_for(user, report.lead_unit)


def _info_asker(user, report) -> bool:
    if is_ioc(user):
        return report.status not in AT_UNIT_STATUSES
    return report.status in AT_UNIT_STATUSES and _lead_unit_staff(user, report)


def _dispatcher(user, report) -> bool:
    if report.status in (S.ACCEPTED, S.RETURNED):
        return is_ioc(user)
    return user.role in (Role.FOCAL_POINT, Role.LEADER) and acts_for(user, report.lead_unit)


def current_lead_dispatch(report: Report) -> Dispatch | None:
    return (
        report.dispatches.filter(active=True, role=DispatchRole.LEAD, to_unit=report.lead_unit_id)
        .select_related("from_unit")
        .order_by("-created_at", "-id")
        .first()
    )


def pending_extension(report: Report) -> ExtensionRequest | None:
    return report.extensions.filter(decided_at__isnull=True).first()


def _extension_decider(user, report) -> bool:
    dispatch = current_lead_dispatch(report)
    if dispatch is None:
        return False
    if dispatch.from_unit.parent_id is None:
        return is_ioc(user)
    return user.role in (Role.FOCAL_POINT, Role.LEADER) and acts_for(user, dispatch.from_unit)


def _extension_asker(user, report) -> bool:
    return _lead_unit_staff(user, report)
