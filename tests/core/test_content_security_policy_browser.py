"""The main pages work in a real browser under the Content-Security-Policy, and break none of it.

Debian's Chromium opens the pages of the live server with their policy; every
`securitypolicyviolation` event and every "Refused to..." line of the console is recorded
(tests/browser.py, `watch_policy`), and each test ends with none. The pages must still work:
the maps show their tiles (served here in place of OpenStreetMap's) and markers, the intake
form previews a photo, the lightbox opens a photo, htmx changes a report in place, the
dashboard's charts are drawn, Swagger UI shows the API. Screenshots go to
PHANANH_SCREENSHOTS when it names a folder.
"""

# ruff: noqa: F811  (the shared fixtures are imported, then asked for by name)

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from phananh.org.models import User
from phananh.stats.facts import catch_up
from tests.backoffice.test_browser import sign_in
from tests.browser import watch_policy
from tests.conftest import jpeg_bytes, png_bytes
from tests.portal.test_browser import tap_the_map
from tests.portal.test_public_support import (  # noqa: F401
    act,
    at,
    handled,
    people,
    phong_ht,
    publish_directly,
    road,
    send,
    so_xd,
    so_yt,
    submit,
)
from tests.staff import enrol, second_step_in_browser

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

TILES = "https://tile.openstreetmap.org/**"
DESKTOP = {
    "viewport": {"width": 1366, "height": 900},
    "has_touch": True,  # the shared sign-in taps
    "locale": "vi-VN",
    "timezone_id": "Asia/Ho_Chi_Minh",
}


