"""A citizen on a phone: send a report with a photo and a place on the map, then follow it.

Real pages in Debian's Chromium against the live server. The map tiles cannot load (there
is no internet, and requests off the site are refused): the map still takes taps.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.conf import settings
from playwright.sync_api import expect

from phananh.core.geo import in_vietnam
from phananh.reports.models import Report
from tests.conftest import jpeg_bytes

pytestmark = [
    pytest.mark.browser,
    # The live server runs in its own thread, so the tests need real commits; the rollback
    # brings the 15 default fields back after each test's flush.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

TILE_HOST = "tile.openstreetmap.org"
COORDINATE = re.compile(r"^-?\d{1,3}\.\d{6}$")


def tap_the_map(phone) -> None:
    """Tap the middle of the intake map; wait for the marker and the filled-in coordinates."""
    map_area = phone.locator("#map.leaflet-container")
    expect(map_area).to_be_visible()
    map_area.tap()
    expect(phone.locator("#map .leaflet-marker-icon")).to_be_visible()
    expect(phone.get_by_label("Vĩ độ")).to_have_value(COORDINATE)
    expect(phone.get_by_label("Kinh độ")).to_have_value(COORDINATE)


def test_a_citizen_sends_a_report_from_a_phone_and_follows_it_with_the_tracking_code(
    phone, tmp_path, media_files, offsite_requests, script_errors
):
    # Given a photo taken with the phone
    picture = tmp_path / "o-ga-le-loi.jpg"
    picture.write_bytes(jpeg_bytes(800, 600))

    # When the citizen opens the intake page
    phone.goto("/gui-phan-anh/")
    expect(phone.get_by_role("heading", name="Gửi phản ánh")).to_be_visible()

    # And describes the problem, picks a field and attaches the photo
    phone.get_by_label("Mô tả").fill("Ổ gà lớn trước số 12 đường Lê Lợi, xe máy đi qua rất dễ ngã.")
    phone.get_by_label("Lĩnh vực (không bắt buộc)").select_option(label="Hạ tầng đô thị")
    phone.get_by_label("Hình ảnh (tối đa").set_input_files(picture)
    expect(phone.locator("#photo-previews img")).to_have_count(1)

    # And taps the place on the map: a marker appears and the coordinates are filled in
    tap_the_map(phone)
    latitude = phone.get_by_label("Vĩ độ").input_value()
    longitude = phone.get_by_label("Kinh độ").input_value()

    # And leaves a phone number, agrees to the processing of personal data, and sends
    phone.get_by_label("Số điện thoại").fill("0912 345 678")
    phone.get_by_label("Tôi đồng ý cho xử lý dữ liệu cá nhân").check()
    phone.get_by_role("button", name="Gửi phản ánh", exact=True).tap()

    # Then the success page gives a tracking code
    expect(phone).to_have_url(re.compile(r"/gui-phan-anh/da-gui/PA-\d\d-[0-9A-Z]{6}/$"))
    expect(phone.get_by_role("heading", name="Cảm ơn bạn, phản ánh đã được gửi thành công")).to_be_visible()
    code = phone.locator("#tracking-code").inner_text().strip()
    assert re.fullmatch(r"PA-\d\d-[0-9A-Z]{6}", code)

    # When the citizen later goes to the home page and looks the code up
    phone.get_by_role("link", name="Phản ánh, kiến nghị").tap()
    expect(phone.get_by_role("heading", name="Tra cứu phản ánh")).to_be_visible()
    phone.get_by_label("Mã tra cứu").fill(code)
    phone.get_by_role("button", name="Tra cứu", exact=True).tap()

    # Then the tracking page shows the report: its code, "Mới gửi" and one photo
    expect(phone).to_have_url(re.compile(rf"/tra-cuu/{code}/$"))
    expect(phone.locator("p.code")).to_have_text(code)
    expect(phone.locator(".status")).to_have_text("Mới gửi")
    expect(phone.locator("dt:text-is('Hình ảnh') + dd")).to_have_text("1")
    expect(phone.locator("ol.timeline > li")).to_have_count(1)
    expect(phone.get_by_text("0912345678")).to_have_count(0)

    # And the report is stored with its photo and the place tapped on the map
    report = Report.objects.get(tracking_code=code)
    assert report.channel == "web"
    assert report.category.code == "ha-tang-do-thi"
    assert report.reporter_phone == "0912345678"
    assert report.attachments.filter(kind="photo").count() == 1
    assert len(media_files()) == 2  # the cleaned photo and its thumbnail
    assert report.location_source == "reporter"
    assert (report.latitude, report.longitude) == (Decimal(latitude), Decimal(longitude))
    assert in_vietnam(float(report.latitude), float(report.longitude))

    # And the page ran without a script error and fetched nothing from elsewhere but map tiles
    assert script_errors == []
    assert {url.split("/")[2] for url in offsite_requests} <= {TILE_HOST}


def test_sending_without_a_description_shows_the_error_next_to_it(phone, script_errors):
    # Given a form filled in except for the description
    phone.goto("/gui-phan-anh/")
    phone.get_by_label("Số điện thoại").fill("0912345678")
    phone.get_by_label("Tôi đồng ý cho xử lý dữ liệu cá nhân").check()

    # When the citizen sends it
    phone.get_by_role("button", name="Gửi phản ánh", exact=True).tap()

    # Then the form comes back with a Vietnamese message right under the description box
    error = phone.locator("#description-errors")
    expect(error).to_have_text("Trường này là bắt buộc.")
    error.scroll_into_view_if_needed()
    expect(error).to_be_in_viewport()
    box = phone.get_by_label("Mô tả").bounding_box()
    under = error.bounding_box()
    assert 0 <= under["y"] - (box["y"] + box["height"]) < 30
    expect(phone.get_by_role("alert")).to_contain_text("Trường này là bắt buộc.")
    # And only that field is flagged; what was typed is kept
    expect(phone.locator("ul.errors")).to_have_count(1)
    expect(phone.get_by_label("Số điện thoại")).to_have_value("0912345678")
    expect(phone.get_by_label("Tôi đồng ý cho xử lý dữ liệu cá nhân")).to_be_checked()
    assert Report.objects.count() == 0
    assert script_errors == []


def test_the_map_opens_on_the_province(phone):
    # When a citizen opens the intake page (in Vietnamese) and taps the middle of the map
    phone.goto("/gui-phan-anh/")
    tap_the_map(phone)

    # Then the place is the province's centre, where the map is meant to open
    centre_lat, centre_lon = settings.PHANANH_MAP_CENTER
    assert float(phone.get_by_label("Vĩ độ").input_value()) == pytest.approx(centre_lat, abs=0.01)
    assert float(phone.get_by_label("Kinh độ").input_value()) == pytest.approx(centre_lon, abs=0.01)
