"""What every public page carries: the way to send a report, the province, whom to call.

A citizen who lands on any page (a shared link to a published report, the statistics) sees
the province's name, can go to the intake form in one tap and finds the numbers to call.
"""

from __future__ import annotations

import pytest

from phananh.stats import facts
from tests.portal.test_pages import Page
from tests.portal.test_public_support import send

pytestmark = pytest.mark.django_db

PAGES = ["/", "/gui-phan-anh/", "/phan-anh/", "/ban-do/", "/thong-ke/", "/tra-cuu/PA-26-AAAAAA/"]


def footer(page: Page):
    return next(e for e in page.all("footer"))


@pytest.mark.parametrize("url", PAGES)
def test_every_page_names_the_province_and_its_numbers_and_links_the_intake_form(client, url):
    # When a citizen opens any public page (an unknown tracking code included)
    page = Page(client.get(url))

    # Then the navigation leads to the intake form, first
    nav = page.all("nav")[0]
    first = next(a for a in nav.iter() if a.tag == "a")
    assert (first.text, first.attrs["href"]) == ("Gửi phản ánh", "/gui-phan-anh/")
    # And the header and the footer name the province
    assert "Lạng Sơn" in page.all("header")[0].text
    assert "tỉnh Lạng Sơn" in footer(page).text
    # And the footer gives the hotline and the emergency numbers, each one a tap to call
    calls = {a.attrs["href"]: a.text for a in footer(page).iter() if a.tag == "a"}
    assert calls == {"tel:1022": "1022", "tel:113": "113", "tel:114": "114", "tel:115": "115"}
    assert "113 Công an" in footer(page).text
    assert "114 Cứu hỏa, cứu nạn" in footer(page).text
    assert "115 Cấp cứu" in footer(page).text


def test_another_province_sets_its_name_and_numbers_in_the_settings(client, settings):
    # Given a deployment for Quảng Trị with its own hotline and a local rescue number
    settings.PHANANH_PROVINCE_NAME = "Quảng Trị"
    settings.PHANANH_HOTLINE = "0233 1022"
    settings.PHANANH_EMERGENCY_NUMBERS = (("113", "Công an"), ("1900 1234", "Cứu hộ giao thông"))

    # When a citizen opens the list of published reports
    page = Page(client.get("/phan-anh/"))

    # Then the pages speak of Quảng Trị and its numbers, and no longer of Lạng Sơn
    assert "Quảng Trị" in page.all("header")[0].text
    assert "Lạng Sơn" not in page.html
    assert page.all("title")[0].text.endswith("Quảng Trị")
    calls = [a.attrs["href"] for a in footer(page).iter() if a.tag == "a"]
    assert calls == ["tel:0233 1022", "tel:113", "tel:1900 1234"]


def test_the_home_page_shows_the_emergency_numbers_before_anything_but_the_send_button(client):
    # When a citizen opens the home page
    page = Page(client.get("/"))

    # Then the emergency numbers come right after the introduction, before the figures
    sections = [s.attrs.get("id") or s.attrs.get("class") for s in page.all("section")]
    assert sections[:2] == ["hero", "emergency"]
    emergency = page.get("emergency")
    buttons = [(a.attrs["href"], a.text) for a in emergency.iter() if a.tag == "a"]
    assert buttons == [
        ("tel:113", "113 Công an"),
        ("tel:114", "114 Cứu hỏa, cứu nạn"),
        ("tel:115", "115 Cấp cứu"),
    ]
    # And the hotline for everything else
    assert "1022" in emergency.text


def test_the_pages_have_an_icon_in_the_browser_tab(client):
    # When a browser opens a page, or asks for /favicon.ico by itself
    page = Page(client.get("/"))
    icons = [link.attrs["href"] for link in page.all("link") if link.attrs.get("rel") == "icon"]
    tab_icon = client.get(icons[0])
    favicon = client.get("/favicon.ico")

    # Then both are the portal's own icon (a PNG, and an ICO with its small sizes)
    assert icons == ["/static/portal/icons/favicon-32.png"]
    assert tab_icon.status_code == 200
    assert b"".join(tab_icon.streaming_content)[:8] == b"\x89PNG\r\n\x1a\n"
    assert favicon.status_code == 200
    assert favicon["Content-Type"] == "image/x-icon"
    assert favicon.content[:4] == b"\x00\x00\x01\x00"


def test_a_statistics_table_of_many_columns_labels_each_figure_for_a_phone(client):
    # Given one report received this year, counted (after-commit tasks do not run inside a test's
    # transaction: the periodic catch-up does their work)
    send("Đèn đường hỏng trước chợ Đông Kinh")
    facts.catch_up()

    # When a citizen opens the statistics
    page = Page(client.get("/thong-ke/"))

    # Then every figure of the wide tables carries the name of its column, which a phone
    # shows beside it when the table is laid out as one block per row
    wide = [t for t in page.all("table") if "stacked" in t.attrs.get("class", "")]
    assert wide
    for table in wide:
        headers = [th.text for th in table.iter() if th.tag == "th" and th.attrs.get("scope") == "col"][1:]
        for row in (tr for tr in table.iter() if tr.tag == "tr" and tr.parent.tag == "tbody"):
            labels = [td.attrs.get("data-label") for td in row.iter() if td.tag == "td"]
            assert labels == headers
