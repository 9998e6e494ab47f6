"""The pre-aggregated figures give exactly what the raw rows say.

Given: 45 reports taken through the transition service along random paths over four months of
2025 — rejections, merges, returns, extensions decided after the result went in (a late event
that judges the finished step again), late results, ratings given weeks later, reopenings of
rejected and of rated reports — with the event tasks run after each commit, as in production.
Then: for periods of whole months, of odd days, and across months, the summary equals the
figures counted here in plain Python from the reports, steps, events and ratings; before the
monthly rollup is rebuilt (dirty months read from the per-report rows) and after.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

import pytest
from freezegun import freeze_time

from phananh.org.access import Reporter
from phananh.reports.intake import validate_submission
from phananh.reports.models import Rating, Report
from phananh.reports.statuses import Status
from phananh.stats import rollup
from phananh.stats.facts import figures_for
from phananh.stats.models import DirtyMonth, MonthFigures, MonthPlaces, ReportFigures
from phananh.stats.periods import Period
from phananh.stats.places import heat
from phananh.stats.summary import breakdowns, series, summary
from phananh.workflow.models import Event, EventKind, Step
from phananh.workflow.submission import report_submit

pytestmark = pytest.mark.django_db
START = datetime.fromisoformat("2025-03-03T08:00:00+07:00")
S = Status


class Walk:
    """One report's random path, each action at a later moment."""

    def __init__(self, rng, clock, people, units, act, report, previous):
        self.rng, self.clock, self.p, self.units, self.act = rng, clock, people, units, act
        self.report, self.previous = report, previous

    def later(self, days: float) -> None:
        self.clock.tick(timedelta(days=self.rng.uniform(0, days)))

    def do(self, user, action, **data):
        self.later(2)
        self.act(self.report, user, action, **data)

    def play(self) -> None:
        lan, rng = self.p["lan"], self.rng
        roll = rng.random()
        if roll < 0.2:
            self.do(lan, "reject", reason=rng.choice(["ngoai-dia-ban", "trung-lap", "thieu-thong-tin"]))
            if rng.random() < 0.3:
                self.do(lan, "reopen", reason="Xem lại")
                self.handle()
            return
        if (
            roll < 0.27
            and self.previous is not None
            and self.previous.status not in (S.REJECTED, S.MERGED, S.CLOSED)
        ):
            return self.do(lan, "merge", into=self.previous.tracking_code)
        if roll < 0.33:
            return  # still waiting for reception
        self.handle()

    def handle(self) -> None:
        p, rng = self.p, self.rng
        self.do(
            p["lan"], "accept", category="ha-tang-do-thi", urgency="normal", lead_unit=self.units["so_xd"].pk
        )
        if rng.random() < 0.15:
            self.do(p["hung"], "return", reason="Không thuộc thẩm quyền")
            self.do(p["lan"], "dispatch", unit=self.units["so_xd"].pk)
        if rng.random() < 0.3:
            self.do(p["hung"], "dispatch", unit=self.units["phong_ht"].pk)
        if rng.random() < 0.1:
            return
        self.do(p["hung"], "assign", handler=p["tuan"].pk)
        self.work()

    def work(self) -> None:
        p, rng = self.p, self.rng
        asked = rng.random() < 0.25
        if asked:
            self.do(
                p["tuan"],
                "request_extension",
                deadline=(datetime.now().astimezone() + timedelta(days=20)).isoformat(),
                reason="Chờ vật tư",
            )
        self.later(12)  # late or on time, as it falls
        self.do(p["tuan"], "submit_result", result="Đã xử lý")
        if asked:
            # Decided after the result went in: the finished step is judged again.
            self.report.refresh_from_db()
            # Whoever dispatched to the unit holding it decides: the IOC, or Sở Xây dựng for its division.
            decider = p["hung"] if self.report.lead_unit_id == self.units["phong_ht"].pk else p["lan"]
            self.do(decider, "decide_extension", approve=rng.random() < 0.7)
        if rng.random() < 0.1:
            return
        self.do(p["binh"], "approve_result")
        self.do(p["lan"], "verify")
        if rng.random() < 0.1:
            return
        self.do(p["lan"], "close")
        self.rate()

    def rate(self) -> None:
        if self.rng.random() < 0.4:
            return
        self.later(40)  # often in a later month than the result
        value = self.rng.choice(["satisfied", "satisfied", "acceptable", "unsatisfied"])
        self.act(self.report, Reporter(self.report.pk), "rate", value=value)
        if value == "unsatisfied" and self.rng.random() < 0.6:
            self.do(self.p["lan"], "reopen", reason="Người dân chưa hài lòng")
            self.report.refresh_from_db()
            if self.report.status == S.IN_PROGRESS:
                self.work()


