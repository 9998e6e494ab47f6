"""Reads on the timeline and on the reports staff work on."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db.models import Exists, OuterRef, QuerySet, Subquery

from phananh.org.access import visible_reports
from phananh.org.models import Unit
from phananh.reports.codes import normalise_tracking_code
from phananh.reports.models import Attachment, Rating, Report
from phananh.reports.search import search
from phananh.reports.statuses import Status

from .models import Dispatch, Event, EventKind, ExtensionRequest, RejectionReason, Step


def closure_number(report) -> int:
    """How many times the report was closed: the closure a rating given now belongs to."""
    return report.events.filter(kind=EventKind.CLOSED).count()


def current_rating(report) -> Rating | None:
    """The rating of the report's latest closure: an older result's rating is not this result's."""
    if report.status != Status.CLOSED:
        return None
    return report.ratings.filter(closure=closure_number(report)).first()


def _in_scope(user, queryset: QuerySet[Report]) -> QuerySet[Report]:
    # An IN over the scope's ids rather than the scope itself: the scope may need DISTINCT
    # (a report dispatched twice to a unit), which would then apply to every joined column.
    return queryset.filter(pk__in=visible_reports(user, Report.objects.all()).values("pk"))


def staff_reports(
    *,
    user,
    now: datetime,
    statuses: Iterable[str] = (),
    unit: Unit | None = None,
    category: str | None = None,
    urgency: str | None = None,
    overdue: bool | None = None,
    text: str | None = None,
) -> QuerySet[Report]:
    """The reports this staff member may see, newest first, with `deadline` and `overdue`.

    `deadline` is the earliest deadline of an open step; `overdue` says that a running (not
    paused) step is past its deadline. `unit` keeps the reports led by that unit's subtree.
    """
    open_steps = Step.objects.filter(report=OuterRef("pk"), finished_at__isnull=True)
    reports = _in_scope(user, Report.objects.all()).annotate(
        deadline=Subquery(open_steps.order_by("deadline").values("deadline")[:1]),
        overdue=Exists(open_steps.filter(paused_at__isnull=True, deadline__lt=now)),
    )
    statuses = list(statuses)
    if statuses:
        reports = reports.filter(status__in=statuses)
    if unit is not None:
        reports = reports.filter(lead_unit__path__startswith=unit.path)
    if category:
        reports = reports.filter(category__code=category)
    if urgency:
        reports = reports.filter(urgency=urgency)
    if overdue is not None:
        reports = reports.filter(overdue=overdue)
    if text:
        # The public search's own function: accents and case ignored, every word must match.
        reports = search(reports, text)
    return reports.select_related("category", "lead_unit", "assignee").order_by("-created_at", "-id")


def staff_report(*, user, tracking_code: str) -> Report | None:
    """The report with this code if this staff member may see it, else None (never a hint why)."""
    code = normalise_tracking_code(tracking_code)
    if code is None:
        return None
    return report_for_staff(_in_scope(user, Report.objects.filter(tracking_code=code)))


def report_for_staff(queryset: QuerySet[Report]) -> Report | None:
    return queryset.select_related("category", "lead_unit", "assignee", "commune", "merged_into").first()


def staff_timeline(report) -> QuerySet[Event]:
    """Every event, public or internal, with who acted and the files attached."""
    return (
        report.events.select_related("actor", "unit")
        .prefetch_related("attachments")
        .order_by("created_at", "id")
    )


def report_steps(report) -> QuerySet[Step]:
    return report.steps.select_related("unit").order_by("started_at", "id")


def active_dispatches(report) -> QuerySet[Dispatch]:
    return report.dispatches.filter(active=True).select_related("from_unit", "to_unit").order_by("id")


def pending_extension_request(report) -> ExtensionRequest | None:
    return report.extensions.filter(decided_at__isnull=True).select_related("requested_by").first()


def active_rejection_reasons() -> QuerySet[RejectionReason]:
    return RejectionReason.objects.filter(is_active=True)


def staff_attachment(*, user, attachment_id: int) -> Attachment | None:
    """The attachment if this staff member may see its report, else None."""
    return (
        Attachment.objects.select_related("report")
        .filter(pk=attachment_id, report__in=visible_reports(user, Report.objects.all()).values("pk"))
        .first()
    )
