"""The dashboard's KPIs, charts and overdue list, laid out from `stats.summary`'s figures."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from phananh.org.models import Unit
from phananh.reports.models import Category, Channel
from phananh.stats import exports
from phananh.stats.exports import RECEIVED
from phananh.stats.summary import Breakdowns, Summary, series

OLDEST_OVERDUE = 10


@dataclass(frozen=True)
class Kpi:
    """One headline figure, the same figure for the period before, and where its reports are."""

    key: str
    label: str
    value: float | int | None
    previous: float | int | None
    kind: str  # "count", "share" or "hours": how it is shown and how its change is told
    # +1 when a rise is good news, -1 when it is bad news, 0 when it is neither.
    good: int
    url: str

    @property
    def change(self) -> float | None:
        if self.value is None or self.previous is None:
            return None
        if self.kind == "share":
            return round((self.value - self.previous) * 100, 1)  # percentage points
        return round(self.value - self.previous, 1)

    @property
    def tone(self) -> str:
        if not self.change or not self.good:
            return "flat"
        return "better" if self.change * self.good > 0 else "worse"


def kpis(now: Summary, before: Summary, link: Callable[..., str]) -> list[Kpi]:
    def both(read):
        return read(now), read(before)

    def hours(s):
        return s.steps["handling"].average_hours

    return [
        Kpi("received", str(RECEIVED), *both(lambda s: s.received), "count", 0, link(figure="received")),
        Kpi("resolved", _("Resolved"), *both(lambda s: s.resolved), "count", 1, link(figure="resolved")),
        Kpi(
            "on_time_rate",
            _("On-time rate"),
            *both(lambda s: s.on_time_rate),
            "share",
            1,
            link(figure="resolved"),
        ),
        Kpi(
            "resolved_late",
            _("Resolved late"),
            *both(lambda s: s.resolved_late),
            "count",
            -1,
            link(figure="resolved_late"),
        ),
        Kpi(
            "overdue_open",
            _("Overdue now"),
            *both(lambda s: s.overdue_open),
            "count",
            -1,
            link(figure="overdue_open"),
        ),
        Kpi(
            "satisfied",
            _("Satisfied"),
            *both(lambda s: s.ratings.satisfied.share),
            "share",
            1,
            link(figure="satisfied"),
        ),
        Kpi("handling_hours", _("Hours of handling"), *both(hours), "hours", -1, link(figure="resolved")),
        Kpi(
            "rejected", _("Rejected"), *both(lambda s: s.rejected.total), "count", 0, link(figure="rejected")
        ),
    ]


def _point_days(points, period) -> list[tuple[date, date]]:
    """The days each week or month of the chart covers, within the period."""
    if not points:
        # No figures yet (a new deployment before its first count): an empty chart.
        return []
    starts = [max(p.start, period.start) for p in points]
    ends = [nxt - timedelta(days=1) for nxt in starts[1:]] + [period.end]
    return list(zip(starts, ends, strict=True))


def trend_chart(user, choice, found: Breakdowns, interval: str, link: Callable[..., str]) -> dict:
    """The charts' numbers: over time, by field, by channel (the tables beside them say the same).

    `found` is the period's figures with their breakdowns. Each bar carries the address of the
    list of the reports it counts (`links`)."""
    filters = choice.figures_filters()
    points = series(period=choice.period, interval=interval, scope_user=user, unit=choice.unit, **filters)
    label = "%d/%m" if interval == "week" else "%m/%Y"
    current = found.summary
    names = dict(Channel.choices)
    by_channel = [(v, str(names.get(v, v)), s.received) for v, s in found.by_channel]
    return {
        "trend": {
            "labels": [p.start.strftime(label) for p in points],
            "received": [p.summary.received for p in points],
            "resolved": [p.summary.resolved for p in points],
            "on_time": [_percent(p.summary.on_time_rate) for p in points],
            "names": {"received": str(RECEIVED), "resolved": _("Resolved"), "on_time": _("On-time rate (%)")},
            "links": [
                link(figure="received", **{"from": first.isoformat(), "to": last.isoformat()})
                for first, last in _point_days(points, choice.period)
            ],
        },
        "fields": {
            "labels": [f.name for f in current.top_fields],
            "values": [f.received for f in current.top_fields],
            "name": str(RECEIVED),
            "links": [link(figure="received", field=f.code) for f in current.top_fields],
        },
        "channels": {
            "labels": [name for _v, name, n in by_channel if n],
            "values": [n for _v, _name, n in by_channel if n],
            "name": str(RECEIVED),
            "links": [link(figure="received", channel=v) for v, _name, n in by_channel if n],
        },
    }


def _percent(share: float | None) -> float | None:
    return round(share * 100, 1) if share is not None else None


def oldest_overdue(user, choice) -> list[dict]:
    """The open reports whose running step has been overdue longest (counted in "overdue now")."""
    now = timezone.now()
    rows = (
        exports.received_reports(
            period=choice.period, scope_user=user, unit=choice.unit, **choice.figures_filters()
        )
        .filter(open_deadline__lt=now)
        .order_by("open_deadline", "pk")
        .values("report__tracking_code", "report__title", "open_deadline", "lead_unit_id", "category_id")[
            :OLDEST_OVERDUE
        ]
    )
    rows = list(rows)
    units = dict(Unit.objects.filter(pk__in={r["lead_unit_id"] for r in rows}).values_list("pk", "name"))
    fields = dict(Category.objects.filter(pk__in={r["category_id"] for r in rows}).values_list("pk", "name"))
    return [
        {
            "code": r["report__tracking_code"],
            "title": r["report__title"],
            "deadline": r["open_deadline"],
            "days": (now - r["open_deadline"]).days,
            "unit": units.get(r["lead_unit_id"], ""),
            "field": fields.get(r["category_id"], ""),
            "url": reverse("backoffice:report", args=[r["report__tracking_code"]]),
        }
        for r in rows
    ]
