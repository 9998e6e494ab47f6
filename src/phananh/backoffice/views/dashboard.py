"""Bảng điều hành: the steering committee's dashboard, its printable page and its Excel exports.

Every figure comes from `stats.summary` (and the unit score from `stats.scores`); this module
only chooses the filters, lays the figures out and links each to the list of reports behind it.
Who reads what is `org.access.statistics_unit`: the province for the IOC, the steering
committee and administrators, a unit's subtree for its staff, nobody else (403).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from phananh.core.errors import Forbidden
from phananh.org.access import NoStatistics, ioc_root, statistics_unit
from phananh.org.models import Unit, UnitKind
from phananh.reports.files import stored_file_response
from phananh.reports.models import Category, Channel
from phananh.stats import exports, places, scores
from phananh.stats.models import ExportFile
from phananh.stats.selectors import Period
from phananh.stats.summary import breakdowns, summary, unit_rows
from phananh.triage.selectors import suggestions_taken

from .. import export_files
from ..decorators import staff_required
from .dashboard_figures import kpis, oldest_overdue, trend_chart

COMMUNE_KINDS = (UnitKind.COMMUNE, UnitKind.WARD, UnitKind.SPECIAL_ZONE)


@dataclass
class Choice:
    """The dashboard's filters as read from the address; an unknown value is ignored."""

    period: Period
    unit: Unit | None = None
    field: Category | None = None
    channel: str = ""
    commune: Unit | None = None

    def figures_filters(self) -> dict:
        return {"field": self.field, "channel": self.channel or None, "commune": self.commune}

    def query(self) -> dict:
        """The filters as list parameters: `from`/`to` are the days the reports were received."""
        params = {"from": self.period.start.isoformat(), "to": self.period.end.isoformat()}
        if self.unit:
            params["unit"] = self.unit.pk
        if self.field:
            params["field"] = self.field.code
        if self.channel:
            params["channel"] = self.channel
        if self.commune:
            params["commune"] = self.commune.pk
        return params


def _day(value: str) -> date | None:
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _pk(value: str) -> int | None:
    return int(value) if value.isdigit() else None


def read_choice(params, scope: Unit | None) -> Choice:
    """The filters; a unit outside the reader's subtree is refused (403)."""
    today = timezone.localdate()
    end = _day(params.get("to", "")) or today
    start = _day(params.get("from", "")) or date(end.year, 1, 1)
    if start > end:
        start, end = end, start
    unit = Unit.objects.filter(pk=_pk(params.get("unit", ""))).first()
    if unit and scope and not unit.path.startswith(scope.path):
        # Another unit's figures: refused, as the API refuses them, rather than quietly replaced.
        raise PermissionDenied
    channel = params.get("channel", "")
    return Choice(
        period=Period(start, end),
        unit=unit,
        field=Category.objects.filter(code=params.get("field", "")[:60]).first(),
        channel=channel if channel in Channel.values else "",
        commune=_communes().filter(pk=_pk(params.get("commune", ""))).first(),
    )


def _units(scope: Unit | None):
    """The units a person may narrow the figures to: below the IOC, or their own subtree."""
    units = Unit.objects.filter(is_active=True)
    if scope is None:
        return units.exclude(parent=None).order_by("path")
    return units.filter(path__startswith=scope.path).order_by("path")


def _communes():
    return Unit.objects.filter(kind__in=COMMUNE_KINDS, is_active=True).order_by("name")


def previous(period: Period) -> Period:
    """The period of the same length just before, to say what changed."""
    days = period.end - period.start
    end = period.start - timedelta(days=1)
    return Period(end - days, end)


def _scope_of(user) -> Unit | None:
    try:
        return statistics_unit(user)
    except NoStatistics:
        raise PermissionDenied from None


def list_url(choice: Choice, **extra) -> str:
    """The back-office list of the reports behind a figure: `figure` names it, `from`, `to`,
    `unit`, `field`, `channel` and `commune` are the dashboard's own filters (`stats.behind`)."""
    params = {"tab": "all", **choice.query(), **extra}
    return f"{reverse('backoffice:home')}?{urlencode(params)}"


def heat_points(user, choice: Choice) -> list[list[float]]:
    """[latitude, longitude, count] of the reports received in the period, by cell of about 1 km."""
    return places.heat(period=choice.period, scope_user=user, unit=choice.unit, **choice.figures_filters())


