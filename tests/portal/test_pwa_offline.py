"""A citizen with no signal: the report waits on the phone and leaves when the signal returns.

Real pages in Debian's Chromium against the live server, with the service worker installed.
Chromium treats localhost as a secure origin, which service workers require.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from phananh.reports.models import IdempotencyRecord, Report
from tests.browser import PHONE, wait_for_expression
from tests.conftest import jpeg_bytes

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

CODE = re.compile(r"^PA-\d\d-[0-9A-Z]{6}$")
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
API = "**/api/v1/reports"


@pytest.fixture
def app_phone(browser, live_server, script_errors):
    """A phone tab whose network the test can cut, on a context of its own.

    Only the map tiles' host is refused: the shared `phone` fixture routes every request,
    and a request a service worker answers never reaches Playwright's routing anyway.
    """
    site = urlsplit(live_server.url).netloc
    context = browser.new_context(base_url=live_server.url, **PHONE)
    context.set_default_timeout(10_000)
    context.route(lambda url: urlsplit(url).netloc not in (site, ""), lambda route: route.abort())
    page = context.new_page()
    page.on("pageerror", lambda exc: script_errors.append(str(exc)))
    yield page
    context.close()


def wait_until(page, condition, timeout_ms: int = 10_000) -> None:
    """Let the page run until `condition()` holds (Playwright's handlers run meanwhile)."""
    for _ in range(timeout_ms // 100):
        if condition():
            return
        page.wait_for_timeout(100)
    raise AssertionError("timed out")


def open_the_app(page) -> None:
    """Open the intake page and wait until its service worker controls it."""
    page.goto("/gui-phan-anh/")
    expect(page.get_by_role("heading", name="Gửi phản ánh")).to_be_visible()
    wait_for_expression(page, "navigator.serviceWorker.controller !== null")


def write_a_report(page, tmp_path) -> None:
    picture = tmp_path / "cay-do.jpg"
    picture.write_bytes(jpeg_bytes(640, 480))
    page.get_by_label("Mô tả").fill("Cây đổ chắn ngang đường Bà Triệu, xe không qua được.")
    page.get_by_label("Lĩnh vực (không bắt buộc)").select_option(label="Hạ tầng đô thị")
    page.get_by_label("Hình ảnh (tối đa").set_input_files(picture)
    expect(page.locator("#photo-previews img")).to_have_count(1)
    page.get_by_label("Vĩ độ").fill("21.853700")
    page.get_by_label("Kinh độ").fill("106.761500")
    page.get_by_label("Số điện thoại").fill("0912 345 678")
    page.get_by_label("Tôi đồng ý cho xử lý dữ liệu cá nhân").check()


def send_while_offline(page, tmp_path) -> None:
    page.context.set_offline(True)
    write_a_report(page, tmp_path)
    page.get_by_role("button", name="Gửi phản ánh", exact=True).tap()
    # The phone says the report is kept and will leave with the connection
    expect(page.locator("#outbox [data-state=queued]")).to_be_visible()
    expect(page.locator("#outbox [data-state=queued] [data-field=description]")).to_contain_text(
        "Cây đổ chắn ngang"
    )


def test_a_report_sent_without_signal_leaves_once_when_the_signal_returns(app_phone, tmp_path, script_errors):
    page = app_phone
    # Given the app opened once with a connection
    open_the_app(page)

    # When the signal is lost and the citizen sends a report with a photo
    send_while_offline(page, tmp_path)
    # Then nothing reached the server, and the form is empty for the next report
    assert Report.objects.count() == 0
    expect(page.get_by_label("Mô tả")).to_have_value("")
    expect(page.locator("#photo-previews img")).to_have_count(0)

    # When the citizen opens the page again, still without signal
    page.reload()
    # Then the service worker serves it, and it still shows the report waiting
    expect(page.get_by_role("heading", name="Gửi phản ánh")).to_be_visible()
    expect(page.locator("#outbox [data-state=queued]")).to_have_count(1)
    assert Report.objects.count() == 0

    # When the signal returns
    page.context.set_offline(False)

    # Then the report leaves, and its tracking code and tracking link appear
    sent = page.locator("#outbox [data-state=sent]")
    expect(sent.locator("[data-field=tracking-code]")).to_have_text(CODE, timeout=15_000)
    expect(page.locator("#outbox [data-state=queued]")).to_have_count(0)
    code = sent.locator("[data-field=tracking-code]").inner_text()
    expect(sent.locator("[data-field=track-link]")).to_have_attribute(
        "href", re.compile(rf"/tra-cuu/{code}/$")
    )
    expect(sent.locator("[data-field=private-link]")).to_have_value(
        re.compile(rf"/tra-cuu/{code}/\?secret=.")
    )

    # And the server has exactly one report, with the photo, sent by the app
    report = Report.objects.get()
    assert report.tracking_code == code
    assert report.channel == "app"
    assert report.attachments.filter(kind="photo").count() == 1
    assert report.reporter_phone == "0912345678"
    assert report.category.code == "ha-tang-do-thi"
    assert not report.is_anonymous and report.wants_public
    # sent under a fresh Idempotency-Key of the phone's own
    assert UUID.match(IdempotencyRecord.objects.get(report=report).key)

    # And the phone's caches hold the app shell only: no API answer, no tracking page
    cached = page.evaluate(
        """async () => {
            const urls = [];
            for (const name of await caches.keys()) {
                for (const request of await (await caches.open(name)).keys()) urls.push(request.url);
            }
            return urls;
        }"""
    )
    paths = {urlsplit(url).path for url in cached}
    assert "/gui-phan-anh/" in paths
    assert paths - {"/gui-phan-anh/"} and all(p.startswith("/static/") for p in paths - {"/gui-phan-anh/"})

    # When the citizen has noted the code and closes it
    sent.get_by_role("button", name="Đóng").tap()
    # Then nothing is left on the phone
    expect(page.locator("#outbox")).to_be_hidden()
    page.reload()
    expect(page.locator("#outbox")).to_be_hidden()
    assert script_errors == []


def test_a_resend_after_a_lost_answer_creates_no_second_report(app_phone, tmp_path, script_errors):
    page = app_phone
    open_the_app(page)
    send_while_offline(page, tmp_path)

    # Given a network that delivers the first send to the server but loses its answer
    # (routed on the context: the page and its service worker may each send)
    keys, answers = [], []

    def lose_the_first_answer(route):
        keys.append(route.request.headers.get("idempotency-key"))
        if len(keys) == 1:
            answers.append(route.fetch().status)  # the server receives it and creates the report
            route.abort()  # ...but the phone never hears back
        else:
            route.continue_()

    page.context.route(API, lose_the_first_answer)

    # When the signal returns
    page.context.set_offline(False)

    # Then the first send created the report, though the phone never heard of it
    wait_until(page, lambda: answers)
    assert answers == [201]
    assert Report.objects.count() == 1

    # And the phone sends it again by itself, and shows the code of that same report:
    # the only way it can know the code is the server's replay of the first answer
    sent = page.locator("#outbox [data-state=sent] [data-field=tracking-code]")
    expect(sent).to_have_text(CODE, timeout=20_000)
    report = Report.objects.get()
    assert sent.inner_text() == report.tracking_code
    assert len(keys) >= 2
    assert UUID.match(keys[0])
    assert set(keys) == {keys[0]}  # one key for every attempt
    assert report.attachments.filter(kind="photo").count() == 1
    assert script_errors == []


def test_with_a_connection_the_form_posts_as_always_through_the_service_worker(
    app_phone, tmp_path, script_errors
):
    page = app_phone
    # Given the app installed and in control of the page
    open_the_app(page)

    # When the citizen sends a report with a connection
    write_a_report(page, tmp_path)
    page.get_by_role("button", name="Gửi phản ánh", exact=True).tap()

    # Then it is the ordinary post of the form: the confirmation page, a web report
    expect(page).to_have_url(re.compile(r"/gui-phan-anh/da-gui/PA-\d\d-[0-9A-Z]{6}/$"))
    expect(page.locator("#tracking-code")).to_have_text(CODE)
    report = Report.objects.get()
    assert report.channel == "web"
    assert report.attachments.filter(kind="photo").count() == 1
    assert script_errors == []


def test_a_post_that_fails_on_the_way_is_kept_and_sent_by_the_app(app_phone, tmp_path, script_errors):
    page = app_phone
    open_the_app(page)

    # Given a phone that believes it is online, on a network that drops the form's post
    def drop_the_post(route):
        if route.request.method == "POST":
            route.abort("internetdisconnected")
        else:
            route.fallback()

    page.context.route("**/gui-phan-anh/", drop_the_post)

    # When the citizen sends a report
    write_a_report(page, tmp_path)
    page.get_by_role("button", name="Gửi phản ánh", exact=True).tap()

    # Then the service worker keeps it instead of showing an error page, and the intake page
    # sends it at once through the API, as the app, and shows its tracking code
    expect(page).to_have_url(re.compile(r"/gui-phan-anh/$"))
    sent = page.locator("#outbox [data-state=sent] [data-field=tracking-code]")
    expect(sent).to_have_text(CODE, timeout=15_000)
    report = Report.objects.get()
    assert sent.inner_text() == report.tracking_code
    assert report.channel == "app"
    assert report.attachments.filter(kind="photo").count() == 1
    assert script_errors == []
