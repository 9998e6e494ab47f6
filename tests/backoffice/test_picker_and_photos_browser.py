"""Choosing units and looking at photos, in Debian's Chromium against the live server.

lan, at the IOC, accepts a road report from Phường Lương Văn Tri: the unit that usually handles
roads there is suggested and preselected, she finds units by typing without accents, and ticks
a cooperating unit in a checklist. Then, verifying a result, she compares the photos before and
after side by side and looks through them in the lightbox.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from phananh.reports.files import Upload
from phananh.reports.intake import validate_submission
from phananh.workflow.models import Dispatch, DispatchRole, RoutingRule
from phananh.workflow.services import transition
from phananh.workflow.submission import report_submit
from tests.conftest import jpeg_bytes
from tests.staff import second_step_in_browser

from .test_browser import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


def shoot(page, name: str) -> None:
    """Keep a picture of what the person saw, to look at by eye."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=False)


def sign_in_desktop(page, username: str) -> None:
    page.goto("/can-bo/dang-nhap/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill("x")
    page.locator("#sign-in").click()
    second_step_in_browser(page, username)
    expect(page).to_have_url(re.compile(r"/can-bo/$"))


def road_report(ward, road, *, photos=0):
    raw = {
        "description": "Ổ gà lớn trên đường Bà Triệu, xe máy đi qua rất nguy hiểm.",
        "consent": True,
        "reporter_phone": "0912345678",
        "category": road.code,
        "commune": ward.pk,
    }
    uploads = [Upload(f"o-ga-{n}.jpg", jpeg_bytes(640 + n * 40, 480)) for n in range(photos)]
    return report_submit(submission=validate_submission(raw, channel="web"), photos=uploads).report


def test_lan_takes_the_suggested_unit_finds_others_without_accents_and_ticks_a_cooperating_one(
    phone, people, so_xd, so_yt, ward, road, script_errors
):
    # Given roads in Phường Lương Văn Tri usually go to Sở Xây dựng
    RoutingRule.objects.create(category=road, commune=ward, unit=so_xd)
    report = road_report(ward, road)

    # When lan opens the accept form
    sign_in(phone, "lan")
    phone.goto(f"/can-bo/phan-anh/{report.tracking_code}/")
    phone.locator("#action-accept summary").tap()

    # Then Sở Xây dựng is suggested and already chosen
    expect(phone.locator("#accept-lead_unit-suggestion")).to_have_text("Đề xuất: Sở Xây dựng")
    expect(phone.locator("#accept-lead_unit option:checked")).to_have_text("Sở Xây dựng")

    # When she types "y te" in the filter box, only Sở Y tế is offered, and chosen
    phone.locator("#accept-lead_unit-filter").fill("y te")
    expect(phone.locator("#accept-lead_unit optgroup option")).to_have_text(["Sở Y tế"])
    expect(phone.locator("#accept-lead_unit option:checked")).to_have_text("Sở Y tế")
    # And "xay dung", without accents, finds Sở Xây dựng again
    phone.locator("#accept-lead_unit-filter").fill("xay dung")
    expect(phone.locator("#accept-lead_unit optgroup option")).to_have_text(["Sở Xây dựng"])
    expect(phone.locator("#accept-lead_unit option:checked")).to_have_text("Sở Xây dựng")
    shoot(phone, "picker-phone")

    # When she finds Sở Y tế in the cooperating checklist and ticks it
    checklist = phone.locator("#accept-cooperating_units")
    phone.locator("#accept-cooperating_units-filter").fill("y te")
    expect(checklist.locator("label:visible")).to_have_text(["Sở Y tế"])
    checklist.get_by_label("Sở Y tế").check()
    expect(phone.locator("#accept-cooperating_units-count")).to_have_text("Đã chọn: 1")
    phone.locator("#form-accept button[type=submit]").tap()

    # Then the report is dispatched to Sở Xây dựng, with Sở Y tế cooperating
    expect(phone.locator("#report-lead-unit")).to_have_text("Sở Xây dựng")
    expect(phone.locator("#report-head")).to_contain_text("Sở Y tế")
    cooperating = Dispatch.objects.get(report=report, role=DispatchRole.COOPERATING, active=True)
    assert cooperating.to_unit == so_yt
    assert script_errors == []


def test_without_javascript_the_picker_is_a_plain_grouped_select(
    browser, live_server, people, so_xd, ward, road
):
    report = road_report(ward, road)
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False, locale="vi-VN")
    page = context.new_page()
    sign_in_desktop(page, "lan")
    page.goto(f"/can-bo/phan-anh/{report.tracking_code}/")

    groups = page.locator("#accept-lead_unit optgroup")
    expect(groups).to_have_count(2)
    assert groups.evaluate_all("gs => gs.map(g => g.label)") == ["Sở, ban, ngành", "Xã, phường, đặc khu"]
    expect(page.locator("#accept-lead_unit-filter")).to_have_count(0)
    context.close()