def _score_choice(params, choice: Choice) -> tuple[int, int | None]:
    year = _pk(params.get("score_year", "")) or choice.period.end.year
    quarter = _pk(params.get("score_quarter", ""))
    return year, quarter if quarter in scores.QUARTERS else None


def dashboard_context(request) -> dict:
    user = request.user
    scope = _scope_of(user)
    choice = read_choice(request.GET, scope)
    filters = choice.figures_filters()
    try:
        # One set of cells gives the summary, the unit table and the charts by field and channel.
        found = breakdowns(period=choice.period, scope_user=user, unit=choice.unit, **filters)
        before = summary(period=previous(choice.period), scope_user=user, unit=choice.unit, **filters)
    except Forbidden:
        raise PermissionDenied from None
    current, rows = found.summary, found.by_unit
    parent = choice.unit or scope or ioc_root()
    returns = scores.returns_by_unit(choice.period, parent) if parent else {}
    year, quarter = _score_choice(request.GET, choice)
    ranked = scores.ranking(period=scores.year_period(year, quarter), scope_user=user, parent=choice.unit)
    interval = "week" if request.GET.get("interval") == "week" else "month"
    return {
        "choice": choice,
        "previous": previous(choice.period),
        "summary": current,
        "kpis": kpis(current, before, lambda **extra: list_url(choice, **extra)),
        "unit_table": [(row, returns.get(row.unit_id, 0), _row_links(choice, row)) for row in rows],
        "ranking": ranked,
        "score_year": year,
        "score_quarter": quarter,
        "weights": scores.weights_for(year),
        "interval": interval,
        # The figures are as current as the newest per-report row the event tasks refreshed.
        "as_of": found.as_of,
        "charts": trend_chart(user, choice, found, interval, lambda **extra: list_url(choice, **extra)),
        "heat": heat_points(user, choice),
        "overdue": oldest_overdue(user, choice),
        "province": scope is None,
        # On a phone the KPIs come first: the filters open by themselves only once used.
        "filtered": any(
            request.GET.get(name) for name in ("from", "to", "unit", "field", "channel", "commune")
        ),
        # The IOC's use of the learned suggestions: the province's figure, as the IOC decides.
        "suggestions_taken": _suggestions_taken(choice) if scope is None else [],
        "map_center": settings.PHANANH_MAP_CENTER,
        "tile_url": settings.PHANANH_TILE_URL,
        "units": _units(scope),
        "fields": Category.objects.all(),
        "channels": Channel.choices,
        "communes": _communes(),
        "query": urlencode(choice.query()),
    }


SUGGESTION_LABELS = {
    "field": gettext_lazy("Field"),
    "urgency": gettext_lazy("Urgency"),
    "unit": gettext_lazy("Lead unit"),
}


def _suggestions_taken(choice: Choice) -> list[dict]:
    rows = suggestions_taken(*choice.period.bounds())
    return [{**row, "label": SUGGESTION_LABELS[row["key"]]} for row in rows]


def _row_links(choice: Choice, row) -> dict[str, str]:
    unit = {"unit": row.unit_id}
    return {
        "received": list_url(choice, figure="received", **unit),
        "resolved": list_url(choice, figure="resolved", **unit),
        "late": list_url(choice, figure="resolved_late", **unit),
        "overdue": list_url(choice, figure="overdue_open", **unit),
        "satisfied": list_url(choice, figure="satisfied", **unit),
    }


@staff_required
@require_GET
def dashboard(request):
    """Bảng điều hành: KPIs, trends, units, the map, the oldest overdue reports, the ranking."""
    return render(request, "backoffice/dashboard.html", dashboard_context(request))


@staff_required
@require_GET
def dashboard_print(request):
    """The same figures on paper, for the steering committee's meetings."""
    context = dashboard_context(request)
    context["printed_at"] = timezone.localtime()
    context["filters_line"] = describe(context["choice"])[1]
    return render(request, "backoffice/dashboard_print.html", context)


