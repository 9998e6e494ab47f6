"""An operator on a phone sees a new report's likely duplicate and merges it with a confirmed click.

Real pages in Debian's Chromium against the live server: the merge form is posted by htmx and
the panel changes in place.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from phananh.reports.models import Report
from phananh.reports.statuses import Status
from tests.backoffice.test_browser import sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_the_operator_merges_a_new_report_into_its_likely_duplicate_in_two_taps(
    phone, people, submit, script_errors, policy_violations
):
    # Given a report of a street light, and a new one written otherwise 200 m away, and a rubbish heap nearer
    original = submit(
        "Đèn đường trước chợ Đông Kinh không sáng, cả khu tối om",
        latitude="21.848399",
        longitude="106.759400",
    )
    other = submit("Rác thải đổ bừa bãi ven đường, bốc mùi", latitude="21.846600", longitude="106.759884")
    new = submit(
        "den duong o cho dong kinh ko sang may dem nay, toi om", latitude="21.846600", longitude="106.759400"
    )

    # When lan opens the new report
    sign_in(phone, "lan")
    phone.goto(f"/can-bo/phan-anh/{new.tracking_code}/")
    panel = phone.locator("#duplicates")
    expect(panel.locator("h2")).to_have_text("Có thể trùng")
    items = panel.locator("li.duplicate")
    expect(items).to_have_count(2)
    expect(items.nth(0)).to_have_attribute("data-code", original.tracking_code)
    expect(items.nth(1)).to_have_attribute("data-code", other.tracking_code)
    phone.evaluate("window.notReloaded = true")

    # One tap opens the confirmation, nothing is merged yet
    items.nth(0).get_by_text("Gộp vào phản ánh này").tap()
    confirm = items.nth(0).locator(f'button[data-merge-into="{original.tracking_code}"]')
    expect(confirm).to_be_visible()
    assert Report.objects.get(pk=new.pk).status == Status.SUBMITTED

    # The second merges it, in place
    confirm.tap()
    expect(phone.locator("#report-status")).to_have_text("Đã gộp vào phản ánh khác")
    expect(phone.locator("#duplicates")).to_have_count(0)
    assert phone.evaluate("window.notReloaded") is True
    new.refresh_from_db()
    assert new.status == Status.MERGED and new.merged_into_id == original.pk
    expect(phone).to_have_url(re.compile(rf"/can-bo/phan-anh/{new.tracking_code}/$"))
    assert script_errors == []
    assert policy_violations == []


def test_the_citizens_list_follows_what_was_typed(phone, script_errors):
    from tests.portal.test_nearby import HERE, given_published, place

    # Given two published reports of the field nearby: rubbish 30 m away, a dark street light 150 m away
    rubbish = given_published(place(30), description="Rác thải đổ bừa bãi ven đường, bốc mùi", title="")
    light = given_published(
        place(150), description="Đèn đường trước chợ Đông Kinh không sáng, cả khu tối om", title=""
    )

    # When the citizen picks the field and types the place, the nearest comes first
    phone.goto("/gui-phan-anh/")
    phone.get_by_label("Lĩnh vực (không bắt buộc)").select_option(label="Hạ tầng đô thị")
    phone.get_by_label("Vĩ độ").fill(str(HERE[0]))
    phone.get_by_label("Kinh độ").fill(str(HERE[1]))
    links = phone.locator("#nearby li [data-field=track]")
    expect(links).to_have_count(2)
    expect(links.nth(0)).to_have_attribute("href", f"/phan-anh/{rubbish.tracking_code}/")

    # Then, once the description is written, the same problem comes first
    description = phone.locator("#description")
    description.fill("den duong o cho ko sang, toi om")
    description.blur()
    expect(links.nth(0)).to_have_attribute("href", f"/phan-anh/{light.tracking_code}/")
    expect(links.nth(1)).to_have_attribute("href", f"/phan-anh/{rubbish.tracking_code}/")
    assert script_errors == []
