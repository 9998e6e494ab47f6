"""In Chromium: Lan searches her console without accents, merges a storm's reports in bulk while
another operator has just handled one of them, and prints a report for a meeting file."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from phananh.reports.models import Report
from phananh.reports.statuses import Status
from phananh.workflow.services import transition
from tests.staff import second_step_in_browser

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

TREE = "Cây đổ chắn ngang đường Trần Đăng Ninh sau bão"
DESKTOP = {"width": 1440, "height": 900}
# Screenshots for looking at the pages, when asked for: PHANANH_SCREENSHOTS=/some/dir
SHOTS = os.environ.get("PHANANH_SCREENSHOTS")


def shoot(page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def sign_in(page, username: str) -> None:
    page.goto("/can-bo/dang-nhap/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill("x")
    page.locator("#sign-in").click()
    second_step_in_browser(page, username)
    expect(page.locator("#who")).to_be_visible()


@pytest.mark.parametrize("typed", ["tran dang ninh", "TRAN DANG NINH", "Trần Đăng Ninh"])
def test_lan_finds_the_street_however_she_types_it(phone, people, submit, script_errors, typed):
    # Given a report on Trần Đăng Ninh street and one elsewhere
    street = submit(TREE)
    other = submit("Đèn đường hỏng ở ngõ 5 Lê Lợi")
    sign_in(phone, "lan")

    # When she searches all reports in her own spelling
    phone.goto("/can-bo/?tab=all")
    phone.locator("#f-q").fill(typed)
    phone.locator("#filter-form button[type=submit]").tap()

    # Then she sees that report only, and the search stays in the address and the box
    expect(phone.locator("#report-list li.item")).to_have_count(1)
    expect(phone.locator(f'#report-list li[data-code="{street.tracking_code}"]')).to_be_visible()
    expect(phone.locator(f'#report-list li[data-code="{other.tracking_code}"]')).to_have_count(0)
    expect(phone).to_have_url(re.compile(r"[?&]q="))
    phone.reload()
    expect(phone.locator("#f-q")).to_have_value(typed)
    shoot(phone, f"search-phone-{typed.split()[0].lower()}")
    assert script_errors == []


def test_o_ga_finds_the_pothole(phone, people, submit):
    pothole = submit("Ổ gà sâu trước cổng trường Tiểu học")
    submit("Cây đổ chắn đường")
    sign_in(phone, "lan")

    phone.goto("/can-bo/?tab=all&q=o+ga")

    expect(phone.locator("#report-list li.item")).to_have_count(1)
    expect(phone.locator(f'#report-list li[data-code="{pothole.tracking_code}"] .excerpt')).to_contain_text(
        "Ổ gà sâu"
    )


def test_lan_merges_the_storm_and_is_told_of_the_one_handled_a_moment_before(
    browser, live_server, people, submit, road, script_errors
):
    # Given the first report of a fallen tree and three more of it, on Lan's wide screen
    original = submit(TREE)
    copies = [submit(f"{TREE}, xe không qua được ({n})") for n in range(3)]
    context = browser.new_context(base_url=live_server.url, viewport=DESKTOP, locale="vi-VN")
    page = context.new_page()
    page.on("pageerror", lambda exc: script_errors.append(str(exc)))
    page.route(re.compile(r"^https?://(?!(localhost|127\.0\.0\.1))"), lambda route: route.abort())
    sign_in(page, "lan")
    page.goto("/can-bo/?tab=new&sort=oldest")
    expect(page.locator("#reports-map")).to_be_visible()
    expect(page.locator("#bulk-count")).to_have_text(
        "Đánh dấu các phản ánh để gộp hoặc không tiếp nhận cùng lúc."
    )

    # When she ticks the three copies
    for copy in copies:
        page.get_by_label(f"Chọn {copy.tracking_code}").check()
    expect(page.locator("#bulk-count")).to_have_text("Đã chọn: 3")
    shoot(page, "bulk-desktop-ticked")
    # And meanwhile the last copy is accepted from another screen
    transition(report=copies[2], actor=people["lan"], action="accept", data={"category": road.code})
    # And she merges the ticked ones into the original
    page.locator("#bulk-into").fill(original.tracking_code)
    page.locator("#bulk-merge").click()

    # Then two are merged, and the third is named as left unchanged, with why
    expect(page.get_by_text(f"Đã gộp 2 phản ánh vào {original.tracking_code}.")).to_be_visible()
    refusal = page.locator(".flash.error", has_text=copies[2].tracking_code)
    expect(refusal).to_contain_text("chưa được xử lý")
    shoot(page, "bulk-desktop-done")
    assert [Report.objects.get(pk=c.pk).status for c in copies] == [
        Status.MERGED,
        Status.MERGED,
        Status.ACCEPTED,
    ]
    # And the merged ones left the "new" tab, the original stays
    expect(page.locator(f'#report-list li[data-code="{original.tracking_code}"]')).to_be_visible()
    expect(page.locator(f'#report-list li[data-code="{copies[0].tracking_code}"]')).to_have_count(0)
    context.close()
    assert script_errors == []


def test_the_console_on_a_phone_keeps_the_header_on_one_line(phone, people, submit):
    submit(TREE)
    sign_in(phone, "lan")

    phone.goto("/can-bo/")

    header = phone.locator("header.bo-top").bounding_box()
    assert header["height"] < 70
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    shoot(phone, "console-phone")


def test_the_report_prints_without_navigation_forms_or_buttons(phone, people, submit):
    report = submit(TREE)
    sign_in(phone, "lan")
    phone.goto(f"/can-bo/phan-anh/{report.tracking_code}/")

    phone.emulate_media(media="print")

    expect(phone.locator("#timeline")).to_be_visible()
    expect(phone.locator("#report-description")).to_be_visible()
    expect(phone.locator(".print-head")).to_contain_text(f"Phản ánh {report.tracking_code} — in lúc")
    for hidden in ("header.bo-top", "#actions", "#contact", ".back", "footer"):
        expect(phone.locator(hidden).first).to_be_hidden()
    shoot(phone, "report-print")
