"""A new deployment set up as the demo is (what each unit handles, the usual lead unit of each
field) suggests sensible units before the IOC has dispatched anything."""

import pytest
from django.core.management import call_command

from phananh.reports.intake import validate_submission
from phananh.triage.selectors import report_suggestions
from phananh.workflow.models import RoutingRule
from phananh.workflow.submission import report_submit

pytestmark = pytest.mark.django_db


def _first(text: str) -> tuple[str, str]:
    raw = {"description": text, "consent": True, "anonymous": True}
    raw |= {"latitude": "21.846800", "longitude": "106.757500"}
    report = report_submit(submission=validate_submission(raw, channel="web")).report
    suggested = report_suggestions(report)
    return suggested["field"][0]["code"], suggested["unit"][0]["code"]


def test_the_demo_deployment_suggests_the_unit_that_handles_it():
    call_command("seed_demo")
    assert RoutingRule.objects.filter(commune=None).count() == 15
    assert _first("Đèn đường Bà Triệu ko sáng mấy hôm nay, tối rất tối") == (
        "ha-tang-do-thi",
        "so-xay-dung-ha-tang",
    )
    assert _first("quán ăn bán đồ ôi thiu, ăn xong bị đau bụng") == ("an-toan-thuc-pham", "so-y-te")


def test_an_administrators_routing_rules_are_kept_when_the_demo_is_seeded_again():
    call_command("seed_demo")
    RoutingRule.objects.filter(category__code="moi-truong").delete()
    call_command("seed_demo")
    assert not RoutingRule.objects.filter(category__code="moi-truong").exists()
