"""In Chromium: minh's phone rings, his page shows who calls and what they reported before, and
he takes their new report with the keyboard alone, in well under a minute."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect

from phananh.calls.models import Call
from phananh.reports.models import Channel, Report
from tests.staff import second_step_in_browser

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
DESKTOP = {"width": 1440, "height": 900}


def focused(page) -> str:
    """The id of the element the keyboard types into now."""
    return page.evaluate("document.activeElement && document.activeElement.id")


def test_a_ringing_call_shows_the_callers_history_and_the_keyboard_takes_the_report(
    phone, people, submit, pbx, agent, outcomes, settings, script_errors
):
    settings.PHANANH_CALLS_POLL_SECONDS = 1
    earlier = submit("Ổ gà lớn trên đường Bà Triệu")
    page = phone
    page.set_viewport_size(DESKTOP)

    # Given minh signed in: the call centre is his landing page
    page.goto("/can-bo/dang-nhap/")
    page.locator("#id_username").fill("minh")
    page.locator("#id_password").fill("x")
    page.locator("#sign-in").click()
    second_step_in_browser(page, "minh")
    expect(page).to_have_url(re.compile(r"/can-bo/tong-dai/$"))
    expect(page.locator("#no-live-call")).to_be_visible()

    # When the switchboard says his phone rings
    assert (
        pbx({"event": "ring", "call_id": "c-7", "caller": "0912345678", "extension": "101"}).status_code
        == 200
    )

    # Then, within seconds, the page shows the caller and their earlier report
    call = Call.objects.get(pbx_call_id="c-7")
    live = page.locator(f"#live-call-{call.pk}")
    expect(live).to_contain_text("Đang đổ chuông: 0912345678", timeout=5000)
    expect(live).to_contain_text(earlier.tracking_code)
    assert pbx({"event": "answer", "call_id": "c-7", "extension": "101"}).status_code == 200
    expect(live).to_contain_text("Đang nghe máy: 0912345678", timeout=5000)

    # And with the keyboard alone he looks the number up and types the report
    started = time.monotonic()
    assert focused(page) == "q"
    page.keyboard.type("0912 345 678")
    page.keyboard.press("Enter")
    expect(page.locator("#lookup .history-reports")).to_contain_text(earlier.tracking_code)
    page.wait_for_load_state("load")  # the page's shortcuts are ready
    page.keyboard.press("Alt+n")
    assert focused(page) == "f-phone"
    expect(page.locator("#f-phone")).to_have_value("0912345678")
    page.keyboard.press("Tab")
    page.keyboard.type("Hoàng Thị Hoa")
    page.keyboard.press("Tab")
    page.keyboard.type("Đèn đường tắt cả dãy phố Trần Đăng Ninh")
    page.keyboard.press("Tab")
    page.keyboard.type("Phố Trần Đăng Ninh")
    for _field in ("category", "kind", "title", "public"):
        page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert focused(page) == "f-consent"
    page.keyboard.press("Space")
    page.keyboard.press("Control+Enter")

    # Then the report is created on the hotline, in his name, and its code is shown to read out
    expect(page.locator("#created-code")).to_be_visible()
    assert time.monotonic() - started < 60
    report = Report.objects.get(description__startswith="Đèn đường")
    assert (report.channel, report.created_by, report.reporter_name) == (
        Channel.HOTLINE,
        people["minh"],
        "Hoàng Thị Hoa",
    )
    expect(page.locator("#created-code")).to_have_text(report.tracking_code)
    assert script_errors == []
