"""Each report's figures (`ReportFigures`), read off its own rows: status, events, steps, ratings.

`figures_for(ids)` computes them from the raw rows in a few set-wise queries, so that one report
after an event and a million after a data load take the same path; `refresh(ids)` stores them.
The transition service hands every event to `refresh_after_event` (PHANANH_EVENT_TASKS), and the
periodic `catch_up` refreshes the reports of any event written since its last run, so that a
task lost on the way (a worker killed) leaves the figures wrong for one period of the job only.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from phananh.reports.models import Rating, Report
from phananh.reports.statuses import Status
from phananh.workflow.models import Event, EventKind, Step

from . import rollup
from .models import STEP_KINDS, FiguresSweep, ReportFigures, Stage

S = Status
BATCH = 2000
HOUR = timedelta(hours=1)
# Longer than any transaction that writes events.
CATCH_UP_MARGIN = timedelta(minutes=10)
_STAGES = {
    S.REJECTED: Stage.REJECTED,
    S.MERGED: Stage.MERGED,
    S.RESOLVED: Stage.RESOLVED,
    S.CLOSED: Stage.RESOLVED,
    S.SUBMITTED: Stage.WAITING,
}
_REPORT_FIELDS = (
    "pk",
    "created_at",
    "resolved_at",
    "status",
    "paused_status",
    "category_id",
    "lead_unit_id",
    "commune_id",
    "channel",
)
_UPDATED = [f.name for f in ReportFigures._meta.concrete_fields if not f.primary_key]


def stage_of(status: str, paused_status: str) -> str:
    # A report waiting for the reporter counts where it stood when the question was asked.
    if status == S.INFO_REQUESTED:
        status = paused_status or S.SUBMITTED
    return _STAGES.get(status, Stage.IN_PROGRESS)


def _step_figures(row: ReportFigures, steps: list[dict]) -> None:
    deadlines = []
    for step in steps:
        if step["finished_at"] is None:
            if step["paused_at"] is None:
                deadlines.append(step["deadline"])
            continue
        kind = step["kind"]
        late = step["on_time"] is False
        setattr(row, f"{kind}_steps", getattr(row, f"{kind}_steps") + 1)
        setattr(row, f"{kind}_late", getattr(row, f"{kind}_late") + late)
        hours = (step["finished_at"] - step["started_at"]) / HOUR
        setattr(row, f"{kind}_hours", getattr(row, f"{kind}_hours") + hours)
        row.late = row.late or late
    if row.stage in (Stage.WAITING, Stage.IN_PROGRESS) and deadlines:
        row.open_deadline = min(deadlines)


def _grouped(rows: Iterable[dict], key: str = "report_id") -> dict[int, list[dict]]:
    grouped: dict[int, list[dict]] = {}
    for row in rows:
        grouped.setdefault(row[key], []).append(row)
    return grouped


def figures_for(ids: list[int], now=None) -> list[ReportFigures]:
    """The figures of the reports `ids`, from their raw rows (5 queries whatever their number)."""
    now = now or timezone.now()
    reports = list(Report.objects.filter(pk__in=ids).values(*_REPORT_FIELDS))
    dispatched = set(
        Event.objects.filter(report_id__in=ids, kind=EventKind.DISPATCHED).values_list("report_id", flat=True)
    )
    rejected = [r["pk"] for r in reports if r["status"] == S.REJECTED]
    reasons = {
        report_id: data.get("reason", "")
        for report_id, data in Event.objects.filter(report_id__in=rejected, kind=EventKind.REJECTED)
        .order_by("created_at", "id")
        .values_list("report_id", "data")
    }
    steps = _grouped(
        Step.objects.filter(report_id__in=ids)
        .order_by()
        .values("report_id", "kind", "started_at", "finished_at", "paused_at", "deadline", "on_time")
    )
    ratings = {
        report_id: (value, created_at)
        for report_id, value, created_at in Rating.objects.filter(report_id__in=ids)
        .order_by("closure")
        .values_list("report_id", "value", "created_at")
    }
    return [_row(r, r["pk"] in dispatched, reasons, steps, ratings, now) for r in reports]


def _row(r: dict, dispatched: bool, reasons: dict, steps: dict, ratings: dict, now) -> ReportFigures:
    rating, rated_at = ratings.get(r["pk"], ("", None))
    row = ReportFigures(
        report_id=r["pk"],
        received_at=r["created_at"],
        resolved_at=r["resolved_at"],
        rating=rating,
        rated_at=rated_at,
        stage=stage_of(r["status"], r["paused_status"]),
        dispatched=dispatched,
        rejection_reason=reasons.get(r["pk"], "") if r["status"] == S.REJECTED else "",
        category_id=r["category_id"],
        lead_unit_id=r["lead_unit_id"],
        commune_id=r["commune_id"],
        channel=r["channel"],
        refreshed_at=now,
    )
    for kind in STEP_KINDS:
        setattr(row, f"{kind}_steps", 0)
        setattr(row, f"{kind}_late", 0)
        setattr(row, f"{kind}_hours", 0.0)
    _step_figures(row, steps.get(r["pk"], []))
    return row


def refresh(ids: Iterable[int]) -> int:
    """Rewrite the figures of the reports `ids` from their raw rows; returns how many."""
    ids = list(dict.fromkeys(ids))
    done = 0
    for start in range(0, len(ids), BATCH):
        batch = ids[start : start + BATCH]
        old = ReportFigures.objects.filter(pk__in=batch).values_list("received_at", "resolved_at", "rated_at")
        rows = figures_for(batch)
        with transaction.atomic():
            ReportFigures.objects.bulk_create(
                rows, update_conflicts=True, unique_fields=["report"], update_fields=_UPDATED
            )
            # The months the report counted in before and counts in now must be summed again.
            rollup.mark(
                [m for dates in old for m in dates]
                + [m for r in rows for m in (r.received_at, r.resolved_at, r.rated_at)]
            )
        done += len(rows)
    return done


def refresh_after_event(event_id: int) -> int:
    """The figures of the report(s) an event changed: its own report."""
    report_id = Event.objects.filter(pk=event_id).values_list("report_id", flat=True).first()
    return refresh([report_id]) if report_id else 0


def catch_up() -> int:
    """Refresh the reports of every event written since the last run began (periodic).

    Read from a little before that moment: an event written in a transaction that committed
    after the last run, with an earlier time, is still read. Refreshing twice costs nothing.
    """
    sweep, _created = FiguresSweep.objects.get_or_create(pk=1)
    began = timezone.now()
    ids = Event.objects.order_by()
    if sweep.swept_at is not None:
        ids = ids.filter(created_at__gte=sweep.swept_at - CATCH_UP_MARGIN)
    done = refresh(ids.values_list("report_id", flat=True).distinct())
    FiguresSweep.objects.filter(pk=1).update(swept_at=began)
    return done
