"""Redacting before publishing, in Debian's Chromium against the live server.

lan opens the publish form of Hoa's report: the text the public would read shows Hoa's name,
phone, email, identity number and the car's plate highlighted, and the result the driver's name
and phone. She replaces one with its suggestion, then all the others, blacks out the middle of
the photo with her finger, and publishes. The public page then holds none of it, and the photo's
public copy and thumbnail are black where she drew; staff still see the original.
"""

# The shared fixtures are imported by name, then asked for by name: not redefinitions.
# ruff: noqa: F811

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from django.test import Client
from playwright.sync_api import expect

from phananh.reports.models import Attachment
from phananh.workflow.models import EventKind
from tests.portal.test_redacted_publication import (  # noqa: F401
    SECRETS,
    body,
    hoa_report,
    is_black,
    is_red,
    pixel,
)

from .test_browser import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


def drag(page, locator, start: tuple[float, float], end: tuple[float, float]) -> None:
    """Drag across the element from one point to another, given as fractions of its size."""
    box = locator.bounding_box()
    page.mouse.move(box["x"] + start[0] * box["width"], box["y"] + start[1] * box["height"])
    page.mouse.down()
    page.mouse.move(box["x"] + end[0] * box["width"], box["y"] + end[1] * box["height"], steps=8)
    page.mouse.up()


def test_lan_redacts_the_texts_and_blacks_out_the_photo_before_publishing(
    phone, people, hoa_report, script_errors
):
    code = hoa_report.tracking_code
    before = Attachment.objects.get(report=hoa_report, event__kind=EventKind.SUBMITTED)

    # Given lan opens the publish form
    sign_in(phone, "lan")
    phone.goto(f"/can-bo/phan-anh/{code}/")
    phone.locator("#action-publish summary").tap()

    # Then the description and the result show what looks like personal data
    description = phone.locator("#publish-redacted-description-preview")
    expect(description.locator("mark.pii")).to_have_text(
        ["Nguyễn Thị Hoa", "0912 345 678", "hoa.nguyen@gmail.com", "001092012345", "29A-123.45"]
    )
    result = phone.locator("#publish-redacted-result-preview")
    expect(result.locator("mark.pii")).to_have_text(["Lê Văn Tám", "0987 111 222"])
    expect(phone.locator("#redaction-count")).to_have_text("Còn tô màu: 7")
    SHOTS.mkdir(parents=True, exist_ok=True)
    description.scroll_into_view_if_needed()
    phone.screenshot(path=str(SHOTS / "redaction-highlights.png"), full_page=False)

    # When she replaces the phone number with its suggestion
    description.get_by_role("button", name="Thay bằng [số điện thoại]").tap()
    textarea = phone.locator("#publish-redacted-description")
    expect(textarea).to_have_value(
        "Tôi là Nguyễn Thị Hoa, SĐT [số điện thoại], email hoa.nguyen@gmail.com, CCCD 001092012345. "
        "Xe ô tô biển 29A-123.45 đỗ chắn lối vào cổng chợ Đông Kinh suốt ngày."
    )
    expect(phone.locator("#redaction-count")).to_have_text("Còn tô màu: 6")

    # And types a word in the result: the highlights follow the text (the server checks it again)
    result_box = phone.locator("#publish-redacted-result")
    result_box.fill("Đã lập biên bản, anh Lê Văn Tám (lái xe, 0987 111 222) đã chuyển xe đi ngay.")
    expect(result.locator("mark.pii")).to_have_text(["Lê Văn Tám", "0987 111 222"])

    # And replaces every other highlight at once
    phone.locator("#redaction-replace-all").tap()
    expect(phone.locator("#redaction-count")).to_have_text("Còn tô màu: 0")
    expect(result_box).to_have_value(
        "Đã lập biên bản, anh [tên] (lái xe, [số điện thoại]) đã chuyển xe đi ngay."
    )

    # And draws a rectangle over the middle of the photo sent with the report, and a stray one
    # she removes again
    canvas = phone.locator(f"#photo-{before.pk}-canvas")
    canvas.scroll_into_view_if_needed()
    drag(phone, canvas.locator("img"), (0.25, 0.25), (0.75, 0.75))
    drag(phone, canvas.locator("img"), (0.02, 0.02), (0.12, 0.12))
    expect(canvas.locator(".blackout")).to_have_count(2)
    canvas.get_by_role("button", name="Bỏ ô che này 2").tap()
    expect(canvas.locator(".blackout")).to_have_count(1)
    phone.screenshot(path=str(SHOTS / "redaction-before-publishing.png"), full_page=False)

    # And publishes
    phone.locator("#form-publish button[type=submit]").tap()
    expect(phone.locator("#report-publication")).to_have_text("Đã công khai trên cổng thông tin")

    # Then the public page holds none of what was written, and says what was redacted
    anyone = Client()
    page = anyone.get(f"/phan-anh/{code}/").content.decode()
    for secret in SECRETS:
        assert secret.lower() not in page.lower(), secret
    assert "Tôi là [tên], SĐT [số điện thoại], email [email], CCCD [số giấy tờ]" in page
    assert "anh [tên] (lái xe, [số điện thoại]) đã chuyển xe đi ngay." in page
    # And the photo's public copy and thumbnail are black where she drew, whole elsewhere
    before.refresh_from_db()
    [rectangle] = before.redactions
    assert rectangle["x"] == pytest.approx(0.25, abs=0.03) and rectangle["width"] == pytest.approx(
        0.5, abs=0.03
    )
    for suffix in ("", "nho/"):
        data = body(anyone.get(f"/phan-anh/{code}/anh/{before.pk}/{suffix}"))
        assert is_black(pixel(data, 0.5, 0.5)) and is_black(pixel(data, 0.3, 0.3)), suffix
        assert is_red(pixel(data, 0.05, 0.05)) and is_red(pixel(data, 0.9, 0.9)), suffix
    # And the original is unchanged, for staff
    with before.file.open("rb") as original:
        assert hashlib.sha256(original.read()).hexdigest() == before.sha256
    assert script_errors == []
