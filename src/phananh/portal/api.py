"""Public API: the reports the IOC published, as the public pages show them.

No sign-in. Only published reports, never the reporter's personal data, places rounded to
0.001° (about 100 m), photos through the portal's public photo addresses.
"""

from __future__ import annotations

from datetime import datetime

from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from phananh.core.errors import NotFound, ValidationFailed
from phananh.core.schemas import ErrorOut, rules
from phananh.org.api import FieldRef
from phananh.reports.models import Attachment, Report
from phananh.reports.statuses import Status

from . import pagination, selectors
from .selectors import Filters

router = Router(tags=["public"])

# Numbered pages skip rows (OFFSET), whose cost grows with the depth: deeper, cursors only.
MAX_PAGE_DEPTH = 10_000


class CommuneRef(Schema):
    id: int
    name: str


class PublicReportItem(Schema):
    tracking_code: str = Field(..., examples=["PA-26-7K3Q9M"])
    title: str = Field(..., description="The report's title, or the start of its description.")
    excerpt: str = Field(..., description="The start of the description (at most 160 characters).")
    field: FieldRef | None
    commune: CommuneRef | None
    status: str
    status_label: str
    created_at: datetime
    published_at: datetime | None
    latitude: float | None = Field(..., description="Rounded to 0.001° (about 100 m).")
    longitude: float | None = Field(..., description="Rounded to 0.001° (about 100 m).")
    thumbnail_url: str | None = Field(
        ..., description="A photo of the report: the result's, else the report's."
    )
    url: str = Field(..., description="The report's public page.")


class PublicReportPage(Schema):
    count: int = Field(..., description="How many reports match; an estimate when `count_is_estimate`.")
    count_is_estimate: bool = Field(
        ...,
        description=f"True when more than {pagination.EXACT_COUNT_UP_TO:,} match: `count` is then "
        "the database's estimate, not a count.",
    )
    page: int | None = Field(..., description="The page number asked for; null on a page reached by cursor.")
    page_size: int
    next: str | None = Field(..., description="The next page (by cursor); null on the last page.")
    previous: str | None = Field(..., description="The page before (by cursor); null on the first page.")
    results: list[PublicReportItem]


class PhotoOut(Schema):
    url: str
    thumbnail_url: str
    width: int | None
    height: int | None


class ResultOut(Schema):
    text: str = Field(..., description="What the handling unit reported it did.")
    photos: list[PhotoOut] = Field(..., description="Photos after the handling.")


class PublicEventOut(Schema):
    kind: str
    label: str
    at: datetime
    status: str = Field(..., description="The report's status after the step.")
    note: str = Field(..., description="The note written for the public (a rejection's reason...), or empty.")


class PublicRatingOut(Schema):
    value: str = Field(..., description="`satisfied`, `acceptable` or `unsatisfied`.")
    label: str


class PublicReportDetail(PublicReportItem):
    description: str
    address: str
    handling_unit: str | None
    resolved_at: datetime | None
    on_time: bool | None = Field(..., description="Whether every step met its deadline; null until resolved.")
    photos: list[PhotoOut] = Field(..., description="Photos sent with the report (before the handling).")
    result: ResultOut | None
    timeline: list[PublicEventOut]
    rating: PublicRatingOut | None = Field(
        ..., description="The reporter's rating of this result, without comment."
    )


class PublicFilters(Schema):
    bbox: str | None = Field(
        None,
        description="west,south,east,north in degrees (WGS84), e.g. `106.70,21.80,106.80,21.90`; "
        "empty: anywhere.",
        json_schema_extra={"pattern": f"^$|{selectors.BBOX_PATTERN}"},
    )
    field: str | None = Field(None, description="Field code from GET /categories.")
    commune: int | None = Field(None, ge=1, description="Unit id of a commune or ward.")
    status: str | None = Field(
        None,
        description="A status, e.g. `resolved` or `closed`; empty: any.",
        json_schema_extra={"enum": ["", *Status.values]},
    )
    text: str | None = Field(
        None, max_length=200, description="Words to find, accents and case ignored; best matches first."
    )
    cursor: str | None = Field(
        None,
        max_length=300,
        description="Where a page starts, as given in `next` or `previous`: follow those links.",
    )
    page: int = Field(
        1,
        ge=1,
        le=1_000_000,
        description=f"1 is the first page. Deprecated beyond page 1: follow `next`; pages that start "
        f"past the {MAX_PAGE_DEPTH:,}th report are refused (`page_too_deep`).",
    )
    page_size: int = Field(20, ge=1, le=100)


def _absolute(request, name: str, *args) -> str:
    return request.build_absolute_uri(reverse(name, args=args))


def _photo(request, report: Report, photo: Attachment) -> dict:
    return {
        "url": _absolute(request, "portal:public_photo", report.tracking_code, photo.pk),
        "thumbnail_url": _absolute(request, "portal:public_thumb", report.tracking_code, photo.pk),
        "width": photo.width,
        "height": photo.height,
    }


