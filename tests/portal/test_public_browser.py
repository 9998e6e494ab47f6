"""The public side in a phone's Chromium: the map's clusters, the statistics' charts, a report's page.

Map tiles cannot load here (requests off the site are refused): the map draws its markers all
the same, and everything else comes from this site.
"""

# ruff: noqa: F811

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.portal.test_public_support import (  # noqa: F401
    at,
    handle,
    people,
    phong_ht,
    publish_directly,
    road,
    send,
    so_xd,
    so_yt,
)

pytestmark = [
    pytest.mark.browser,
    # The live server runs in its own thread: real commits, and the default rows back afterwards.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

TILE_HOST = "tile.openstreetmap.org"


def only_tiles_went_offsite(offsite_requests) -> bool:
    return {url.split("/")[2] for url in offsite_requests} <= {TILE_HOST}


def test_the_map_shows_clusters_and_a_lone_report_opens_its_page(phone, script_errors, offsite_requests):
    # Given a dozen published reports in the city centre and one alone to the north
    for i in range(12):
        publish_directly(send(f"Ổ gà {i}", **at(f"21.85{i:02d}", f"106.76{i:02d}")))
    lone = publish_directly(send("Cây đổ", **at("22.00", "106.80")))
    send("Chưa công khai", **at("21.86", "106.77"))

    # When a citizen opens the map
    phone.goto("/ban-do/")

    # Then the server's clusters are drawn: the 13 published reports, not the private one
    expect(phone.locator("#public-map")).to_have_attribute("data-loaded", "13")
    expect(phone.locator(".cluster-icon").first).to_be_visible()
    # And the lone report is a marker whose popup links to its page
    lone_marker = phone.locator("path.leaflet-interactive")
    expect(lone_marker).to_have_count(1)
    lone_marker.click()
    link = phone.locator(".leaflet-popup-content a")
    expect(link).to_have_attribute("href", f"/phan-anh/{lone.tracking_code}/")
    link.click()
    expect(phone).to_have_url(re.compile(rf"/phan-anh/{lone.tracking_code}/$"))
    expect(phone.locator("#report-map path.leaflet-interactive")).to_have_count(1)

    assert script_errors == []
    assert only_tiles_went_offsite(offsite_requests)


def test_the_map_follows_the_field_filter(phone, road):
    publish_directly(send("Ổ gà", category=road.code, **at("21.85", "106.76")))
    publish_directly(send("Rác", category="moi-truong", **at("21.86", "106.77")))

    phone.goto("/ban-do/")
    expect(phone.locator("#public-map")).to_have_attribute("data-loaded", "2")
    phone.locator("#map-field").select_option(road.code)

    expect(phone.locator("#public-map")).to_have_attribute("data-loaded", "1")


def test_the_statistics_draw_their_charts_from_this_site(
    phone, script_errors, offsite_requests, people, so_xd
):
    handle(send("Ổ gà"), people, so_xd)
    send("Mới gửi")

    phone.goto("/thong-ke/")

    for chart in ("chart-status", "chart-fields", "chart-units"):
        expect(phone.locator(f"#{chart}")).to_be_visible()
        drawn = phone.evaluate(f"() => Boolean(window.Chart && Chart.getChart('{chart}'))")
        assert drawn, chart
    expect(phone.locator("#table-summary tr[data-key=received] td")).to_have_text("2")
    assert script_errors == []
    assert offsite_requests == []
