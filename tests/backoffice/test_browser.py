"""An operator on a phone accepts and dispatches a report; the unit's focal point finds it in his inbox.

Real pages in Debian's Chromium against the live server, through the htmx forms: the status
changes in place, without loading the page again. The map tiles cannot load (requests off the
site are refused); the pages work without them.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from phananh.reports.models import Report
from tests.staff import second_step_in_browser

pytestmark = [
    pytest.mark.browser,
    # The live server runs in its own thread, so the tests need real commits; the rollback
    # brings the default fields and rejection reasons back after each test's flush.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def sign_in(page, username: str, lands: str = r"/can-bo/$") -> None:
    page.goto("/can-bo/")
    expect(page).to_have_url(re.compile(r"/can-bo/dang-nhap/\?next=/can-bo/$"))
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill("x")
    page.locator("#sign-in").tap()
    second_step_in_browser(page, username)
    expect(page).to_have_url(re.compile(lands))


def test_an_operator_accepts_and_dispatches_on_a_phone_and_the_unit_finds_it(
    phone, people, so_xd, submit, script_errors
):
    # Given a new report with a place
    report = submit(
        "Ổ gà lớn giữa đường Bà Triệu, xe máy đi qua rất nguy hiểm.",
        latitude="21.846870",
        longitude="106.757560",
    )
    code = report.tracking_code

    # When lan signs in on her phone, she lands on the console's "new" tab and sees the report
    sign_in(phone, "lan")
    expect(phone.locator("#tab-new")).to_have_attribute("aria-current", "page")
    row = phone.locator(f'#report-list li[data-code="{code}"]')
    expect(row).to_be_visible()
    expect(row.locator(".status")).to_have_text("Mới gửi")
    expect(phone.locator("#reports-map .leaflet-interactive")).to_have_count(1)
    # The map says in a line that its background cannot be reached, and keeps the report's dot
    expect(phone.locator("#reports-map .map-note")).to_have_text(
        "Không tải được nền bản đồ từ mạng này: các vị trí vẫn được hiển thị."
    )

    # And she opens it
    row.locator("a").tap()
    expect(phone).to_have_url(re.compile(rf"/can-bo/phan-anh/{code}/$"))
    expect(phone.locator("#report-status")).to_have_text("Mới gửi")
    expect(phone.locator("#place-map.leaflet-container")).to_be_visible()
    phone.evaluate("window.notReloaded = true")

    # And sends the accept form without a field: the error appears next to the field, in place
    phone.get_by_text("Tiếp nhận và phân loại", exact=True).first.tap()
    phone.locator("#accept-category").select_option("")
    phone.locator("#form-accept button[type=submit]").tap()
    expect(phone.locator("#accept-category-errors")).to_have_text("Trường này là bắt buộc.")
    expect(phone.locator("#report-status")).to_have_text("Mới gửi")

    # Then she classifies it and accepts it
    phone.locator("#accept-category").select_option(label="Hạ tầng đô thị")
    phone.get_by_label("Khẩn cấp").check()
    phone.locator("#form-accept button[type=submit]").tap()
    expect(phone.locator("#report-status")).to_have_text("Đã tiếp nhận")
    expect(phone.locator("#report-urgency")).to_have_text("Khẩn cấp")

    # And dispatches it to Sở Xây dựng
    phone.locator("#action-dispatch summary").tap()
    phone.locator("#dispatch-unit").select_option(label="Sở Xây dựng")
    phone.locator("#form-dispatch button[type=submit]").tap()
    expect(phone.locator("#report-status")).to_have_text("Đã chuyển xử lý")
    expect(phone.locator("#report-lead-unit")).to_have_text("Sở Xây dựng")
    expect(phone.locator('#timeline li[data-kind="dispatched"]')).to_have_count(1)

    # All of it without loading the page again
    assert phone.evaluate("window.notReloaded") is True
    assert Report.objects.get(pk=report.pk).status == "dispatched"

    # When she signs out and hung, Sở Xây dựng's focal point, signs in on the same phone
    phone.locator("#logout").tap()
    expect(phone).to_have_url(re.compile(r"/can-bo/dang-nhap/$"))
    sign_in(phone, "hung")

    # Then the report waits in his inbox, to be assigned, marked urgent
    expect(phone.locator("#tab-to_assign")).to_have_attribute("aria-current", "page")
    row = phone.locator(f'#report-list li[data-code="{code}"]')
    expect(row).to_be_visible()
    expect(row.locator(".status")).to_have_text("Đã chuyển xử lý")
    expect(row).to_have_class(re.compile(r"\burgent\b"))
    # And his bell tells him of the dispatch
    expect(phone.locator("#bell-count")).to_have_text("1")
    row.locator("a").tap()
    expect(phone.locator("#action-assign")).to_be_visible()
    expect(phone.locator("#contact-hidden")).to_be_visible()

    assert script_errors == []
