"""Statistics API for the steering committee: a period's figures, per unit, and over time.

Staff bearer token (POST /api/v1/auth/token). The IOC's staff, the steering committee and
administrators read the province's figures; a unit's staff those of their own subtree; other
accounts get 403. Every figure is defined in `docs/statistics.md` and computed by
`stats.summary`, the same functions as the public statistics page.
"""

from __future__ import annotations

import re
from dataclasses import asdict
from datetime import date
from typing import Annotated, Literal

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from pydantic import BeforeValidator

from phananh.core.errors import ValidationFailed
from phananh.core.schemas import ErrorOut, rules
from phananh.org.auth import staff_token
from phananh.org.models import Unit
from phananh.reports.models import Category, Channel

from . import summary as figures
from .periods import Period

router = Router(tags=["statistics"], auth=staff_token)
ERRORS = {401: ErrorOut, 403: ErrorOut, 422: ErrorOut}
RULES = rules(
    invalid_period="`to` comes before `from`",
    unknown_unit="`unit`, `commune` or `parent` names no unit",
    unknown_category="`field` names no field",
)


def _iso_day(value):
    # Only YYYY-MM-DD, as the document's `format: date` says: pydantic alone would also read a
    # number of seconds ("0" is 1 January 1970).
    if isinstance(value, str) and not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        raise ValueError("Enter a date as YYYY-MM-DD.")
    return value


Day = Annotated[date, BeforeValidator(_iso_day)]


class ShareOut(Schema):
    count: int
    share: float | None = Field(..., description="Of all ratings given, 0 to 1; null when none.")


class RejectedOut(Schema):
    total: int
    by_reason: dict[str, int] = Field(..., description="Rejected reports by the code of their reason.")


class StepFiguresOut(Schema):
    finished: int = Field(..., description="Steps of this kind finished by the reports resolved.")
    on_time: int
    late: int
    on_time_rate: float | None
    average_hours: float | None = Field(..., description="Wall-clock hours, per step finished.")


class RatingsOut(Schema):
    satisfied: ShareOut
    acceptable: ShareOut
    unsatisfied: ShareOut
    total: int


class CallsOut(Schema):
    """The hotline's calls that started in the period: province-wide figures, 0 when narrowed to
    a unit, a field, a commune or a channel other than the hotline."""

    inbound: int = Field(..., description="Support calls received.")
    outbound: int = Field(..., description="Verification calls made.")


class FieldCountOut(Schema):
    code: str
    name: str
    received: int


class SummaryOut(Schema):
    received: int = Field(..., description="Reports submitted in the period.")
    waiting: int = Field(..., description="Of those, not yet accepted or rejected.")
    accepted: int = Field(..., description="Of those, accepted by the IOC and not rejected or merged since.")
    dispatched: int = Field(..., description="Of the accepted, dispatched to a unit at least once.")
    rejected: RejectedOut
    merged: int = Field(..., description="Of those received, merged into another report.")
    in_progress: int = Field(..., description="Of the accepted, not resolved now.")
    overdue_open: int = Field(..., description="Of those received and open, with a running step overdue.")
    resolved: int = Field(..., description="Reports whose result the IOC verified in the period.")
    resolved_on_time: int
    resolved_late: int = Field(..., description="Resolved with some step finished after its deadline.")
    on_time_rate: float | None = Field(..., description="resolved_on_time / resolved, 0 to 1.")
    steps: dict[str, StepFiguresOut] = Field(..., description="Per step kind, of the reports resolved.")
    average_hours: dict[str, float | None]
    ratings: RatingsOut = Field(..., description="Each report's latest rating, given in the period.")
    calls: CallsOut
    reporter_accounts: int = Field(
        ...,
        description=(
            "Citizens' accounts made by the period's end; province-wide only "
            "(0 with a unit, field, channel or commune filter)."
        ),
    )
    participating_units: int = Field(..., description="Units leading a report received in the period.")
    top_fields: list[FieldCountOut]


class PeriodOut(Schema):
    start: date = Field(..., description="The first day (`from`).")
    end: date = Field(..., description="The last day, included (`to`).")


class SummaryAnswer(Schema):
    period: PeriodOut
    figures: SummaryOut


