"""A citizen on a phone signs in with the code the SMS gateway received, claims a report sent
earlier and finds it in "Phản ánh của tôi". Real pages in Debian's Chromium on the live server."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from playwright.sync_api import expect

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_a_citizen_signs_in_by_sms_and_sees_their_reports(phone, sms_gateway, people):
    # Given a report Trần Thị Hoa sent earlier without an account, and its secret
    sent = (
        Client()
        .post(
            "/api/v1/reports",
            {"description": "Cống bị tắc gần chợ Đông Kinh", "reporter_phone": "0912345678", "consent": True},
            content_type="application/json",
        )
        .json()
    )

    # When she opens "Phản ánh của tôi" from the menu, she is asked to sign in
    phone.goto("/")
    phone.get_by_role("link", name="Phản ánh của tôi").click()
    expect(phone.get_by_role("heading", name="Đăng nhập để theo dõi phản ánh của bạn")).to_be_visible()

    # And she asks for a code by SMS and types the one the gateway received
    phone.get_by_label("Số điện thoại").fill("0912 345 678")
    phone.get_by_role("button", name="Gửi mã cho tôi").click()
    expect(phone.get_by_role("heading", name="Nhập mã")).to_be_visible()
    code = re.search(r"\b(\d{6})\b", sms_gateway.requests[-1]["json"]["text"]).group(1)
    phone.get_by_label("Mã", exact=True).fill(code)
    phone.get_by_role("button", name="Đăng nhập").click()

    # Then her list is empty; she adds the earlier report with its secret
    expect(phone.get_by_role("heading", name="Phản ánh của tôi")).to_be_visible()
    expect(phone.locator("#no-reports")).to_be_visible()
    phone.get_by_label("Mã tra cứu").fill(sent["tracking_code"])
    phone.get_by_label("Mã bí mật").fill(sent["secret"])
    phone.get_by_role("button", name="Thêm vào tài khoản của tôi").click()

    # And it is listed with its status; its page shows what she sent, with no secret typed
    expect(phone.locator(".flash")).to_contain_text(sent["tracking_code"])
    item = phone.locator("#my-reports li")
    expect(item).to_have_count(1)
    item.get_by_role("link", name=sent["tracking_code"]).click()
    expect(phone.get_by_text("Cống bị tắc gần chợ Đông Kinh")).to_be_visible()
