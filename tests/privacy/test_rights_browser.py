"""Hoa, on her phone, downloads her data and then has it erased, from her tracking page.

Real pages in Debian's Chromium against the live server.
"""

from __future__ import annotations

import json
import re
import zipfile

import pytest
from django.test import Client
from playwright.sync_api import expect

from phananh.reports.models import Report

from .conftest import HOA_EMAIL, HOA_NAME, HOA_PHONE, api_submit, photo

pytestmark = [
    pytest.mark.browser,
    # The live server runs in its own thread, so the tests need real commits; the rollback
    # brings the default fields back after each test's flush.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_hoa_downloads_her_data_then_erases_it_from_her_phone(ioc, phone, tmp_path, script_errors):
    # Given Hoa sent a report with a photo from her phone's app
    sent = api_submit(
        Client(),
        {
            "description": "Cống trước nhà số 5 ngõ 12 Bà Triệu bị tắc.",
            "reporter_name": HOA_NAME,
            "reporter_phone": HOA_PHONE,
            "reporter_email": HOA_EMAIL,
        },
        ip="203.0.113.77",
        photos=[photo("cong.jpg")],
    )
    code = sent["tracking_code"]

    # When she opens her private link
    phone.goto(f"/tra-cuu/{code}/?secret={sent['secret']}")
    expect(phone).to_have_url(re.compile(rf"/tra-cuu/{code}/$"))
    expect(phone.get_by_role("heading", name="Dữ liệu cá nhân của bạn")).to_be_visible()

    # And downloads her data
    with phone.expect_download() as download_info:
        phone.get_by_role("button", name="Tải dữ liệu của tôi").tap()
    download = download_info.value
    assert download.suggested_filename == f"{code}.zip"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)

    # Then the ZIP holds her report, her contact and her photo
    with zipfile.ZipFile(saved) as archive:
        document = json.loads(archive.read("du-lieu.json"))
        assert sorted(archive.namelist()) == ["doc-truoc.txt", "du-lieu.json", "tep/01-photo.jpg"]
    assert document["report"]["tracking_code"] == code
    assert document["reporter"]["name"] == HOA_NAME

    # When she asks for her data to be erased, the page says what goes and what stays
    phone.get_by_role("link", name="Rút lại sự đồng ý và xóa dữ liệu cá nhân của tôi").tap()
    expect(phone.get_by_role("heading", name="Những gì được xóa")).to_be_visible()
    expect(phone.get_by_role("heading", name="Những gì được giữ lại")).to_be_visible()

    # And sending without confirming keeps her on the page, her data untouched
    phone.get_by_role("button", name="Xóa dữ liệu của tôi").tap()
    expect(phone).to_have_url(re.compile(rf"/tra-cuu/{code}/xoa-du-lieu/$"))
    assert Report.objects.get(tracking_code=code).reporter_phone == HOA_PHONE

    # When she confirms
    phone.get_by_label("Tôi hiểu: rút lại sự đồng ý và xóa dữ liệu cá nhân của tôi.").check()
    phone.get_by_role("button", name="Xóa dữ liệu của tôi").tap()

    # Then she is back on her tracking page, which says it is done
    expect(phone).to_have_url(re.compile(rf"/tra-cuu/{code}/$"))
    expect(phone.get_by_role("alert")).to_contain_text("dữ liệu cá nhân của bạn đã được xóa")
    expect(phone.locator("#data-erased")).to_be_visible()
    expect(phone.get_by_role("link", name="Rút lại sự đồng ý và xóa dữ liệu cá nhân của tôi")).to_have_count(
        0
    )
    report = Report.objects.get(tracking_code=code)
    assert (report.reporter_name, report.reporter_phone, report.reporter_email) == ("", "", "")
    assert script_errors == []
