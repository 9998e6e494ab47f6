"""A report from submission to closure, every step with its deadline."""

import pytest

from phananh.reports.statuses import Status
from phananh.workflow.models import Event, Step, StepKind

pytestmark = pytest.mark.django_db


def test_a_report_goes_from_submission_to_closure(people, so_xd, submit, act, road):
    lan, hung, tuan, binh = people["lan"], people["hung"], people["tuan"], people["binh"]
    report = submit()
    assert report.steps.get().kind == StepKind.RECEPTION

    act(report, lan, "accept", category=road.code, urgency="normal")
    act(report, lan, "dispatch", unit=so_xd.pk)
    act(report, hung, "assign", handler=tuan.pk)
    act(report, tuan, "submit_result", result="Đã vá ổ gà.")
    act(report, binh, "approve_result")
    act(report, lan, "verify")
    act(report, lan, "publish", public=True)
    act(report, lan, "close")

    report.refresh_from_db()
    assert report.status == Status.CLOSED
    assert report.is_public is True
    kinds = list(Event.objects.filter(report=report).values_list("kind", flat=True))
    assert kinds == [
        "submitted",
        "accepted",
        "dispatched",
        "assigned",
        "result_submitted",
        "result_approved",
        "verified",
        "published",
        "closed",
    ]
    steps = {s.kind: s for s in Step.objects.filter(report=report)}
    assert set(steps) == {"reception", "handling", "approval", "verification"}
    assert all(s.finished_at and s.on_time for s in steps.values())
    assert report.version == 8
