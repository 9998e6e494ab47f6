"""Risk of running late, learned from the units' own history.

Given a history taken through the real transition service on the test clock: Sở Xây dựng
always sends its road results days after the deadline, Sở Y tế always a couple of hours before
it. Then each has a new road report, dispatched yesterday, far from its deadline.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from django.utils import timezone
from freezegun import freeze_time

from phananh.org.models import Role, User
from phananh.reports.intake import validate_submission
from phananh.triage import late_risk
from phananh.triage.late_risk import evaluate_late_risk, learn, open_step_risks
from phananh.triage.late_risk_tasks import relearn_late_risk
from phananh.workflow.models import Step, StepKind
from phananh.workflow.services import transition
from phananh.workflow.submission import report_submit
from tests.backoffice.conftest import page_text

pytestmark = pytest.mark.django_db

# A Monday with no holiday for weeks around it.
START = datetime.fromisoformat("2026-03-02T08:00:00+07:00")


def weeks_ago(n: int) -> datetime:
    """8:00 on the Monday `n` weeks before this week's: a history that ends before today, for
    pages drawn on the real clock."""
    today = timezone.localtime()
    monday = today.replace(hour=8, minute=0, second=0, microsecond=0) - timedelta(days=today.weekday())
    return monday - timedelta(weeks=n)


@pytest.fixture
def yt_people(so_yt, people):
    """Sở Y tế's leader and handler, beside charlie, its focal point."""
    return {
        "charlie": people["charlie"],
        "yen": User.objects.create_user(username="yen", password="x", role=Role.LEADER, unit=so_yt),
        "dung": User.objects.create_user(username="dung", password="x", role=Role.HANDLER, unit=so_yt),
    }


@pytest.fixture
def desks(people, yt_people, so_xd, so_yt):
    """Who takes each step in each unit: focal point, leader, handler."""
    return {
        so_xd.pk: (people["hung"], people["binh"], people["tuan"]),
        so_yt.pk: (yt_people["charlie"], yt_people["yen"], yt_people["dung"]),
    }


def act(report, user, action, **data):
    return transition(report=report, actor=user, action=action, data=data)


def dispatched(unit, people, road, at: datetime):
    """A road report, accepted and sent to `unit` at `at`."""
    with freeze_time(at):
        raw = {"description": "Ổ gà trên đường", "consent": True, "reporter_phone": "0912345678"}
        report = report_submit(submission=validate_submission(raw, channel="web")).report
        act(report, people["lan"], "accept", category=road.code, urgency="normal")
        act(report, people["lan"], "dispatch", unit=unit.pk)
    return report


def handled(report, unit, people, desks, *, late: bool):
    """The unit assigns the report and sends its result late (days after the deadline) or on time
    (two hours before it); its leader approves and the IOC verifies at once."""
    focal, leader, handler = desks[unit.pk]
    step = Step.objects.get(report=report, kind=StepKind.HANDLING)
    with freeze_time(step.started_at + timedelta(hours=1)):
        act(report, focal, "assign", handler=handler.pk)
    done = step.deadline + timedelta(days=4) if late else step.deadline - timedelta(hours=2)
    with freeze_time(done):
        act(report, handler, "submit_result", result="Đã xử lý")
        act(report, leader, "approve_result")
        act(report, people["lan"], "verify")


