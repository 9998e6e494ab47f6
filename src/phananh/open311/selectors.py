"""What Open311 shows of reports: the public copy of published reports, and of a report a client
sent itself, before publication, its status only.

Nothing here reads the reporter's contact details or the report's own texts: descriptions and
addresses are the public copy (`Report.public_*`), places are rounded as on every public page,
photos are the published copies served by the portal's public photo address.
"""

from __future__ import annotations

from django.db.models import Max, Q, QuerySet
from django.urls import reverse

from phananh.reports.models import Attachment, AttachmentKind, Report
from phananh.reports.statuses import Status
from phananh.workflow.models import Event, EventKind
from phananh.workflow.public import public_step

from .models import Open311Client

# Open311 knows two statuses; the finer one goes in `status_notes` (docs/open311.md).
CLOSED_STATUSES = frozenset({Status.REJECTED, Status.MERGED, Status.RESOLVED, Status.CLOSED})


def open311_status(status: str) -> str:
    return "closed" if status in CLOSED_STATUSES else "open"


def statuses_for(open311: str) -> list[str]:
    if open311 == "closed":
        return sorted(CLOSED_STATUSES)
    return sorted(set(Status.values) - CLOSED_STATUSES)


def visible_reports(client: Open311Client | None) -> QuerySet[Report]:
    """Published reports, and with a key the reports that key sent (shown without their texts)."""
    visible = Q(is_public=True)
    if client is not None:
        visible |= Q(open311_request__client=client)
    return Report.objects.filter(visible)


def with_details(reports: QuerySet[Report]) -> QuerySet[Report]:
    return reports.select_related("category", "lead_unit").annotate(
        last_public_event_at=Max("events__created_at", filter=Q(events__is_public=True))
    )


def _coordinate(value) -> float | None:
    return None if value is None else round(float(value), 3)


def first_public_photos(request, reports: list[Report]) -> dict[int, str]:
    """The address of each published report's first published photo (sent with the report)."""
    photos = (
        Attachment.objects.filter(
            report__in=[r for r in reports if r.is_public],
            report__is_public=True,
            kind=AttachmentKind.PHOTO,
            event__kind=EventKind.SUBMITTED,
        )
        .exclude(public_file="")
        .select_related("report")
        .order_by("-id")
    )
    found = {}
    for photo in photos:  # oldest last, so the first photo wins
        url = reverse("portal:public_photo", args=[photo.report.tracking_code, photo.pk])
        found[photo.report_id] = request.build_absolute_uri(url)
    return found


def request_item(report: Report, media_url: str | None) -> dict:
    """One service request as the specification names its fields.

    An unpublished report (one the caller's key sent) shows its status, field and lead unit, and
    none of its texts or its place.
    """
    published = bool(report.is_public)
    lead = report.lead_unit
    category = report.category
    return {
        "service_request_id": report.tracking_code,
        "status": open311_status(report.status),
        "status_notes": str(report.status_label),
        "service_name": category.name if category else "",
        "service_code": category.code if category else "",
        "description": report.public_description if published else "",
        "agency_responsible": (lead.short_name or lead.name) if lead else "",
        "service_notice": "",
        "requested_datetime": report.created_at,
        "updated_datetime": getattr(report, "last_public_event_at", None) or report.created_at,
        "expected_datetime": None,
        "address": report.public_address if published else "",
        "address_id": "",
        "zipcode": "",
        "lat": _coordinate(report.latitude) if published else None,
        "long": _coordinate(report.longitude) if published else None,
        "media_url": media_url or "",
    }


def request_items(request, reports) -> list[dict]:
    reports = list(reports)
    photos = first_public_photos(request, reports)
    return [request_item(report, photos.get(report.pk)) for report in reports]


def public_updates(reports: QuerySet[Report], *, start, end, limit: int) -> list[Event]:
    """The public steps of `reports` in [start, end], oldest first: what a peer follows."""
    return list(
        Event.objects.filter(report__in=reports, is_public=True, created_at__gte=start, created_at__lte=end)
        .select_related("report")
        .order_by("created_at", "id")[:limit]
    )


def update_item(event: Event, media_url: str | None) -> dict:
    step = public_step(event)
    description = f"{step.label}: {step.note}" if step.note else step.label
    if event.kind == EventKind.PUBLISHED and event.report.public_result:
        # The result as the public reads it: what a peer that sent the report waits for.
        description = f"{description}\n{event.report.public_result}"
    return {
        "update_id": str(event.pk),
        "service_request_id": event.report.tracking_code,
        "status": open311_status(step.status).upper(),
        "updated_datetime": step.at,
        "description": description,
        "media_url": (media_url or "") if event.kind == EventKind.SUBMITTED else "",
    }