def _item(request, report: Report) -> dict:
    photo = getattr(report, "card_photo", None)
    commune = report.commune
    return {
        "tracking_code": report.tracking_code,
        "title": selectors.display_title(report),
        "excerpt": selectors.excerpt(report),
        "field": report.category,
        "commune": {"id": commune.pk, "name": commune.area_name or commune.name} if commune else None,
        "status": report.status,
        "status_label": report.status_label,
        "created_at": report.created_at,
        "published_at": report.published_at,
        "latitude": selectors.public_coordinate(report.latitude),
        "longitude": selectors.public_coordinate(report.longitude),
        "thumbnail_url": (
            _absolute(request, "portal:public_thumb", report.tracking_code, photo.pk) if photo else None
        ),
        "url": _absolute(request, "portal:public_report", report.tracking_code),
    }


def _filters(params: PublicFilters) -> Filters:
    bbox = selectors.parse_bbox(params.bbox) if params.bbox else None
    if params.field and selectors.category_by_code(params.field) is None:
        message = _("There is no such field.")
        raise ValidationFailed("unknown_field", message, fields={"field": [message]})
    if params.status and params.status not in Status.values:
        message = _("There is no such status.")
        raise ValidationFailed("unknown_status", message, fields={"status": [message]})
    return Filters(
        field=params.field or "",
        commune=params.commune,
        status=params.status or "",
        text=params.text or "",
        bbox=bbox,
    )


@router.get(
    "/public/reports",
    response={200: PublicReportPage, 422: ErrorOut},
    summary="Published reports",
    openapi_extra=rules(
        invalid_bbox="`bbox` has its west east of its east, or its south north of its north",
        unknown_field="`field` names no field",
        invalid_cursor="`cursor` is not one this API gave",
        cursor_and_page="both `cursor` and a `page` other than 1",
        page_too_deep="`page` starts past the 10,000th report: follow `next`",
    ),
)
def public_reports(request, params: Query[PublicFilters]):
    """Phản ánh đã công khai: newest published first, or best matches first with `text`.

    Walk the pages with `next` and `previous` (keyset cursors): each page costs the same at any
    depth, and a report published meanwhile does not shift the pages.
    """
    filters = _filters(params)
    ordering = selectors.published_ordering(filters)
    if params.cursor and params.page != 1:
        message = _("Give either a cursor or a page number, not both.")
        raise ValidationFailed("cursor_and_page", message, fields={"cursor": [message], "page": [message]})
    if params.cursor:
        found = pagination.keyset_page(
            ordering, size=params.page_size, cursor=pagination.decode(params.cursor, ordering.mode)
        )
    elif params.page == 1:
        found = pagination.keyset_page(ordering, size=params.page_size, cursor=None)
    else:
        found = _numbered_page(filters, ordering, params)
    whole = found if not params.cursor and params.page == 1 else None
    counted = pagination.count(selectors.published_matches(filters), whole=whole)
    return {
        "count": counted.value,
        "count_is_estimate": counted.is_estimate,
        "page": None if params.cursor else params.page,
        "page_size": params.page_size,
        "next": _page_link(request, found.next),
        "previous": _page_link(request, found.previous),
        "results": [_item(request, report) for report in selectors.with_card_photos(found.rows)],
    }


def _numbered_page(filters: Filters, ordering: pagination.Ordering, params) -> pagination.Page:
    """Page 2 and beyond by number, as before cursors: rows skipped, so only so deep."""
    start = (params.page - 1) * params.page_size
    if start >= MAX_PAGE_DEPTH:
        message = _("Pages this deep are reached by following the next links (cursor), not by number.")
        raise ValidationFailed("page_too_deep", message, fields={"page": [message]})
    rows = list(selectors.published_reports(filters)[start : start + params.page_size + 1])
    more, rows = len(rows) > params.page_size, rows[: params.page_size]

    def at(row, direction: str) -> str:
        score = getattr(row, "search_score", 0)
        moment = getattr(row, ordering.key)
        return pagination.encode(pagination.Cursor(ordering.mode, direction, score, moment, row.pk))

    if not rows:
        return pagination.Page([], None, None)
    return pagination.Page(
        rows, at(rows[-1], pagination.FORWARD) if more else None, at(rows[0], pagination.BACKWARD)
    )


def _page_link(request, cursor: str | None) -> str | None:
    if cursor is None:
        return None
    query = request.GET.copy()
    query.pop("page", None)
    query["cursor"] = cursor
    return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")


@router.get(
    "/public/reports/{tracking_code}",
    response={200: PublicReportDetail, 404: ErrorOut},
    summary="A published report",
)
def public_report(request, tracking_code: str):
    """The public page of a report as data. A report that is not published is 404, like a wrong code."""
    report = selectors.published_report(tracking_code)
    if report is None:
        raise NotFound("report_not_found", _("No published report has this tracking code."))
    detail = selectors.public_detail(report)
    report.card_photo = (detail.after or detail.before or [None])[0]
    rating = detail.rating
    return {
        **_item(request, report),
        "description": detail.description,
        "address": detail.address,
        "handling_unit": detail.unit_name or None,
        "resolved_at": report.resolved_at,
        "on_time": detail.on_time,
        "photos": [_photo(request, report, p) for p in detail.before],
        "result": (
            {"text": detail.result, "photos": [_photo(request, report, p) for p in detail.after]}
            if detail.result or detail.after
            else None
        ),
        "timeline": [vars(step) for step in detail.timeline],
        "rating": {"value": rating.value, "label": rating.get_value_display()} if rating else None,
    }