def shoot(page, name: str) -> None:
    folder = os.environ.get("PHANANH_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"csp-{name}.png"), full_page=True)


def serve_tiles(page) -> list[str]:
    """OpenStreetMap's tiles, answered here with a plain image: the policy still decides."""
    asked: list[str] = []

    def tile(route):
        asked.append(route.request.url)
        route.fulfill(status=200, content_type="image/png", body=TILE)

    page.route(TILES, tile)
    return asked


TILE = png_bytes(256, 256)


def image_shown(page, selector: str) -> bool:
    """Whether the image was loaded and decoded (a blocked one has no size)."""
    return page.locator(selector).first.evaluate("img => img.complete && img.naturalWidth > 0")


def tiles_shown(page, map_selector: str) -> None:
    tile = page.locator(f"{map_selector} img.leaflet-tile-loaded").first
    expect(tile).to_be_visible()
    assert image_shown(page, f"{map_selector} img.leaflet-tile-loaded")


def test_a_citizen_sends_a_report_with_a_photo_and_follows_it(
    phone, tmp_path, policy_violations, script_errors
):
    tiles = serve_tiles(phone)
    picture = tmp_path / "o-ga.jpg"
    picture.write_bytes(jpeg_bytes(800, 600))

    # The intake page: its map shows the tile server's background, a tap puts a marker
    phone.goto("/gui-phan-anh/")
    tiles_shown(phone, "#map")
    assert tiles
    tap_the_map(phone)
    # And a chosen photo is previewed at once (blob: or data: image)
    phone.get_by_label("Hình ảnh (tối đa").set_input_files(picture)
    preview = phone.locator("#photo-previews img")
    expect(preview).to_have_count(1)
    assert re.match(r"(blob|data):", preview.get_attribute("src"))
    assert image_shown(phone, "#photo-previews img")
    shoot(phone, "intake")

    # Sent: the success page, with its private link styled by the site's sheet
    phone.get_by_label("Mô tả").fill("Ổ gà lớn trước số 12 đường Lê Lợi, xe máy đi qua rất dễ ngã.")
    phone.get_by_label("Số điện thoại").fill("0912 345 678")
    phone.get_by_label("Tôi đồng ý cho xử lý dữ liệu cá nhân").check()
    phone.get_by_role("button", name="Gửi phản ánh", exact=True).tap()
    expect(phone).to_have_url(re.compile(r"/gui-phan-anh/da-gui/PA-"))
    link = phone.locator("#private-link")
    assert link.evaluate("e => getComputedStyle(e).borderTopStyle") == "dashed"
    shoot(phone, "submitted")

    # The reporter's tracking page through the private link: status badge in its colour, photo
    phone.goto(link.inner_text().strip())
    badge = phone.locator(".status").first
    expect(badge).to_have_text("Mới gửi")
    assert badge.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(29, 78, 216)"
    shoot(phone, "track")

    assert script_errors == []
    assert policy_violations == []


def test_the_public_map_and_a_published_report_with_its_photos(
    phone, handled, policy_violations, script_errors
):
    for i in range(3):
        publish_directly(send(f"Ổ gà số {i}", **at(f"21.85{i}", "106.761")))
    serve_tiles(phone)

    # The public map: background and the reports' markers
    phone.goto("/ban-do/")
    tiles_shown(phone, "#public-map")
    expect(phone.locator("#public-map")).to_have_attribute("data-loaded", re.compile(r"[1-9]"))
    expect(phone.locator("#public-map .leaflet-interactive, #public-map .cluster-icon").first).to_be_visible()
    shoot(phone, "public-map")

    # A published report: its map, its photos, and one opened in the lightbox
    phone.goto(f"/phan-anh/{handled.tracking_code}/")
    tiles_shown(phone, "#report-map")
    expect(phone.locator("#report-status")).to_be_visible()
    phone.locator("a[data-lightbox] img").first.tap()
    expect(phone.locator(".pswp img.pswp__img").first).to_be_visible()
    assert image_shown(phone, ".pswp img.pswp__img")
    shoot(phone, "public-report-lightbox")

    # The statistics: their charts are drawn
    phone.goto("/thong-ke/")
    drawn(phone, "#chart-status")

    assert script_errors == []
    assert policy_violations == []


def drawn(page, canvas: str) -> None:
    """The chart was drawn: Chart.js holds it and its canvas has coloured pixels."""
    expect(page.locator(canvas)).to_be_visible()
    painted = page.locator(canvas).evaluate(
        """canvas => {
            if (!window.Chart || !Chart.getChart(canvas)) return false;
            const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
            for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) return true;
            return false;
        }"""
    )
    assert painted, f"{canvas} is blank"


@pytest.fixture
def desk(browser, live_server, policy_violations, script_errors):
    """A desktop browser of the office; nothing leaves the machine but the tiles served here."""
    context = browser.new_context(base_url=live_server.url, **DESKTOP)
    context.set_default_timeout(10_000)
    site = urlsplit(live_server.url).netloc
    context.route(
        "**/*",
        lambda route: route.continue_() if urlsplit(route.request.url).netloc == site else route.abort(),
    )
    watch_policy(context, policy_violations)
    page = context.new_page()
    page.on("pageerror", lambda exc: script_errors.append(str(exc)))
    serve_tiles(page)
    yield page
    context.close()


def test_the_back_office_list_a_report_and_the_dashboard(
    desk, people, handled, policy_violations, script_errors
):
    report = send("Cây đổ chắn ngang đường Lê Lợi", photos=1, **at("21.8537", "106.7615"))
    catch_up()

    # The operator's list: the rows with their status colours, and the map of open reports
    sign_in(desk, "lan")
    row = desk.locator(f'li.item[data-code="{report.tracking_code}"]')
    expect(row).to_be_visible()
    assert row.locator(".status").evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(29, 78, 216)"
    tiles_shown(desk, "#reports-map")
    expect(desk.locator("#reports-map path.leaflet-interactive").first).to_be_visible()
    shoot(desk, "backoffice-list")

    # The report: its place on a map, its photo in the lightbox, and an action done in place (htmx)
    desk.goto(f"/can-bo/phan-anh/{report.tracking_code}/")
    tiles_shown(desk, "#place-map")
    desk.locator("a[data-lightbox] img").first.click()
    expect(desk.locator(".pswp img.pswp__img").first).to_be_visible()
    desk.keyboard.press("Escape")
    expect(desk.locator(".pswp")).to_have_count(0)
    desk.evaluate("window.notReloaded = true")
    desk.get_by_text("Tiếp nhận và phân loại", exact=True).first.click()
    desk.locator("#accept-category").select_option(label="Hạ tầng đô thị")
    desk.locator("#form-accept button[type=submit]").click()
    expect(desk.locator("#report-status")).to_have_text("Đã tiếp nhận")
    assert desk.evaluate("window.notReloaded") is True
    shoot(desk, "backoffice-report")

    # The steering committee's dashboard: its charts are drawn, its map shows; then the printout
    desk.locator("#logout").click()
    sign_in(desk, "quang", lands=r"/can-bo/thong-ke/$")
    for chart in ("#chart-trend", "#chart-fields", "#chart-channels"):
        drawn(desk, chart)
    shoot(desk, "dashboard")
    desk.locator("#print-link").click()
    expect(desk.locator("#print-sheet h1")).to_be_visible()
    # The printout's own sheet applies (no inline <style> any more)
    # (waited for: the sheet may still be loading when the heading shows)
    expect(desk.locator("#print-sheet")).to_have_css("max-width", re.compile(r"px$"))
    shoot(desk, "dashboard-print")

    assert script_errors == []
    assert policy_violations == []


def test_the_admin_site_and_the_api_docs(desk, people, policy_violations, script_errors):
    enrol(User.objects.create_superuser(username="quantri", password="x", email="quantri@example.vn"))

    # The admin: signed in (on the staff login page, with the second step), a list with its
    # filters, a form with its widgets
    desk.goto("/quan-tri/")
    desk.locator("#id_username").fill("quantri")
    desk.locator("#id_password").fill("x")
    desk.locator("#id_password").press("Enter")
    second_step_in_browser(desk, "quantri")
    expect(desk.locator("#site-name")).to_be_visible()
    desk.goto("/quan-tri/org/user/")
    expect(desk.locator("#result_list")).to_be_visible()
    desk.goto("/quan-tri/org/unit/add/")
    expect(desk.locator("#unit_form")).to_be_visible()
    # Django's own style sheet applies
    assert desk.locator("#header").evaluate("e => getComputedStyle(e).display") == "flex"
    shoot(desk, "admin")

    # The API's documentation: Swagger UI lays out the operations
    desk.goto("/api/v1/docs")
    expect(desk.locator(".swagger-ui .info .title")).to_be_visible()
    expect(desk.locator(".swagger-ui .opblock").first).to_be_visible()
    shoot(desk, "api-docs")

    assert script_errors == []
    assert policy_violations == []