class UnitRowOut(Schema):
    id: int
    code: str
    name: str
    direct: bool = Field(..., description="The parent's own reports, without its units'.")
    figures: SummaryOut


class UnitsAnswer(Schema):
    period: PeriodOut
    parent: int | None
    units: list[UnitRowOut]


class PointOut(Schema):
    start: date = Field(..., description="The first day of the week (Monday) or month.")
    figures: SummaryOut


class SeriesAnswer(Schema):
    period: PeriodOut
    interval: str
    points: list[PointOut]


class Filters(Schema):
    start: Day | None = Field(None, alias="from", description="First day (default: 1 January).")
    end: Day | None = Field(None, alias="to", description="Last day, included (default: today).")
    unit: int | None = Field(None, ge=1, description="Unit id: the reports its subtree leads.")
    field: str | None = Field(None, description="Field code.")
    channel: Channel | None = None
    commune: int | None = Field(None, ge=1, description="Unit id of the commune or ward of the place.")


class UnitRowFilters(Filters):
    parent: int | None = Field(None, ge=1, description="Rows for the units right below this one.")


class SeriesFilters(Filters):
    interval: Literal["week", "month"] = "month"


def _invalid(name: str, code: str, message: str) -> ValidationFailed:
    return ValidationFailed(code, message, fields={name: [message]})


def _period(f: Filters) -> Period:
    end = f.end or timezone.localdate()
    start = f.start or date(end.year, 1, 1)
    if start > end:
        raise _invalid("to", "invalid_period", _("The end of the period comes before its start."))
    return Period(start, end)


def _unit(pk: int | None, name: str) -> Unit | None:
    if pk is None:
        return None
    unit = Unit.objects.filter(pk=pk).first()
    if unit is None:
        raise _invalid(name, "unknown_unit", _("There is no such unit."))
    return unit


def _filters(request, f: Filters) -> dict:
    field = None
    if f.field:
        field = Category.objects.filter(code=f.field).first()
        if field is None:
            raise _invalid("field", "unknown_category", _("There is no such field."))
    return {
        "scope_user": request.auth,
        "field": field,
        "channel": f.channel.value if f.channel else None,
        "commune": _unit(f.commune, "commune"),
    }


def _out(period: Period) -> dict:
    return {"start": period.start, "end": period.end}


@router.get(
    "/summary", response={200: SummaryAnswer, **ERRORS}, summary="A period's figures", openapi_extra=RULES
)
def stats_summary(request, filters: Query[Filters]):
    """Số liệu tổng hợp: the figures of the reports in the caller's scope, for the period."""
    period = _period(filters)
    found = figures.summary(period=period, unit=_unit(filters.unit, "unit"), **_filters(request, filters))
    return {"period": _out(period), "figures": asdict(found)}


@router.get(
    "/units", response={200: UnitsAnswer, **ERRORS}, summary="The figures of each unit", openapi_extra=RULES
)
def stats_units(request, filters: Query[UnitRowFilters]):
    """Theo đơn vị: one row per unit below `parent` (the IOC, or the caller's own unit)."""
    period = _period(filters)
    parent = _unit(filters.parent if filters.parent is not None else filters.unit, "parent")
    rows = figures.unit_rows(period=period, parent=parent, **_filters(request, filters))
    return {
        "period": _out(period),
        "parent": parent.pk if parent else None,
        "units": [
            {
                "id": r.unit_id,
                "code": r.code,
                "name": r.name,
                "direct": r.direct,
                "figures": asdict(r.summary),
            }
            for r in rows
        ],
    }


@router.get(
    "/series",
    response={200: SeriesAnswer, **ERRORS},
    summary="The figures week by week or month by month",
    openapi_extra=RULES,
)
def stats_series(request, filters: Query[SeriesFilters]):
    """Xu hướng: each week or month of the period, each figure counted on its own date."""
    period = _period(filters)
    points = figures.series(
        period=period,
        interval=filters.interval,
        unit=_unit(filters.unit, "unit"),
        **_filters(request, filters),
    )
    return {
        "period": _out(period),
        "interval": filters.interval,
        "points": [{"start": p.start, "figures": asdict(p.summary)} for p in points],
    }
