"""Public pages: the home page and what the IOC published (list, report, photos, map, statistics).

Nothing here shows who sent a report: the pages read through `portal.selectors`, which only
returns published reports and rounds their places, and `stats.selectors`, which only counts.
"""

from __future__ import annotations

from datetime import date

from django import forms
from django.conf import settings
from django.core.cache import cache
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from phananh.core.errors import ValidationFailed
from phananh.org.selectors import communes
from phananh.reports.models import Category, Rating, Report
from phananh.reports.photo_redaction import public_photo_response
from phananh.reports.selectors import active_categories
from phananh.reports.statuses import Status, colour
from phananh.stats.selectors import Period, headline, public_figures
from phananh.workflow.models import Event

from . import pagination, selectors
from .selectors import Filters

PAGE_SIZE = 20
LATEST_ON_HOME = 6
FOLLOW_FORM = "portal/_follow_form.html"


def _context(**extra) -> dict:
    return {"hotline": settings.PHANANH_HOTLINE, **extra}


def _status_choices() -> list[tuple[str, str]]:
    return [(s, Status(s).label) for s in selectors.PUBLISHED_STATUSES]


class PeriodForm(forms.Form):
    """From and to, both days included (`from` is a Python keyword: the fields are added in __init__)."""

    # Dates the deployment's time zone can turn into moments, with room to spare.
    FIRST, LAST = date(1900, 1, 1), date(2999, 12, 31)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        date_input = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
        self.fields["from"] = forms.DateField(required=False, label=gettext_lazy("From"), widget=date_input)
        self.fields["to"] = forms.DateField(required=False, label=gettext_lazy("To"), widget=date_input)

    def clean(self):
        data = super().clean()
        for name in ("from", "to"):
            value = data.get(name)
            if value and not self.FIRST <= value <= self.LAST:
                self.add_error(
                    name, _("Give a date between %(first)d and %(last)d.") % {"first": 1900, "last": 2999}
                )
        start, end = data.get("from"), data.get("to")
        if start and end and start > end:
            self.add_error("to", _("The end of the period comes before its start."))
        return data

    def valid(self, name: str):
        """The value of a field that passed its checks, else None: a wrong date drops one filter only."""
        return self.cleaned_data.get(name) if name not in self.errors else None


class ReportFilterForm(PeriodForm):
    q = forms.CharField(required=False, max_length=200, label=gettext_lazy("Search"))
    field = forms.ChoiceField(required=False, label=gettext_lazy("Field"))
    commune = forms.TypedChoiceField(
        required=False, coerce=int, empty_value=None, label=gettext_lazy("Commune or ward")
    )
    status = forms.ChoiceField(required=False, label=gettext_lazy("Status"))
    # Set by the map's "see these reports" link: the reports at one place.
    bbox = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        everything = [("", _("All"))]
        self.fields["field"].choices = everything + [(c.code, c.name) for c in active_categories()]
        self.fields["commune"].choices = everything + [(u.pk, u.area_name or u.name) for u in communes()]
        self.fields["status"].choices = everything + _status_choices()

    def clean_bbox(self):
        raw = self.cleaned_data.get("bbox")
        if not raw:
            return None
        try:
            return selectors.parse_bbox(raw)
        except ValidationFailed as exc:
            raise forms.ValidationError(exc.message) from exc

    def filters(self) -> Filters:
        return Filters(
            field=self.valid("field") or "",
            commune=self.valid("commune"),
            status=self.valid("status") or "",
            start=self.valid("from"),
            end=self.valid("to"),
            text=self.valid("q") or "",
            bbox=self.valid("bbox"),
        )


# The home page's counters are kept this long at most (seconds): see `_headline`.
HEADLINE_SECONDS = 60


def _headline(year: int):
    """This year's counters, from the cache while nothing new was written.

    Summing a year of figures is most of the home page's time at a million reports, and every
    visitor asks for the same sums. The key holds the last report, event and rating written, so
    that a submission, a step or a rating shows at once; the figures a task refreshes after an
    event are in within HEADLINE_SECONDS.
    """
    last = [
        model.objects.order_by("-pk").values_list("pk", flat=True).first()
        for model in (Report, Event, Rating)
    ]
    key = "portal:home:{}:{}:{}:{}".format(year, *last)
    return cache.get_or_set(key, lambda: headline(Period.this_year()), HEADLINE_SECONDS)


