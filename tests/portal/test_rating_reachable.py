"""The private link reaches the reporter, and with it the rating: real pages in Chromium.

Hoa sends a report from her phone, keeps the private link the success page gives her (copy,
or the follow button), and later rates the result from the link of the message she receives.
Lan and her colleagues of Sở Xây dựng act through the workflow service.
"""

from __future__ import annotations

import os
import re

import pytest
from playwright.sync_api import expect

from phananh.notify.models import Delivery
from phananh.reports.models import Report
from phananh.reports.statuses import Status
from phananh.workflow.services import transition
from tests.browser import PHONE
from tests.workflow import conftest as workflow

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

people, so_xd, phong_ht, so_yt = workflow.people, workflow.so_xd, workflow.phong_ht, workflow.so_yt
# Set to a folder to keep screenshots of the pages (phone and desktop) for a look.
SHOTS = os.environ.get("PHANANH_SCREENSHOTS", "")


def shoot(page, name: str) -> None:
    """The page as the phone shows it, then as a desktop window would."""
    if not SHOTS:
        return
    page.screenshot(path=f"{SHOTS}/{name}-phone.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 800})
    page.screenshot(path=f"{SHOTS}/{name}-desktop.png", full_page=True)
    page.set_viewport_size(PHONE["viewport"])


def send_a_report(phone) -> str:
    """Hoa fills in the intake form on her phone and sends it; the tracking code."""
    phone.goto("/gui-phan-anh/")
    phone.get_by_label("Mô tả").fill("Cống bị tắc trước số 8 đường Bà Triệu, nước tràn ra đường.")
    phone.get_by_label("Số điện thoại").fill("0912345678")
    phone.get_by_label("Tôi đồng ý cho xử lý dữ liệu cá nhân").check()
    phone.get_by_role("button", name="Gửi phản ánh", exact=True).tap()
    expect(phone.get_by_role("heading", name="Cảm ơn bạn, phản ánh đã được gửi thành công")).to_be_visible()
    return phone.locator("#tracking-code").inner_text().strip()


def test_hoa_copies_her_private_link_and_follows_the_report_with_it(phone, script_errors):
    phone.context.grant_permissions(["clipboard-read", "clipboard-write"])
    code = send_a_report(phone)

    # Then the whole private link is written on the page, on the screen, nothing cut off
    link = phone.locator("#private-link")
    expect(link).to_be_visible()
    expect(link).to_have_text(re.compile(rf"^http://[^/]+/tra-cuu/{code}/\?secret=[\w-]+$"))
    url = link.inner_text().strip()
    assert link.evaluate("e => e.scrollWidth <= e.clientWidth")
    box = link.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["viewport"]["width"]
    shoot(phone, "success")

    # When she taps "Sao chép"
    phone.get_by_role("button", name="Sao chép").tap()

    # Then she is told it is copied, and the link is on the clipboard
    expect(phone.locator("#copy-status")).to_have_text("Đã sao chép. Hãy dán vào nơi bạn sẽ tìm lại được.")
    assert phone.evaluate("navigator.clipboard.readText()") == url
    # And "Chia sẻ" is offered only where the browser can share
    can_share = phone.evaluate("typeof navigator.share === 'function'")
    expect(phone.get_by_role("button", name="Chia sẻ")).to_have_count(1 if can_share else 0)

    # When she taps "Theo dõi phản ánh"
    phone.get_by_role("link", name="Theo dõi phản ánh").tap()

    # Then her report opens at its clean address, as hers: with what she sent
    expect(phone).to_have_url(re.compile(rf"/tra-cuu/{code}/$"))
    expect(phone.locator("#reporter-mode")).to_be_visible()
    expect(phone.locator("#own-description")).to_have_text(
        "Cống bị tắc trước số 8 đường Bà Triệu, nước tràn ra đường."
    )
    assert script_errors == []


def test_without_javascript_the_link_is_text_to_select(browser, live_server):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False, **PHONE)
    phone = context.new_page()
    try:
        send_a_report_without_script(phone)

        # Then the link is plain text that can be selected, and no button that cannot work is shown
        expect(phone.locator("#private-link")).to_have_text(re.compile(r"\?secret=[\w-]+$"))
        expect(phone.get_by_role("button", name="Sao chép")).to_have_count(0)
        expect(phone.get_by_role("button", name="Chia sẻ")).to_have_count(0)
        href = phone.get_by_role("link", name="Theo dõi phản ánh").get_attribute("href")
        assert href == phone.locator("#private-link").inner_text().strip()
    finally:
        context.close()