def test_lan_compares_before_and_after_and_goes_through_the_photos(
    browser, live_server, people, so_xd, ward, road, script_errors
):
    # Given a report sent with two photos, whose result came back with one
    report = road_report(ward, road, photos=2)
    lan, hung, binh, tuan = (people[n] for n in ("lan", "hung", "binh", "tuan"))
    transition(report=report, actor=lan, action="accept", data={"category": road.code, "lead_unit": so_xd.pk})
    transition(report=report, actor=hung, action="assign", data={"handler": tuan.pk})
    after = [Upload("sau-khi-va.jpg", jpeg_bytes(800, 600))]
    transition(
        report=report, actor=tuan, action="submit_result", data={"result": "Đã vá ổ gà."}, photos=after
    )
    transition(report=report, actor=binh, action="approve_result", data={"approve": True})

    # When lan, on her desktop, opens the verification form
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1440, "height": 900}, locale="vi-VN"
    )
    page = context.new_page()
    page.on("pageerror", lambda exc: script_errors.append(str(exc)))
    sign_in_desktop(page, "lan")
    page.goto(f"/can-bo/phan-anh/{report.tracking_code}/")
    page.locator("#action-verify summary").click()

    # Then the photos before and after stand side by side
    before, after_box = page.locator("#photos-before"), page.locator("#photos-after")
    expect(before.locator("img")).to_have_count(2)
    expect(after_box.locator("img")).to_have_count(1)
    left, right = before.bounding_box(), after_box.bounding_box()
    assert right["x"] > left["x"] + left["width"] - 1 and abs(right["y"] - left["y"]) < 2
    shoot(page, "verify-before-after-desktop")

    # When she opens the first photo of the report
    page.locator("#photos a[data-lightbox]").first.click()
    viewer = page.locator(".pswp")
    expect(viewer).to_be_visible()
    expect(viewer.locator(".pswp__counter")).to_have_text("1 / 2")
    # (keys count once it has finished opening)
    expect(viewer).to_have_class(re.compile(r"pswp--ui-visible"))
    expect(viewer.locator(".pswp__img").first).to_be_visible()
    page.wait_for_timeout(600)  # the viewer fades in
    shoot(page, "lightbox-desktop")
    # Then the next button shows the next one, and the arrow key the first again
    page.get_by_role("button", name="Ảnh sau").click()
    expect(viewer.locator(".pswp__counter")).to_have_text("2 / 2")
    # A key pressed while the slide still moves is dropped by the viewer: let it settle.
    page.wait_for_timeout(600)
    page.keyboard.press("ArrowLeft")
    expect(viewer.locator(".pswp__counter")).to_have_text("1 / 2")
    # And Escape closes it
    page.keyboard.press("Escape")
    expect(page.locator(".pswp")).to_have_count(0)
    expect(page).to_have_url(re.compile(rf"/can-bo/phan-anh/{report.tracking_code}/$"))
    assert script_errors == []
    context.close()