def home(request):
    """Trang chủ: this year's counters, the latest published results, look-up and send."""
    counts, satisfaction = _headline(timezone.localdate().year)
    latest = selectors.published().select_related("category", "commune").order_by("-published_at", "-id")
    return render(
        request,
        "portal/home.html",
        _context(
            counts=counts,
            satisfaction=satisfaction,
            year=timezone.localdate().year,
            latest=selectors.with_card_photos(latest[:LATEST_ON_HOME]),
        ),
    )


@require_GET
def report_list(request):
    """Phản ánh đã công khai: published reports, filtered, searched, a page at a time.

    Pages are linked by keyset cursors (older and newer from where the page ends), so that a
    deep page costs what the first does; the count is exact up to
    `pagination.EXACT_COUNT_UP_TO` and an estimate, said to be one ("khoảng"), beyond.
    """
    form = ReportFilterForm(request.GET)
    form.is_valid()
    filters = form.filters()
    ordering = selectors.published_ordering(filters)
    cursor = None
    if request.GET.get("cursor"):
        try:
            cursor = pagination.decode(request.GET["cursor"], ordering.mode)
        except ValidationFailed:
            # A link from before the list changed its order or a damaged one: the first page.
            cursor = None
    page = pagination.keyset_page(ordering, size=PAGE_SIZE, cursor=cursor)
    query = request.GET.copy()
    for name in ("page", "cursor"):
        query.pop(name, None)
    return render(
        request,
        "portal/public/list.html",
        _context(
            form=form,
            page=page,
            count=pagination.count(selectors.published_matches(filters), whole=None if cursor else page),
            reports=selectors.with_card_photos(page.rows),
            query=query.urlencode(),
            filtered=any(form.data.get(name) for name in form.fields),
        ),
    )


def _follow_form_available() -> bool:
    # The follow-by-email form belongs to the tracking pages; this page works without it.
    try:
        get_template(FOLLOW_FORM)
    except TemplateDoesNotExist:
        return False
    return True


@require_GET
def report_detail(request, tracking_code: str):
    """A published report: what was wrong, where (to about 100 m), what the unit did, how it was rated."""
    report = selectors.published_report(tracking_code)
    if report is None:
        raise Http404
    detail = selectors.public_detail(report)
    return render(
        request,
        "portal/public/report.html",
        _context(
            detail=detail,
            report=report,
            status_colour=colour(report.status),
            tile_url=settings.PHANANH_TILE_URL,
            follow_form=_follow_form_available(),
        ),
    )


@require_GET
def photo(request, tracking_code: str, attachment_id: int, thumbnail: bool = False):
    """A "before" or "after" photo of a published report, its public copy only; anything else is 404."""
    attachment = selectors.public_photo(tracking_code, attachment_id)
    if attachment is None:
        raise Http404
    return public_photo_response(attachment, thumbnail=thumbnail)


@require_GET
def map_page(request):
    """Bản đồ: published reports, clustered by the server so that it stays fast with many."""
    return render(
        request,
        "portal/public/map.html",
        _context(
            categories=active_categories(),
            statuses=_status_choices(),
            tile_url=settings.PHANANH_TILE_URL,
            map_center=settings.PHANANH_MAP_CENTER,
        ),
    )


def _map_error(exc: ValidationFailed) -> JsonResponse:
    return JsonResponse(exc.as_dict(), status=exc.status)


def _zoom(raw: str | None) -> int:
    message = _("Give a zoom level from 0 to %(max)d.") % {"max": selectors.MAX_ZOOM}
    try:
        zoom = int(raw or "")
    except ValueError as exc:
        raise ValidationFailed("invalid_zoom", message, fields={"zoom": [message]}) from exc
    if not 0 <= zoom <= selectors.MAX_ZOOM:
        raise ValidationFailed("invalid_zoom", message, fields={"zoom": [message]})
    return zoom


def map_filters(params) -> tuple[int | None, str]:
    """The map's `field` (a field code) and `status`, checked: (category id or None, status)."""
    field_id = None
    if params.get("field"):
        category = selectors.category_by_code(params["field"])
        if category is None:
            message = _("There is no such field.")
            raise ValidationFailed("unknown_field", message, fields={"field": [message]})
        field_id = category.pk
    status = params.get("status") or ""
    if status and status not in Status.values:
        message = _("There is no such status.")
        raise ValidationFailed("unknown_status", message, fields={"status": [message]})
    return field_id, status


