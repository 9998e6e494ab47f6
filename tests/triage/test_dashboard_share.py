"""The steering dashboard shows how often the IOC took the first suggestion in the period."""

from __future__ import annotations

import re

import pytest

from phananh.org.models import Role, User
from phananh.workflow.services import transition
from tests.staff import signed_in

from .conftest import submit_labelled

pytestmark = pytest.mark.django_db


def _accept(lan, text: str, category: str, offered: list[str]):
    report = submit_labelled({"text": text})
    suggested = {"version": "v1", "category": offered, "urgency": ["normal"]}
    transition(report=report, actor=lan, action="accept", data={"category": category, "suggested": suggested})


def test_the_dashboard_shows_the_share_of_suggestions_taken(province, lan):
    # Given lan took the first field suggested once, the second once, and urgency both times
    _accept(lan, "Đèn đường không sáng", "ha-tang-do-thi", ["ha-tang-do-thi", "moi-truong"])
    _accept(lan, "Rác không thu gom", "moi-truong", ["ha-tang-do-thi", "moi-truong"])
    quang = User.objects.create_user(username="quang", password="x", role=Role.STEERING, unit=province["ioc"])

    page = signed_in(None, quang).get("/can-bo/thong-ke/").content.decode()

    rows = dict(re.findall(r'<tr data-key="(\w+)">.*?<td class="share">([^<]+)</td>', page, re.S))
    assert rows == {"field": "50%", "urgency": "100%", "unit": "—"}


def test_a_unit_does_not_see_the_iocs_share(province, lan):
    hung = User.objects.create_user(
        username="hung", password="x", role=Role.FOCAL_POINT, unit=province["so-xay-dung"]
    )
    page = signed_in(None, hung).get("/can-bo/thong-ke/").content.decode()
    assert 'id="suggestions-taken"' not in page
