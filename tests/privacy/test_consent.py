"""Sự đồng ý: a report keeps the version of the consent text its reporter was shown.

The intake page sends the version it showed; an app asks GET /api/v1/consent for the text to
show and sends its version back. A version nobody knows is refused; none is the current one.
"""

from __future__ import annotations

import pytest
from django.test import Client

from phananh.reports.consent import CURRENT_CONSENT_VERSION
from phananh.reports.models import Report
from tests.portal.test_pages import SUBMIT_URL, Page, report_form, tracking_code_in

pytestmark = pytest.mark.django_db

REPORT = {
    "description": "Cây đổ chắn ngang đường Trần Đăng Ninh",
    "reporter_phone": "0912345678",
    "consent": True,
}


def send(**values):
    return Client().post("/api/v1/reports", {**REPORT, **values}, content_type="application/json")


def test_the_current_text_is_recorded_when_the_app_names_none(ioc):
    response = send()

    assert response.status_code == 201
    assert Report.objects.get(tracking_code=response.json()["tracking_code"]).consent_version == "v2"
    assert CURRENT_CONSENT_VERSION == "v2"


def test_the_version_the_app_showed_is_kept(ioc):
    response = send(consent_version="v1")

    assert Report.objects.get(tracking_code=response.json()["tracking_code"]).consent_version == "v1"


def test_a_version_nobody_knows_is_refused_and_nothing_is_stored(ioc):
    response = send(consent_version="v9")

    assert response.status_code == 422
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [
        ("consent_version", "unknown_consent_version")
    ]
    assert not Report.objects.exists()


def test_an_app_reads_the_text_to_show_and_its_version():
    answer = Client().get("/api/v1/consent").json()
    english = Client().get("/api/v1/consent", HTTP_ACCEPT_LANGUAGE="en").json()

    assert answer["version"] == english["version"] == "v2"
    assert answer["text"].startswith("Tôi đồng ý cho xử lý dữ liệu cá nhân của tôi")
    assert "tải về" in answer["text"]
    assert english["text"].startswith("I agree to the processing of my personal data")
    assert [v["version"] for v in answer["versions"]] == ["v1", "v2"]


def test_the_intake_page_shows_the_current_text_and_sends_its_version(ioc):
    page = Page(Client().get(SUBMIT_URL))
    box = page.get("consent")
    assert "Bằng đường dẫn riêng" in box.parent.text
    [version] = [i for i in page.all("input") if i.attrs.get("name") == "consent_version"]
    assert (version.attrs["type"], version.attrs["value"]) == ("hidden", "v2")

    # A page opened before the text changed sends the version it showed
    response = Client().post(SUBMIT_URL, report_form(consent_version="v1"))
    assert response.status_code == 302
    assert Report.objects.get(tracking_code=tracking_code_in(response["Location"])).consent_version == "v1"