@require_GET
def map_clusters(request):
    """`cum.json?bbox=w,s,e,n&zoom=z[&field=&status=]`: clusters {lat, lon, count} of published reports.

    A cluster of one report names it (`code`, `field`, `url`); on the finest grid (0.001°) a
    place with several reports links to them in the list (`list_url`).
    """
    try:
        bbox = selectors.parse_bbox(request.GET.get("bbox"))
        zoom = _zoom(request.GET.get("zoom"))
        field_id, status = map_filters(request.GET)
    except ValidationFailed as exc:
        return _map_error(exc)
    found = selectors.clusters(bbox=bbox, zoom=zoom, field_id=field_id, status=status)
    names = (
        dict(Category.objects.values_list("pk", "name"))
        if any(c.tracking_code for c in found.clusters)
        else {}
    )
    # One reverse() for thousands of markers.
    report_url = reverse("portal:public_report", args=["PA-00-XXXXXX"]).replace("PA-00-XXXXXX", "{}")
    list_url = reverse("portal:public_list")
    clusters = []
    for cluster in found.clusters:
        entry = {"lat": cluster.latitude, "lon": cluster.longitude, "count": cluster.count}
        if cluster.tracking_code:
            entry["code"] = cluster.tracking_code
            entry["field"] = names.get(cluster.category_id, "")
            entry["url"] = report_url.format(cluster.tracking_code)
        elif found.finest:
            # One rounded place with several reports: no zoom splits it, the list shows them.
            place = f"{cluster.longitude},{cluster.latitude},{cluster.longitude},{cluster.latitude}"
            entry["list_url"] = f"{list_url}?bbox={place}"
        clusters.append(entry)
    response = JsonResponse(
        {"zoom": zoom, "cell": float(found.cell), "total": found.total, "clusters": clusters},
        json_dumps_params={"ensure_ascii": False, "separators": (",", ":")},
    )
    response["Cache-Control"] = "public, max-age=60"
    return response


@require_GET
def statistics(request):
    """Thống kê: counts for a period (this year unless asked), as charts and as tables."""
    form = PeriodForm(request.GET)
    form.is_valid()
    end = form.valid("to") or timezone.localdate()
    start = form.valid("from") or date(end.year, 1, 1)
    period = Period(start, max(start, end))
    figures = public_figures(period)
    breakdowns = [
        (_("By field"), figures.by_field, "table-fields", "chart-fields"),
        (_("By handling unit"), figures.by_unit, "table-units", "chart-units"),
    ]
    return render(
        request,
        "portal/public/stats.html",
        _context(form=form, figures=figures, period=period, breakdowns=breakdowns, charts=_charts(figures)),
    )


def _breakdown_chart(rows) -> dict:
    """Stacked bars: each row's received reports split by where they stand now (they add up to it)."""
    parts = {
        "resolved": [r.counts.accepted - r.counts.in_progress for r in rows],
        "in_progress": [r.counts.in_progress for r in rows],
        "other": [r.counts.received - r.counts.accepted for r in rows],
    }
    labels = {
        "resolved": _("Resolved since"),
        "in_progress": _("In progress"),
        "other": _("Waiting, rejected or merged"),
    }
    return {
        "labels": [r.label for r in rows],
        "series": [{"key": key, "label": labels[key], "values": values} for key, values in parts.items()],
    }


def _charts(figures) -> dict:
    """The numbers of the tables, for the charts drawn in the browser (public_stats.js)."""
    c = figures.counts
    # Where the reports received in the period stand now: the parts add up to "received".
    status = [
        ("waiting", _("Waiting for reception"), c.waiting),
        ("rejected", _("Rejected"), c.rejected.total),
        ("merged", _("Merged into another report"), c.merged),
        ("in_progress", _("In progress"), c.in_progress),
        ("resolved", _("Resolved since"), c.accepted - c.in_progress),
    ]
    return {
        "status": [{"key": k, "label": label, "value": v} for k, label, v in status],
        "satisfaction": [
            {"key": v, "label": label, "value": n} for v, label, n, _share in figures.satisfaction_rows
        ],
        "fields": _breakdown_chart(figures.by_field),
        "units": _breakdown_chart(figures.by_unit),
    }
