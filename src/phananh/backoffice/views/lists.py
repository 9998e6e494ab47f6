"""The IOC console and the unit inbox: one list view, tabs by role, and the map of open reports."""

from __future__ import annotations

from django.conf import settings
from django.core.paginator import Paginator
from django.http import JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_GET

from phananh.org.access import PROVINCE_ROLES
from phananh.reports.statuses import Status, Urgency, colour
from phananh.workflow.selectors import active_rejection_reasons

from ..decorators import staff_required
from ..selectors import (
    ALL,
    SORT_CHOICES,
    Filters,
    deadline_state,
    default_tab,
    filter_categories,
    filter_units,
    map_points,
    tab_reports,
    tabs_for,
)
from .bulk import bulk_statuses, may_bulk

PAGE_SIZE = 25
# How often the list asks for fresh tab counts: new reports show without reloading the page.
REFRESH_SECONDS = 60


def _current_tab(request) -> str:
    tabs = tabs_for(request.user)
    tab = request.GET.get("tab") or default_tab(request.user)
    return tab if tab in {t.key for t in tabs} else default_tab(request.user)


def _query(request, tab: str, **drop) -> str:
    """The list's address without the page (and whatever else is dropped): filters stay in it."""
    query = request.GET.copy()
    for key in ("page", *drop):
        query.pop(key, None)
    query["tab"] = tab
    return query.urlencode()


def _tab_counts(request, filters: Filters, now) -> list:
    """Each tab with how many reports wait in it, under the same filters as the list."""
    user = request.user
    query = request.GET.copy()
    query.pop("page", None)
    counted = []
    for t in tabs_for(user):
        query["tab"] = t.key
        counted.append((t, filters.apply(tab_reports(user, t.key, now), user).count(), query.urlencode()))
    return counted


def _rows(reports, now) -> list:
    return [(r, colour(r.status), deadline_state(r, now)) for r in reports]


@staff_required
@require_GET
def report_list(request):
    """Bảng điều phối / hộp việc: the reports waiting for this person, tab by tab."""
    user = request.user
    tab = _current_tab(request)
    now = timezone.now()
    filters = Filters.from_query(request.GET)
    reports = filters.apply(tab_reports(user, tab, now), user)
    page = Paginator(reports, PAGE_SIZE).get_page(request.GET.get("page"))
    pickable = bulk_statuses()
    # The bulk form only where a row on this page can be ticked.
    bulk = may_bulk(user) and any(r.status in pickable for r in page.object_list)
    return render(
        request,
        "backoffice/list.html",
        {
            "is_console": user.role in PROVINCE_ROLES,
            "tabs": _tab_counts(request, filters, now),
            "tab": tab,
            "show_filters": tab == ALL.key or filters.active,
            "filters": filters,
            "page": page,
            "rows": _rows(page.object_list, now),
            "query": _query(request, tab),
            "now": now,
            "statuses": Status.choices,
            "urgencies": Urgency.choices,
            "sorts": SORT_CHOICES,
            "categories": filter_categories(),
            "units": filter_units(user).order_by("path"),
            "map_center": settings.PHANANH_MAP_CENTER,
            "tile_url": settings.PHANANH_TILE_URL,
            "may_bulk": bulk,
            "bulk_statuses": pickable,
            "rejection_reasons": active_rejection_reasons() if bulk else (),
            "refresh_seconds": REFRESH_SECONDS,
        },
    )


@staff_required
@require_GET
def tab_counts(request):
    """The tabs with fresh counts, polled by the list every REFRESH_SECONDS (htmx)."""
    filters = Filters.from_query(request.GET)
    response = render(
        request,
        "backoffice/_tabs.html",
        {
            "tabs": _tab_counts(request, filters, timezone.now()),
            "tab": _current_tab(request),
            "refresh_seconds": REFRESH_SECONDS,
        },
    )
    patch_cache_control(response, private=True, no_cache=True)
    return response


@staff_required
@require_GET
def map_json(request):
    """GeoJSON of the open reports this person can see: code, status and urgency, no personal data."""
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [float(row["longitude"]), float(row["latitude"])]},
            "properties": {
                "tracking_code": row["tracking_code"],
                "status": row["status"],
                "status_label": str(Status(row["status"]).label),
                "colour": colour(row["status"]),
                "urgency": row["urgency"],
                "url": reverse("backoffice:report", args=[row["tracking_code"]]),
            },
        }
        for row in map_points(request.user)
    ]
    response = JsonResponse({"type": "FeatureCollection", "features": features})
    patch_cache_control(response, private=True, no_cache=True)
    return response