def describe(choice: Choice) -> tuple[str, str]:
    """The title row (what and when) and the filters row of an export or a printout."""
    period = _("from %(start)s to %(end)s") % {
        "start": date_format(choice.period.start, "d/m/Y"),
        "end": date_format(choice.period.end, "d/m/Y"),
    }
    parts = [
        _("Unit: %(name)s") % {"name": choice.unit.name} if choice.unit else _("Whole province"),
        _("Field: %(name)s") % {"name": choice.field.name} if choice.field else _("All fields"),
        _("Channel: %(name)s") % {"name": Channel(choice.channel).label}
        if choice.channel
        else _("All channels"),
        _("Commune or ward: %(name)s") % {"name": choice.commune.name} if choice.commune else "",
    ]
    title = _("Field reports, %(period)s") % {"period": period}
    return title, "; ".join(p for p in parts if p)


EXPORTS = ("tong-hop", "don-vi", "diem", "phan-anh")


@staff_required
@require_GET
def dashboard_export(request, kind: str):
    """Xuất Excel: the summary, the unit table, the unit scores or the report list, as filtered."""
    if kind not in EXPORTS:
        raise Http404
    user = request.user
    scope = _scope_of(user)
    choice = read_choice(request.GET, scope)
    title, subtitle = describe(choice)
    if kind == "phan-anh" and _too_long(user, choice):
        export_files.queue(user, kind, dict(request.GET.items()), f"{title}. {subtitle}")
        return redirect("backoffice:export_files")
    try:
        out = _export(request, kind, choice, scope, title, subtitle)
    except Forbidden:
        raise PermissionDenied from None
    name = exports.filename(kind, choice.period)
    return FileResponse(out, as_attachment=True, filename=name, content_type=exports.CONTENT_TYPE)


def _too_long(user, choice: Choice) -> bool:
    """Whether the report list has more rows than a request may write (counted up to the limit)."""
    limit = settings.PHANANH_EXPORT_INLINE_ROWS
    try:
        received = exports.received_reports(
            period=choice.period, scope_user=user, unit=choice.unit, **choice.figures_filters()
        )
    except Forbidden:
        raise PermissionDenied from None
    return received[: limit + 1].count() > limit


@staff_required
@require_GET
def export_file_list(request):
    """Tệp xuất: the person's own exported files, newest first; refreshes while one is prepared."""
    _scope_of(request.user)
    files = list(ExportFile.objects.filter(requested_by=request.user).order_by("-created_at")[:20])
    context = {"files": files, "pending": any(f.state == ExportFile.State.QUEUED for f in files)}
    if request.headers.get("HX-Request"):
        return render(request, "backoffice/_export_files.html", context)
    context["keep_days"] = settings.PHANANH_EXPORT_KEEP_DAYS
    return render(request, "backoffice/export_files.html", context)


@staff_required
@require_GET
def export_file_download(request, export_id: int):
    """One's own ready file; anyone else's, or one not ready, is not found."""
    export = ExportFile.objects.filter(
        pk=export_id, requested_by=request.user, state=ExportFile.State.READY
    ).first()
    if export is None or not export.file:
        raise Http404
    name = f"{export.kind}-{timezone.localtime(export.created_at):%Y%m%d-%H%M}.xlsx"
    return stored_file_response(
        export.file,
        filename=name,
        content_type=exports.CONTENT_TYPE,
        cache_control="private, no-store",
        inline=False,
    )


def _export(request, kind: str, choice: Choice, scope: Unit | None, title: str, subtitle: str):
    user, filters = request.user, choice.figures_filters()
    if kind == "tong-hop":
        found = summary(period=choice.period, scope_user=user, unit=choice.unit, **filters)
        return exports.summary_xlsx(found, title=title, subtitle=subtitle)
    if kind == "don-vi":
        rows = unit_rows(period=choice.period, scope_user=user, parent=choice.unit, **filters)
        parent = choice.unit or scope or ioc_root()
        returns = scores.returns_by_unit(choice.period, parent) if parent else {}
        return exports.units_xlsx(rows, returns, title=title, subtitle=subtitle)
    if kind == "diem":
        year, quarter = _score_choice(request.GET, choice)
        period = scores.year_period(year, quarter)
        ranked = scores.ranking(period=period, scope_user=user, parent=choice.unit)
        label = _("Unit scores %(year)s") % {"year": year}
        if quarter:
            label = _("Unit scores, quarter %(quarter)s of %(year)s") % {"quarter": quarter, "year": year}
        return exports.scores_xlsx(ranked, title=label, subtitle=subtitle)
    rows = exports.report_rows(period=choice.period, scope_user=user, unit=choice.unit, **filters)
    return exports.reports_xlsx(rows, title=title, subtitle=subtitle)
