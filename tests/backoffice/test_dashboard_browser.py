"""Đinh Văn Quang of the steering committee reads the dashboard on his phone and at his desk.

Real pages in Debian's Chromium against the live server; map tiles cannot load (requests off
the site are refused). Screenshots go to PHANANH_SCREENSHOTS when it names a folder.
"""

# ruff: noqa: F811  (the shared `province` fixture is imported, then asked for by name)

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.stats.test_exports import province  # noqa: F401

from .test_browser import sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
DESKTOP = {
    "viewport": {"width": 1440, "height": 900},
    "has_touch": True,  # the shared sign-in taps
    "locale": "vi-VN",
    "timezone_id": "Asia/Ho_Chi_Minh",
}


def shoot(page, name: str) -> None:
    folder = os.environ.get("PHANANH_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def unit_order(page) -> list[str]:
    return page.locator("#unit-table tbody tr").evaluate_all("rows => rows.map(r => r.dataset.unit)")


def test_the_steering_member_sees_the_kpis_sorts_the_units_and_follows_a_figure(
    phone, province, script_errors
):
    # Given Quang signs in on his phone: the steering committee lands on its dashboard, which the
    # header also links to
    sign_in(phone, "quang", lands=r"/can-bo/thong-ke/$")
    phone.locator("#dashboard-link").tap()
    expect(phone).to_have_url(re.compile(r"/can-bo/thong-ke/$"))

    # Then he sees the year's KPIs, the charts and the heat map drawn
    expect(phone.locator('.kpi[data-key="received"] .kpi-value')).to_have_text("5")
    expect(phone.locator('.kpi[data-key="overdue_open"] .kpi-value')).to_have_text("1")
    expect(phone.locator("#chart-trend")).to_be_visible()
    expect(phone.locator("#heat-map .leaflet-interactive")).not_to_have_count(0)
    shoot(phone, "dashboard-phone")

    # When he sorts the unit table by the reports overdue now, the overdue unit comes first
    assert unit_order(phone) == ["so-xd", "so-yt"]
    phone.locator("#sort-overdue").tap()
    assert unit_order(phone) == ["so-yt", "so-xd"]
    expect(phone.locator("#sort-overdue")).to_have_attribute("aria-sort", "descending")
    # And a second tap turns the order round
    phone.locator("#sort-overdue").tap()
    assert unit_order(phone) == ["so-xd", "so-yt"]

    # When he taps the overdue KPI, the list shows the report behind it
    phone.locator('.kpi[data-key="overdue_open"] a').tap()
    expect(phone).to_have_url(re.compile(r"/can-bo/\?.*figure=overdue_open"))
    expect(phone.locator("#report-list li")).to_have_count(1)
    expect(phone.locator(f'#report-list li[data-code="{province[2].tracking_code}"]')).to_be_visible()
    assert script_errors == []


def test_the_dashboard_and_its_printout_at_a_desk(browser, live_server, province, people, script_errors):
    context = browser.new_context(base_url=live_server.url, **DESKTOP)
    site = urlsplit(live_server.url).netloc
    # Nothing leaves the machine: the map tiles are refused, as on a closed network.
    context.route(
        "**/*",
        lambda route: route.continue_() if urlsplit(route.request.url).netloc == site else route.abort(),
    )
    page = context.new_page()
    page.on("pageerror", lambda exc: script_errors.append(str(exc)))
    try:
        sign_in(page, "quang", lands=r"/can-bo/thong-ke/$")
        expect(page.locator("#unit-table tbody tr")).to_have_count(2)
        # Four KPI tiles abreast on a wide screen.
        tops = page.locator(".kpi").evaluate_all("tiles => tiles.map(t => t.getBoundingClientRect().top)")
        assert len(set(tops[:4])) == 1
        shoot(page, "dashboard-desktop")
        page.locator("#print-link").click()
        expect(page.locator("#print-sheet h1")).to_be_visible()
        expect(page.locator('#print-sheet .kpi[data-key="received"] .kpi-value')).to_have_text("5")
        shoot(page, "dashboard-print")
        assert script_errors == []
    finally:
        context.close()
