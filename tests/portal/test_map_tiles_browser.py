"""Maps on a closed network: without a reachable tile server the map says so and keeps its places.

Real pages in a phone's Chromium. Requests off the site are refused (the shared `phone`
fixture), as a government network without the province's own tile server refuses them.
"""

# ruff: noqa: F811

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.conftest import png_bytes
from tests.portal.test_browser import tap_the_map
from tests.portal.test_public_support import at, publish_directly, road, send  # noqa: F401

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

NO_TILES = "Không tải được nền bản đồ từ mạng này: các vị trí vẫn được hiển thị."
OWN_TILES = "https://ban-do.langson.gov.vn/tiles/{z}/{x}/{y}.png"


def test_the_public_map_without_tiles_says_so_in_a_line_and_still_shows_the_reports(phone, script_errors):
    # Given three published reports in the city centre
    for i in range(3):
        publish_directly(send(f"Ổ gà {i}", **at(f"21.85{i}", "106.761")))

    # When a citizen opens the map on a network where no tile server answers
    phone.goto("/ban-do/")

    # Then one line over the map says that the background is missing
    note = phone.locator("#public-map .map-note")
    expect(note).to_be_visible()
    expect(note).to_have_text(NO_TILES)
    # And the reports are on the map all the same
    expect(phone.locator("#public-map")).to_have_attribute("data-loaded", "3")
    places = phone.locator("#public-map .leaflet-marker-pane > *, #public-map path.leaflet-interactive")
    expect(places.first).to_be_visible()
    assert script_errors == []


def test_a_published_reports_page_without_tiles_still_circles_the_place(phone):
    # Given a published report with a place
    report = publish_directly(send("Cây đổ", **at("21.853", "106.761")))

    # When a citizen opens its page without a tile server
    phone.goto(f"/phan-anh/{report.tracking_code}/")

    # Then the small map says the background is missing and still circles the place
    expect(phone.locator("#report-map .map-note")).to_have_text(NO_TILES)
    expect(phone.locator("#report-map path.leaflet-interactive")).to_have_count(1)


def test_the_intake_map_without_tiles_says_so_and_still_takes_a_tap(phone, script_errors):
    # When a citizen opens the intake page without a tile server
    phone.goto("/gui-phan-anh/")

    # Then the map says so, and a tap still sets the place (the line does not catch the tap)
    expect(phone.locator("#map .map-note")).to_have_text(NO_TILES)
    tap_the_map(phone)
    assert script_errors == []


def test_with_the_provinces_own_tile_server_the_map_shows_no_such_line(phone, settings):
    # Given a deployment pointed at the province's own tile server, which answers
    settings.PHANANH_TILE_URL = OWN_TILES
    tiles = []

    def serve_tile(route):
        tiles.append(route.request.url)
        route.fulfill(status=200, content_type="image/png", body=png_bytes(256, 256))

    phone.route("https://ban-do.langson.gov.vn/**", serve_tile)

    # When a citizen opens the map
    phone.goto("/ban-do/")

    # Then the tiles come from that server, and no line says the background is missing
    expect(phone.locator("#public-map .leaflet-tile-loaded").first).to_be_visible()
    assert tiles and all(url.startswith("https://ban-do.langson.gov.vn/tiles/") for url in tiles)
    phone.wait_for_timeout(6500)  # past the wait for a server that never answers
    expect(phone.locator("#public-map .map-note")).to_be_hidden()


def test_a_tile_server_that_never_answers_is_announced_after_a_few_seconds(phone, settings):
    # Given a tile server whose requests hang (a firewall that drops them without refusing)
    settings.PHANANH_TILE_URL = OWN_TILES
    phone.route("https://ban-do.langson.gov.vn/**", lambda route: None)

    # When a citizen opens the map (the page never finishes loading: its tiles hang)
    phone.goto("/ban-do/", wait_until="domcontentloaded")

    # Then at first nothing is said, and after a few seconds the line appears
    note = phone.locator("#public-map .map-note")
    expect(note).to_be_hidden()
    expect(note).to_be_visible(timeout=9000)
