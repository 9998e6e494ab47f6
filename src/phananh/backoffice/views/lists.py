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

from ..decorators import staff_required
from ..selectors import (
    ALL,
    Filters,
    default_tab,
    filter_categories,
    filter_units,
    map_points,
    tab_reports,
    tabs_for,
)

PAGE_SIZE = 25


@staff_required
@require_GET
def report_list(request):
    """Bảng điều phối / hộp việc: the reports waiting for this person, tab by tab."""
    user = request.user
    tabs = tabs_for(user)
    tab = request.GET.get("tab") or default_tab(user)
    if tab not in {t.key for t in tabs}:
        tab = default_tab(user)
    now = timezone.now()
    filters = Filters.from_query(request.GET)
    reports = filters.apply(tab_reports(user, tab, now), user)
    page = Paginator(reports, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    query["tab"] = tab
    return render(
        request,
        "backoffice/list.html",
        {
            "is_console": user.role in PROVINCE_ROLES,
            "tabs": [(t, tab_reports(user, t.key, now).count()) for t in tabs],
            "tab": tab,
            "show_filters": tab == ALL.key or filters.active,
            "filters": filters,
            "page": page,
            "rows": [(r, colour(r.status)) for r in page.object_list],
            "query": query.urlencode(),
            "now": now,
            "statuses": Status.choices,
            "urgencies": Urgency.choices,
            "categories": filter_categories(),
            "units": filter_units(user).order_by("path"),
            "map_center": settings.PHANANH_MAP_CENTER,
            "tile_url": settings.PHANANH_TILE_URL,
        },
    )


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
