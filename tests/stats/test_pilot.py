"""Seed 004 reproduced: the pilot of Đồng Hới, 01/11/2022 – 30/06/2023, as its steering committee
heard it reported.

"306 received, 210 accepted and dispatched, 96 not admissible (10 of them out of area); handled
on time 65%, late 35%; satisfied 76.6%, acceptable 14.9%, unsatisfied 8.5%; 29 units taking
part; the fields reported most: Dịch vụ, vệ sinh, môi trường and Hạ tầng giao thông, viễn thông."

Every report goes through the transition service, the clock moved by freezegun: a report starts
every 0.65 days from 1 November at 08:30; it is accepted and dispatched an hour later to one of
29 units in turn; a result within a day is on time, one after 30 days is past the 5 working days
of handling. Of the 210 dispatched, 130 were resolved on time, 70 late, 10 are still being
handled; 47 reporters rated the result (36 satisfied, 7 acceptable, 4 unsatisfied).
The calls (230 in, 315 out) and the 876 accounts are not in the system yet: they answer 0.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

import pytest
from django.db import transaction
from freezegun import freeze_time

from phananh.org.access import Reporter
from phananh.org.models import Role, UnitKind, User
from phananh.org.services import unit_create
from phananh.reports.intake import validate_submission
from phananh.reports.models import Category
from phananh.stats import rollup
from phananh.stats.facts import catch_up
from phananh.stats.selectors import Period
from phananh.stats.summary import summary, unit_rows
from phananh.workflow.services import transition
from phananh.workflow.submission import report_submit

PILOT = Period(date(2022, 11, 1), date(2023, 6, 30))
START = datetime.fromisoformat("2022-11-01T08:30:00+07:00")
REASONS = ["ngoai-dia-ban"] * 10 + ["thieu-thong-tin"] * 40 + ["trung-lap"] * 26 + ["ngoai-pham-vi"] * 20
RATINGS = ["satisfied"] * 36 + ["acceptable"] * 7 + ["unsatisfied"] * 4


def _province():
    ioc = unit_create(code="ioc", name="Trung tâm IOC Quảng Bình", kind=UnitKind.IOC)
    operator = User.objects.create_user(username="lan", password="x", role=Role.OPERATOR, unit=ioc)
    units = []
    for i in range(29):
        unit = unit_create(code=f"dv-{i}", name=f"Đơn vị {i:02d}", kind=UnitKind.DEPARTMENT, parent=ioc)
        people = [
            User.objects.create_user(username=f"dv{i}-{role}", password="x", role=role, unit=unit)
            for role in (Role.FOCAL_POINT, Role.LEADER, Role.HANDLER)
        ]
        units.append((unit, *people))
    fields = [
        Category.objects.create(code="dich-vu-ve-sinh", name="Dịch vụ, vệ sinh, môi trường"),
        Category.objects.create(code="ha-tang-gtvt", name="Hạ tầng giao thông, viễn thông"),
        Category.objects.get(code="an-toan-giao-thong"),
    ]
    return operator, units, fields


def _outcomes() -> list[str]:
    outcomes = ["on_time"] * 130 + ["late"] * 70 + ["open"] * 10 + ["rejected"] * 96
    random.Random(4).shuffle(outcomes)
    return outcomes


def _handle(report, outcome, start, clock, operator, unit, field):
    unit, focal, leader, handler = unit
    clock.move_to(start + timedelta(hours=1))
    act = transition
    act(
        report=report,
        actor=operator,
        action="accept",
        data={"category": field.code, "urgency": "normal", "lead_unit": unit.pk},
    )
    if outcome == "open":
        return
    clock.move_to(start + timedelta(hours=2))
    act(report=report, actor=focal, action="assign", data={"handler": handler.pk})
    clock.move_to(start + (timedelta(days=30) if outcome == "late" else timedelta(hours=20)))
    act(report=report, actor=handler, action="submit_result", data={"result": "Đã xử lý"})
    for actor, action in ((leader, "approve_result"), (operator, "verify"), (operator, "close")):
        clock.tick(timedelta(hours=1))
        act(report=report, actor=actor, action=action, data={})


def build_pilot():
    operator, units, fields = _province()
    ratings, reasons = list(RATINGS), list(REASONS)
    resolved = []
    with freeze_time(START) as clock:
        for i, outcome in enumerate(_outcomes()):
            start = START + timedelta(days=0.65 * i)
            clock.move_to(start)
            raw = {"description": f"Phản ánh số {i}", "consent": True, "reporter_phone": "0912345678"}
            report = report_submit(submission=validate_submission(raw, channel="app")).report
            if outcome == "rejected":
                clock.move_to(start + timedelta(hours=1))
                transition(report=report, actor=operator, action="reject", data={"reason": reasons.pop()})
                continue
            # Two fields in three of the reports; the third field gets the rest.
            field = fields[0] if i % 3 == 0 else fields[1] if i % 3 == 1 else fields[2 if i % 9 == 2 else 0]
            _handle(report, outcome, start, clock, operator, units[i % 29], field)
            if outcome != "open":
                resolved.append(report)
        for report in resolved[: len(RATINGS)]:
            clock.tick(timedelta(hours=1))
            transition(report=report, actor=Reporter(report.pk), action="rate", data={"value": ratings.pop()})
    # The test's transaction never commits, so the event tasks do not run: the periodic job does.
    catch_up()


@pytest.fixture(scope="module")
def pilot(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        build_pilot()
        yield
        transaction.set_rollback(True)


@pytest.fixture
def figures(pilot, db):
    return summary(period=PILOT)


def test_received_accepted_and_not_admissible(figures):
    assert (figures.received, figures.accepted, figures.dispatched) == (306, 210, 210)
    assert figures.rejected.total == 96
    assert figures.rejected.by_reason["ngoai-dia-ban"] == 10
    assert figures.received == figures.accepted + figures.rejected.total + figures.merged + figures.waiting


def test_handled_on_time_65_late_35(figures):
    assert (figures.resolved, figures.resolved_on_time, figures.resolved_late) == (200, 130, 70)
    assert round(figures.on_time_rate * 100) == 65
    assert figures.in_progress == 10
    handling = figures.steps["handling"]
    assert (handling.finished, handling.late) == (200, 70)
    assert figures.steps["reception"].late == 0
    assert figures.average_hours["approval"] == 1.0


def test_satisfied_766_acceptable_149_unsatisfied_85(figures):
    r = figures.ratings
    assert (r.satisfied.count, r.acceptable.count, r.unsatisfied.count, r.total) == (36, 7, 4, 47)
    shares = [round(s.share * 100, 1) for s in (r.satisfied, r.acceptable, r.unsatisfied)]
    assert shares == [76.6, 14.9, 8.5]


def test_units_fields_and_what_is_not_counted_yet(figures):
    assert figures.participating_units == 29
    assert [f.name for f in figures.top_fields[:2]] == [
        "Dịch vụ, vệ sinh, môi trường",
        "Hạ tầng giao thông, viễn thông",
    ]
    assert (figures.calls.inbound, figures.calls.outbound, figures.reporter_accounts) == (0, 0, 0)


def test_the_rollup_gives_the_same_figures(figures):
    rollup.rebuild_dirty()

    assert summary(period=PILOT) == figures
    assert sum(row.summary.received for row in unit_rows(period=PILOT)) == 210


def test_a_period_outside_the_pilot_is_empty(pilot, db):
    assert summary(period=Period(date(2023, 7, 1), date(2023, 7, 31))).received == 0
