"""The unit picker as the page sends it, before any script runs: groups, order, suggestion.

lan (IOC) accepts a road report from Phường Lương Văn Tri; roads there usually go to Sở Xây
dựng. The choices come from the same place as the staff API's.
"""

from __future__ import annotations

import re

import pytest

from phananh.backoffice.forms import LOOKS
from phananh.reports.intake import validate_submission
from phananh.workflow.choices import FIELD_CHOICES
from phananh.workflow.models import RoutingRule
from phananh.workflow.submission import report_submit

from .conftest import page_text, report_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def road_report(ward, road):
    raw = {"description": "Ổ gà lớn", "consent": True, "reporter_phone": "0912345678"}
    raw |= {"category": road.code, "commune": ward.pk}
    return report_submit(submission=validate_submission(raw, channel="web")).report


def accept_picker(html: str) -> str:
    return html.split('id="accept-lead_unit"')[1].split("</select>")[0]


def test_the_picker_groups_units_and_preselects_the_suggested_one(
    login, people, road_report, road, ward, so_xd
):
    RoutingRule.objects.create(category=road, commune=ward, unit=so_xd)

    html = page_text(login(people["lan"]).get(report_url(road_report)))

    picker = accept_picker(html)
    assert re.findall(r'<optgroup label="([^"]+)"', picker) == ["Sở, ban, ngành", "Xã, phường, đặc khu"]
    names = re.findall(r"<option value=\"\d+\"[^>]*>([^<]+)</option>", picker)
    assert names == ["Sở Xây dựng", "— Phòng Hạ tầng", "Sở Y tế", "UBND Phường Lương Văn Tri"]
    assert re.search(rf'<option value="{so_xd.pk}" selected data-suggested>', picker)
    assert 'id="accept-lead_unit-suggestion">Đề xuất: Sở Xây dựng<' in html
    # The cooperating units are checkboxes, none ticked
    checklist = html.split('id="accept-cooperating_units"')[1].split("</fieldset>")[0]
    assert checklist.count('type="checkbox" name="cooperating_units"') == 4
    assert " checked" not in checklist


def test_without_a_rule_nothing_is_suggested_nor_chosen(login, people, road_report):
    html = page_text(login(people["lan"]).get(report_url(road_report)))

    # The line waits, empty and hidden, for a field that has a rule
    assert '<p class="suggestion" id="accept-lead_unit-suggestion" hidden></p>' in html
    assert " selected" not in accept_picker(html)


def test_the_forms_take_their_choices_where_the_api_does():
    with_choices = {key for key, look in LOOKS.items() if look.choices is not None and key[0] != "*"}
    assert with_choices - set(FIELD_CHOICES) == {
        ("decide_extension", "approve"),
        ("approve_result", "approve"),
        ("publish", "public"),
    }