def send_a_report_without_script(phone) -> None:
    phone.goto("/gui-phan-anh/")
    phone.get_by_label("Mô tả").fill("Đèn đường hỏng trước số 5 phố Bà Triệu.")
    phone.get_by_label("Số điện thoại").fill("0912345678")
    phone.get_by_label("Tôi đồng ý cho xử lý dữ liệu cá nhân").check()
    phone.get_by_role("button", name="Gửi phản ánh", exact=True).click()
    expect(phone.get_by_role("heading", name="Cảm ơn bạn, phản ánh đã được gửi thành công")).to_be_visible()


def handle_and_publish(report: Report, people, so_xd) -> None:
    def act(user, action, **data):
        report.refresh_from_db()
        transition(report=report, actor=user, action=action, data=data)

    act(people["lan"], "accept", category="ha-tang-do-thi", lead_unit=so_xd.pk)
    act(people["hung"], "assign", handler=people["tuan"].pk)
    act(people["tuan"], "submit_result", result="Đã nạo vét toàn bộ cống trước số 8.")
    act(people["binh"], "approve_result")
    act(people["lan"], "verify")
    # The house in the description is personal data: the public reads it redacted.
    act(people["lan"], "publish", public=True, redacted={"description": "Cống bị tắc trước [địa chỉ]."})


def test_hoa_rates_the_result_from_the_link_of_her_message(phone, people, so_xd, script_errors):
    # Given Hoa sent a report with her email, and Sở Xây dựng handled it; the IOC published it
    phone.goto("/gui-phan-anh/")
    phone.get_by_label("Mô tả").fill("Cống bị tắc trước số 8 đường Bà Triệu.")
    phone.get_by_label("Email").fill("hoa.tran@example.vn")
    phone.get_by_label("Tôi đồng ý cho xử lý dữ liệu cá nhân").check()
    phone.get_by_role("button", name="Gửi phản ánh", exact=True).tap()
    code = phone.locator("#tracking-code").inner_text().strip()
    report = Report.objects.get(tracking_code=code)
    handle_and_publish(report, people, so_xd)
    phone.context.clear_cookies()  # days later, her session is gone

    # When she opens the link of the message telling her the result
    message = Delivery.objects.get(report=report, purpose="result_published")
    link = re.search(r"http://\S+\?token=\S+", message.body)[0]
    phone.goto(link.replace("http://127.0.0.1:8000", ""))

    # Then she sees the result and is asked to rate it, with the date it closes otherwise
    expect(phone).to_have_url(re.compile(rf"/tra-cuu/{code}/$"))
    expect(phone.locator("#result-text")).to_have_text("Đã nạo vét toàn bộ cống trước số 8.")
    expect(phone.get_by_role("heading", name="Đánh giá của bạn về kết quả")).to_be_visible()
    expect(phone.locator("#rating-deadline")).to_contain_text("tự đóng vào ngày")
    shoot(phone, "rating")

    # When she chooses "Hài lòng" and sends it
    phone.get_by_label("Hài lòng", exact=True).check()
    phone.get_by_role("button", name="Gửi đánh giá").tap()

    # Then she is thanked, her rating is shown, and the report is closed
    expect(phone.get_by_role("alert")).to_contain_text("Cảm ơn")
    expect(phone.locator("#rating-given")).to_have_text("Hài lòng")
    expect(phone.locator(".status")).to_have_text("Đã đóng")
    report.refresh_from_db()
    assert report.status == Status.CLOSED
    assert script_errors == []


def test_a_code_typed_in_lower_case_without_dashes_is_found_and_a_wrong_one_is_told_beside_the_box(phone):
    code = send_a_report(phone)

    # When someone types the code as it comes, in lower case and without dashes
    phone.goto("/")
    phone.get_by_label("Mã tra cứu").fill(code.replace("-", "").lower())
    phone.get_by_role("button", name="Tra cứu", exact=True).tap()

    # Then the report's page opens
    expect(phone).to_have_url(re.compile(rf"/tra-cuu/{code}/$"))

    # When a code that does not exist is typed
    phone.goto("/")
    phone.get_by_label("Mã tra cứu").fill("pa26zzzzzz")
    phone.get_by_role("button", name="Tra cứu", exact=True).tap()

    # Then the message is right under the box, which still holds what was typed
    error = phone.locator("#ma-errors")
    expect(error).to_have_text("Không có phản ánh nào có mã tra cứu “pa26zzzzzz”.")
    expect(phone.get_by_label("Mã tra cứu")).to_have_value("pa26zzzzzz")
    box = phone.get_by_label("Mã tra cứu").bounding_box()
    under = error.bounding_box()
    assert 0 <= under["y"] - (box["y"] + box["height"]) < 80
    shoot(phone, "lookup")