CHANNELS = ["web", "app", "zalo", "hotline"]
# Three places in Lạng Sơn, in cells of 0.01° of their own.
PLACES = [(21.8537, 106.7610), (21.8352, 106.7288), (21.9021, 106.5023)]


@pytest.fixture
def history(people, so_xd, phong_ht, act, django_capture_on_commit_callbacks, ioc):
    rng = random.Random(10)

    def submit(description):
        # Each report by one of four doors, at one of three places (or none given).
        place = rng.choice([*PLACES, None])
        raw = {"description": description, "consent": True, "reporter_phone": "0912345678"}
        if place:
            raw.update(latitude=place[0], longitude=place[1])
        return report_submit(submission=validate_submission(raw, channel=rng.choice(CHANNELS))).report

    units = {"so_xd": so_xd, "phong_ht": phong_ht}
    previous = None
    # The event tasks run after each commit, as in production (the figures are kept by them).
    with freeze_time(START) as clock, django_capture_on_commit_callbacks(execute=True):
        for i in range(45):
            clock.move_to(START + timedelta(days=i * 2.1, hours=rng.uniform(0, 8)))
            report = submit(f"Phản ánh số {i}")
            Walk(rng, clock, people, units, act, report, previous).play()
            report.refresh_from_db()
            previous = report


def counted_by_hand(period: Period, channel: str | None = None) -> dict:
    """The figures, counted from the raw rows with nothing of `stats` but the period."""
    start, end = period.bounds()
    now = datetime.now().astimezone()
    reports = Report.objects.all() if channel is None else Report.objects.filter(channel=channel)
    out = dict.fromkeys(
        [
            "received",
            "waiting",
            "accepted",
            "dispatched",
            "rejected",
            "merged",
            "in_progress",
            "overdue",
            "resolved",
            "late",
            "handling_late",
            "handling_steps",
        ],
        0,
    )
    out["reasons"], out["ratings"] = {}, {}
    for r in reports:
        steps = list(Step.objects.filter(report=r))
        status = r.paused_status if r.status == S.INFO_REQUESTED else r.status
        if start <= r.created_at < end:
            out["received"] += 1
            if status in (S.SUBMITTED, ""):
                out["waiting"] += 1
            elif status == S.REJECTED:
                out["rejected"] += 1
                reason = (
                    Event.objects.filter(report=r, kind=EventKind.REJECTED)
                    .order_by("created_at", "id")
                    .last()
                )
                out["reasons"][reason.data["reason"]] = out["reasons"].get(reason.data["reason"], 0) + 1
            elif status == S.MERGED:
                out["merged"] += 1
            else:
                out["accepted"] += 1
                out["in_progress"] += status not in (S.RESOLVED, S.CLOSED)
                out["dispatched"] += Event.objects.filter(report=r, kind=EventKind.DISPATCHED).exists()
            running = [s.deadline for s in steps if s.finished_at is None and s.paused_at is None]
            out["overdue"] += (
                status not in (S.REJECTED, S.MERGED, S.RESOLVED, S.CLOSED)
                and bool(running)
                and min(running) < now
            )
        if r.resolved_at and start <= r.resolved_at < end:
            out["resolved"] += 1
            out["late"] += any(s.on_time is False for s in steps)
            handling = [s for s in steps if s.kind == "handling" and s.finished_at]
            out["handling_steps"] += len(handling)
            out["handling_late"] += sum(s.on_time is False for s in handling)
        latest = Rating.objects.filter(report=r).order_by("closure").last()
        if latest and start <= latest.created_at < end:
            out["ratings"][latest.value] = out["ratings"].get(latest.value, 0) + 1
    return out


def as_counted(s) -> dict:
    ratings = {v: getattr(s.ratings, v).count for v in ("satisfied", "acceptable", "unsatisfied")}
    return {
        "received": s.received,
        "waiting": s.waiting,
        "accepted": s.accepted,
        "dispatched": s.dispatched,
        "rejected": s.rejected.total,
        "merged": s.merged,
        "in_progress": s.in_progress,
        "overdue": s.overdue_open,
        "resolved": s.resolved,
        "late": s.resolved_late,
        "handling_late": s.steps["handling"].late,
        "handling_steps": s.steps["handling"].finished,
        "reasons": s.rejected.by_reason,
        "ratings": {v: n for v, n in ratings.items() if n},
    }


PERIODS = [
    Period(date(2025, 3, 1), date(2025, 8, 31)),  # whole months
    Period(date(2025, 3, 17), date(2025, 5, 9)),  # odd days across months
    Period(date(2025, 4, 1), date(2025, 4, 30)),
    Period(date(2025, 5, 10), date(2025, 12, 31)),
]