def history(units, people, road, desks, *, start: datetime, count: int):
    """`count` reports for each unit, one every working day from `start`; so_xd late, so_yt on time."""
    for i in range(count):
        at = start + timedelta(days=i + 2 * (i // 5))  # Mondays to Fridays
        for unit, late in units:
            handled(dispatched(unit, people, road, at), unit, people, desks, late=late)


def test_a_unit_always_late_on_a_field_gets_a_high_risk_one_always_on_time_a_low_one(
    people, road, desks, so_xd, so_yt
):
    history([(so_xd, True), (so_yt, False)], people, road, desks, start=START, count=8)
    now = START + timedelta(days=49)  # a Monday, seven weeks on
    late_unit = dispatched(so_xd, people, road, now - timedelta(days=1, hours=-1))
    timely_unit = dispatched(so_yt, people, road, now - timedelta(days=1, hours=-1))

    with freeze_time(now):
        risks = {o.report: o.risk for o in open_step_risks()}

    assert risks[late_unit.pk] >= 0.6
    assert risks[timely_unit.pk] <= 0.3


def test_with_no_history_the_risk_stays_near_the_middle(people, road, so_xd):
    report = dispatched(so_xd, people, road, START)
    with freeze_time(START + timedelta(hours=2)):
        risks = {o.report: o.risk for o in open_step_risks()}
    assert learn().samples == 0
    assert 0.05 < risks[report.pk] < 0.6


def tab_codes(client, tab: str) -> list[str]:
    response = client.get("/can-bo/", {"tab": tab})
    assert response.status_code == 200
    return re.findall(r'<li class="item[^"]*" data-code="([^"]+)"', page_text(response))


def test_the_at_risk_tab_lists_the_late_units_report_before_it_is_overdue_and_respects_access(
    people, road, desks, so_xd, so_yt, login
):
    history([(so_xd, True), (so_yt, False)], people, road, desks, start=weeks_ago(10), count=8)
    yesterday = timezone.now() - timedelta(days=1)
    late_unit = dispatched(so_xd, people, road, yesterday)
    timely_unit = dispatched(so_yt, people, road, yesterday)
    lan, hung, charlie = (login(people[name]) for name in ("lan", "hung", "charlie"))

    console = lan.get("/can-bo/", {"tab": "at_risk"})

    assert tab_codes(lan, "at_risk") == [late_unit.tracking_code]
    assert tab_codes(lan, "overdue") == []
    assert "Sắp trễ hạn" in page_text(console)
    assert re.search(r'class="risk" data-risk="0[.,]\d\d"', page_text(console))
    assert tab_codes(hung, "at_risk") == [late_unit.tracking_code]
    # Sở Y tế's focal point sees neither Sở Xây dựng's report nor a risk of its own.
    assert tab_codes(charlie, "at_risk") == []
    assert timely_unit.tracking_code in tab_codes(charlie, "all")

    # Once its deadline has passed it is overdue, no longer "at risk", even before the risks are
    # computed again.
    Step.objects.filter(report=late_unit, finished_at=None).update(
        deadline=timezone.now() - timedelta(hours=1)
    )
    assert tab_codes(lan, "at_risk") == []
    assert tab_codes(lan, "overdue") == [late_unit.tracking_code]


def test_the_evaluation_learns_before_the_split_and_predicts_what_happened_after(
    people, road, desks, so_xd, so_yt
):
    history([(so_xd, True), (so_yt, False)], people, road, desks, start=START, count=6)
    split = START + timedelta(days=35)
    history([(so_xd, True), (so_yt, False)], people, road, desks, start=split + timedelta(hours=1), count=4)

    with freeze_time(split + timedelta(days=60)):
        figures = evaluate_late_risk(split)

    # Each handling step after the split: open one working day before its deadline, then late
    # (Sở Xây dựng) or on time (Sở Y tế).
    assert figures["steps"] == 8
    assert figures["precision"] == pytest.approx(1.0)
    assert figures["recall"] == pytest.approx(1.0)


def test_the_evaluation_of_an_empty_period_is_zero_not_an_error(db):
    figures = evaluate_late_risk(timezone.now())
    assert figures == {
        "precision": 0.0,
        "recall": 0.0,
        "steps": 0,
        "late": 0,
        "learned_from": 0,
        "threshold": 0.6,
    }


def test_the_model_is_learned_again_by_the_periodic_task_once_an_hour(
    people, road, desks, so_xd, so_yt, settings
):
    history([(so_xd, True), (so_yt, False)], people, road, desks, start=START, count=3)
    assert "phananh.triage.late_risk_tasks.relearn_late_risk" in settings.PHANANH_PERIODIC_TASKS

    with freeze_time(START + timedelta(days=40)):
        first = relearn_late_risk.enqueue().return_value
        learned_at = late_risk.model().learned_at
        history([(so_xd, True)], people, road, desks, start=START + timedelta(days=20), count=1)
        relearn_late_risk.enqueue()
        assert late_risk.model().learned_at == learned_at  # not an hour yet: the same model
    with freeze_time(START + timedelta(days=40, hours=1, minutes=1)):
        again = relearn_late_risk.enqueue().return_value

    assert first > 0 and again > first
