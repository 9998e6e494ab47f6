"""A mistake costs nothing: the intake form sent back by the server keeps the chosen photos.

Chị Hoàng Thị Lan reports a broken drain with two photos from her phone and forgets the
description and the consent box. The server refuses the form (422); the page says which
fields to correct, puts her on the first one, and her photos are still chosen, so that the
second try goes through with them. Without JavaScript the page tells her to choose them again.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from phananh.reports.models import Report
from tests.browser import PHONE
from tests.conftest import jpeg_bytes

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

CONFIRMATION = re.compile(r"/gui-phan-anh/da-gui/PA-\d\d-[0-9A-Z]{6}/$")
CHOOSE_AGAIN = "Vui lòng chọn lại ảnh."


@pytest.fixture
def photos(tmp_path):
    paths = []
    for name in ("cong-vo-1.jpg", "cong-vo-2.jpg"):
        path = tmp_path / name
        path.write_bytes(jpeg_bytes(640, 480))
        paths.append(path)
    return paths


@pytest.fixture
def phone_without_javascript(browser, live_server):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False, **PHONE)
    context.set_default_timeout(10_000)
    context.route(lambda url: not url.startswith(live_server.url), lambda route: route.abort())
    yield context.new_page()
    context.close()


def fill_in_all_but_the_description_and_the_consent(page, photos) -> None:
    page.get_by_label("Hình ảnh (tối đa").set_input_files(photos)
    page.get_by_label("Địa chỉ hoặc địa điểm dễ nhận biết").fill("Ngõ 5 đường Bà Triệu")
    page.get_by_label("Họ và tên").fill("Hoàng Thị Lan")
    page.get_by_label("Số điện thoại").fill("0912 345 678")


def send(page):
    page.get_by_role("button", name="Gửi phản ánh", exact=True).tap()


def test_after_a_refusal_the_photos_stay_chosen_and_the_second_try_sends_them(phone, photos, script_errors):
    # Given Lan's form with two photos, but without description and consent
    phone.goto("/gui-phan-anh/")
    fill_in_all_but_the_description_and_the_consent(phone, photos)
    expect(phone.locator("#photo-previews img")).to_have_count(2)

    # When she sends it, and the server refuses it
    with phone.expect_response(lambda r: r.request.method == "POST") as refusal:
        send(phone)
    assert refusal.value.status == 422

    # Then the message at the top names the two fields to correct, in the order of the form
    message = phone.locator("#form-error")
    expect(message).to_be_visible()
    expect(message).to_contain_text("Một số thông tin còn thiếu hoặc không hợp lệ.")
    expect(message.get_by_role("link")).to_have_text(["Mô tả", "Đồng ý xử lý dữ liệu cá nhân"])
    # And she is on the first of them, its error right under it
    expect(phone.get_by_label("Mô tả")).to_be_focused()
    expect(phone.locator("#description-errors")).to_have_text("Trường này là bắt buộc.")
    expect(phone.locator("#consent-errors")).to_be_visible()
    # And her photos are still chosen and shown; she is not asked to choose them again
    assert phone.locator("#photos").evaluate("input => input.files.length") == 2
    expect(phone.locator("#photo-previews img")).to_have_count(2)
    expect(phone.get_by_text(CHOOSE_AGAIN)).to_have_count(0)
    expect(phone.get_by_label("Họ và tên")).to_have_value("Hoàng Thị Lan")
    assert Report.objects.count() == 0

    # When she follows the second link, she lands on the consent box
    message.get_by_role("link", name="Đồng ý xử lý dữ liệu cá nhân").tap()
    expect(phone.get_by_label("Tôi đồng ý cho xử lý dữ liệu cá nhân")).to_be_focused()

    # When she writes the description, ticks the consent and sends again
    phone.get_by_label("Mô tả").fill("Cống thoát nước vỡ, nước bẩn tràn ra ngõ.")
    phone.get_by_label("Tôi đồng ý cho xử lý dữ liệu cá nhân").check()
    send(phone)

    # Then the report goes through, with both photos
    expect(phone).to_have_url(CONFIRMATION)
    report = Report.objects.get()
    assert report.attachments.filter(kind="photo").count() == 2
    assert report.reporter_name == "Hoàng Thị Lan"
    assert script_errors == []


def test_a_second_refusal_replaces_the_first_messages(phone, photos):
    # Given Lan's form refused once for its description and its consent
    phone.goto("/gui-phan-anh/")
    fill_in_all_but_the_description_and_the_consent(phone, photos)
    send(phone)
    expect(phone.locator("#consent-errors")).to_be_visible()

    # When she only ticks the consent and sends again
    phone.get_by_label("Tôi đồng ý cho xử lý dữ liệu cá nhân").check()
    with phone.expect_response(lambda r: r.request.method == "POST"):
        send(phone)

    # Then only the description is flagged, once, and named at the top
    expect(phone.locator("#consent-errors")).to_have_count(0)
    expect(phone.locator("ul.errors")).to_have_count(1)
    expect(phone.locator("#form-error").get_by_role("link")).to_have_text(["Mô tả"])
    expect(phone.get_by_label("Mô tả")).to_be_focused()
    expect(phone.get_by_role("button", name="Gửi phản ánh", exact=True)).to_be_enabled()


def test_a_server_failure_says_to_try_again_and_keeps_everything(phone, photos):
    # Given a server that fails once (an error page, 500)
    failures = []

    def fail_once(route):
        if route.request.method == "POST" and not failures:
            failures.append(route.request.url)
            route.fulfill(status=500, content_type="text/html", body="<h1>Server Error (500)</h1>")
        else:
            route.fallback()

    phone.route("**/gui-phan-anh/", fail_once)
    phone.goto("/gui-phan-anh/")
    fill_in_all_but_the_description_and_the_consent(phone, photos)
    phone.get_by_label("Mô tả").fill("Cống thoát nước vỡ, nước bẩn tràn ra ngõ.")
    phone.get_by_label("Tôi đồng ý cho xử lý dữ liệu cá nhân").check()

    # When Lan sends
    send(phone)

    # Then the page says it could not be sent and that nothing is lost, and keeps her photos
    expect(phone.get_by_role("alert")).to_contain_text("Chưa gửi được phản ánh lúc này.")
    assert phone.locator("#photos").evaluate("input => input.files.length") == 2

    # And the next try goes through
    send(phone)
    expect(phone).to_have_url(CONFIRMATION)
    assert Report.objects.get().attachments.filter(kind="photo").count() == 2


def test_without_javascript_the_message_says_to_choose_the_photos_again(phone_without_javascript, photos):
    page = phone_without_javascript
    # Given Lan's phone with JavaScript turned off, and her form without description and consent
    page.goto("/gui-phan-anh/")
    fill_in_all_but_the_description_and_the_consent(page, photos)

    # When she sends it (a plain post of the page)
    send(page)

    # Then the page comes back with the fields to correct named at the top
    message = page.locator("#form-error")
    expect(message).to_contain_text("Vui lòng sửa: Mô tả, Đồng ý xử lý dữ liệu cá nhân")
    # And it tells her to choose the photos again, which the browser dropped
    expect(message).to_contain_text(CHOOSE_AGAIN)
    assert page.locator("#photos").evaluate("input => input.files.length") == 0
    # And she is on the description, with what she typed kept
    expect(page.get_by_label("Mô tả")).to_be_focused()
    expect(page.get_by_label("Họ và tên")).to_have_value("Hoàng Thị Lan")

    # When she corrects it, chooses the photos again and sends
    page.get_by_label("Mô tả").fill("Cống thoát nước vỡ, nước bẩn tràn ra ngõ.")
    page.get_by_label("Tôi đồng ý cho xử lý dữ liệu cá nhân").check()
    page.get_by_label("Hình ảnh (tối đa").set_input_files(photos)
    send(page)

    # Then the report goes through with them
    expect(page).to_have_url(CONFIRMATION)
    assert Report.objects.get().attachments.filter(kind="photo").count() == 2
