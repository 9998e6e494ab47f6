"""The suggestions in the IOC's accept form, in Debian's Chromium against the live server.

lan opens a new report that names no field: three fields are offered as chips with their
scores, the first already chosen; one click on another chip chooses it, and accepting records
on the event that the first suggestion was not the one taken.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from phananh.triage.models import Suggestion
from phananh.workflow.models import EventKind
from tests.backoffice.test_browser import sign_in
from tests.workflow.conftest import people, phong_ht, so_xd, so_yt, submit  # noqa: F401, F811

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_one_click_on_a_suggestion_chooses_the_field(phone, people, submit, script_errors):  # noqa: F811
    report = submit("Đèn đường trước ngõ 12 không sáng cả tuần nay, tối đi lại rất tối")

    sign_in(phone, "lan")
    phone.goto(f"/can-bo/phan-anh/{report.tracking_code}/")
    phone.locator("#action-accept summary").tap()

    chips = phone.locator("#accept-category-chips .chip")
    expect(chips).to_have_count(3)
    offered = Suggestion.objects.get(report=report).payload["field"]
    # The first suggestion is the form's default; the operator still decides.
    expect(phone.locator("#accept-category")).to_have_value(offered[0]["code"])

    chips.nth(1).tap()
    expect(phone.locator("#accept-category")).to_have_value(offered[1]["code"])
    expect(chips.nth(1)).to_have_attribute("aria-pressed", "true")
    phone.locator("#form-accept button[type=submit]").tap()

    expect(phone.locator("#report-head")).to_contain_text("Đã tiếp nhận")
    event = report.events.get(kind=EventKind.ACCEPTED)
    assert event.data["category"] == offered[1]["code"]
    assert event.data["suggestion"]["field_taken"] is False
    assert event.data["suggestion"]["field_rank"] == 2
    assert script_errors == []