def test_the_kept_figures_are_those_of_the_raw_rows(history):
    kept = {f.report_id: f for f in ReportFigures.objects.all()}
    fresh = {f.report_id: f for f in figures_for(list(Report.objects.values_list("pk", flat=True)))}

    assert set(kept) == set(fresh) and len(kept) == 45
    names = [f.attname for f in ReportFigures._meta.concrete_fields if f.name != "refreshed_at"]
    for pk, row in fresh.items():
        for name in names:
            expected = getattr(row, name)
            if isinstance(expected, float):
                expected = pytest.approx(expected)
            assert getattr(kept[pk], name) == expected, (pk, name)


def test_the_summary_is_the_raw_count_before_and_after_the_rollup(history):
    by_hand = {period: counted_by_hand(period) for period in PERIODS}
    assert all(n["received"] and n["resolved"] for n in by_hand.values()), "each period counts something"

    assert DirtyMonth.objects.exists()
    for period in PERIODS:
        assert as_counted(summary(period=period)) == by_hand[period], period
    rollup.rebuild_dirty()
    assert not DirtyMonth.objects.filter(month__lt=date(2026, 1, 1)).exists()
    assert MonthFigures.objects.exists()
    for period in PERIODS:
        assert as_counted(summary(period=period)) == by_hand[period], period


def test_a_late_change_marks_its_month_and_is_counted_at_once(
    history, people, act, django_capture_on_commit_callbacks
):
    rollup.rebuild_dirty()
    rejected = Report.objects.filter(status=S.REJECTED).order_by("created_at").first()
    march = Period(date(2025, 3, 1), date(2025, 3, 31))
    before = summary(period=march)

    with django_capture_on_commit_callbacks(execute=True):
        act(rejected, people["lan"], "reopen", reason="Xem lại")

    month = rollup.month_of(rejected.created_at)
    assert DirtyMonth.objects.filter(month=month).exists()
    after = summary(period=Period(month, rollup.month_period(month).end))
    assert as_counted(after) == counted_by_hand(Period(month, rollup.month_period(month).end))
    if month == march.start:
        assert after.rejected.total == before.rejected.total - 1

    # Rebuilt, the month is read from its rollup again, not from what was kept of it before.
    rollup.rebuild_dirty()
    again = summary(period=Period(month, rollup.month_period(month).end))
    assert as_counted(again) == as_counted(after)
    assert as_counted(summary(period=march)) == counted_by_hand(march)


def places_by_hand(period: Period) -> dict:
    """Reports received in the period by cell of 0.01°, from the reports themselves."""
    start, end = period.bounds()
    found: dict = {}
    for r in Report.objects.filter(created_at__gte=start, created_at__lt=end, latitude__isnull=False):
        cell = (round(float(r.latitude), 2), round(float(r.longitude), 2))
        found[cell] = found.get(cell, 0) + 1
    return found


def months_by_hand(period: Period) -> dict:
    """The monthly series' received and resolved, counted from the reports."""
    start, end = period.bounds()
    found: dict = {}
    for r in Report.objects.all():
        for moment, name in ((r.created_at, "received"), (r.resolved_at, "resolved")):
            if moment and start <= moment < end:
                counts = found.setdefault(rollup.month_of(moment), {"received": 0, "resolved": 0})
                counts[name] += 1
    return found


def the_rollup_read_views(period: Period) -> dict:
    """What the dashboard reads for a period: by channel, the monthly series, the heat map."""
    return {
        "channels": {ch: as_counted(summary(period=period, channel=ch)) for ch in CHANNELS},
        "by_channel": {ch: s.received for ch, s in breakdowns(period=period).by_channel},
        "months": {
            p.start: {"received": p.summary.received, "resolved": p.summary.resolved}
            for p in series(period=period, interval="month")
            if p.summary.received or p.summary.resolved
        },
        "places": {(lat, lng): n for lat, lng, n in heat(period=period)},
    }


def test_channels_months_and_places_are_the_raw_count_before_and_after_the_rollup(history):
    """The channel and the place are rollup dimensions too: the dashboard's charts and heat map
    read them from the rollup, and give what the reports say, with the rollup dirty or rebuilt."""
    expected = {}
    for period in PERIODS:
        channels = {ch: counted_by_hand(period, channel=ch) for ch in CHANNELS}
        expected[period] = {
            "channels": channels,
            "by_channel": {ch: n["received"] for ch, n in channels.items() if n["received"]},
            "months": months_by_hand(period),
            "places": places_by_hand(period),
        }
    assert len(expected[PERIODS[0]]["places"]) == len(PLACES)
    assert all(n["received"] for n in expected[PERIODS[0]]["channels"].values()), "every door is used"

    for period in PERIODS:
        assert the_rollup_read_views(period) == expected[period], period
    rollup.rebuild_dirty()
    assert set(MonthFigures.objects.values_list("channel", flat=True)) == set(CHANNELS)
    assert MonthPlaces.objects.exists()
    for period in PERIODS:
        assert the_rollup_read_views(period) == expected[period], period
