"""Two-step verification in a phone's browser: Lan, new at the IOC, sets up her app at her first
sign-in, keeps her recovery codes, and signs in the next day with the app's code.

The page carries no inline script or style (the Content-Security-Policy forbids them): the QR
code is inline SVG markup drawn with attributes only.
"""

from __future__ import annotations

import os
import re
import time
from base64 import b32decode
from pathlib import Path

import pytest
from django_otp.oath import TOTP
from playwright.sync_api import expect

from phananh.org.models import Role, User

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

SHOTS = os.environ.get("PHANANH_SCREENSHOTS")


def shoot(page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def app_code(secret: str) -> str:
    """What an authenticator app shows now for the key typed in from the page."""
    totp = TOTP(b32decode(secret.replace(" ", "")))
    totp.time = time.time()
    return f"{totp.token():06d}"


def test_a_new_ioc_operator_sets_up_her_app_and_signs_in_with_it(phone, ioc, script_errors):
    User.objects.create_user(
        username="lan", password="x", full_name="Nguyễn Thị Lan", role=Role.OPERATOR, unit=ioc
    )

    # When Lan signs in for the first time, she is asked to set up an authenticator app
    phone.goto("/can-bo/")
    phone.locator("#id_username").fill("lan")
    phone.locator("#id_password").fill("x")
    phone.locator("#sign-in").tap()
    expect(phone).to_have_url(re.compile(r"/can-bo/dang-nhap/cai-dat-xac-thuc/$"))
    expect(phone.locator("#enrol-required")).to_be_visible()
    expect(phone.locator("#enrol-qr svg")).to_be_visible()
    box = phone.locator("#enrol-qr svg").bounding_box()
    assert box["width"] >= 150 and box["height"] >= 150  # big enough to scan
    shoot(phone, "enrol")
    secret = phone.locator("#enrol-secret").inner_text()

    # She types the code her app shows, and gets ten recovery codes to keep
    phone.locator("#id_code").fill(app_code(secret))
    phone.locator("#confirm-app").tap()
    expect(phone.locator("#recovery-codes li")).to_have_count(10)
    expect(phone.locator("#codes-once")).to_be_visible()
    shoot(phone, "recovery-codes")
    first_code = phone.locator("#recovery-codes li code").first.inner_text()

    # Then she continues to her console
    phone.locator("#codes-done").tap()
    expect(phone).to_have_url(re.compile(r"/can-bo/$"))
    expect(phone.locator("#who")).to_contain_text("Nguyễn Thị Lan")

    # The next time, after her password: a wrong code is refused; she left her phone at home,
    # so a recovery code
    phone.locator("#logout").tap()
    phone.locator("#id_username").fill("lan")
    phone.locator("#id_password").fill("x")
    phone.locator("#sign-in").tap()
    expect(phone).to_have_url(re.compile(r"/can-bo/dang-nhap/ma-xac-thuc/$"))
    shoot(phone, "second-step")
    phone.locator("#id_code").fill("111111")
    phone.locator("#verify").tap()
    expect(phone.locator("#code-error")).to_have_text(
        "Mã không đúng hoặc đã được dùng. Hãy nhập mã mới nhất."
    )
    phone.locator("#id_code").fill(first_code)
    phone.locator("#verify").tap()
    expect(phone).to_have_url(re.compile(r"/can-bo/$"))
    expect(phone.locator(".flash.warning")).to_contain_text("còn lại 9 mã")

    # And her security page counts the codes left
    phone.locator("#security-link").tap()
    expect(phone.locator("#codes-left")).to_have_text("Còn 9 mã dự phòng.")
    shoot(phone, "security")
    assert script_errors == []
