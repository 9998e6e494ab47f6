"""The publish form without JavaScript: highlights drawn by the server, a refusal that keeps what
was typed, and the check the form's script calls, which only the IOC may use.
"""

# The shared fixtures are imported by name, then asked for by name: not redefinitions.
# ruff: noqa: F811

from __future__ import annotations

import json
import re

import pytest

from phananh.reports.models import Report
from tests.portal.test_redacted_publication import hoa_report  # noqa: F401

from .conftest import action_url, page_text, report_url

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def publish_form(html: str) -> str:
    return html.split('id="form-publish"')[1].split("</form>")[0]


def test_the_form_shows_the_public_texts_with_their_highlights(login, people, hoa_report):
    form = publish_form(page_text(login(people["lan"]).get(report_url(hoa_report))))

    marks = re.findall(r'<mark class="pii" data-kind="([a-z_]+)"[^>]*>([^<]+)</mark>', form)
    assert marks == [
        ("name", "Nguyễn Thị Hoa"),
        ("phone", "0912 345 678"),
        ("email", "hoa.nguyen@gmail.com"),
        ("id_number", "001092012345"),
        ("plate", "29A-123.45"),
        ("name", "Lê Văn Tám"),
        ("phone", "0987 111 222"),
    ]
    assert "Còn tô màu: 7" in form
    assert 'name="redacted-description"' in form and 'name="redacted-result"' in form
    assert form.count('name="photo"') == 2
    assert 'name="confirm_personal_data"' in form


def test_a_refused_publication_keeps_what_was_typed_next_to_its_error(login, people, hoa_report):
    lan = login(people["lan"])
    typed = "Xe đỗ chắn cổng chợ, liên hệ 0912 345 678."

    response = lan.post(
        action_url(hoa_report, "publish"),
        {
            "public": "yes",
            "version": hoa_report.version,
            "redacted-description": typed,
            "redacted-result": "Đã lập biên bản, lái xe đã chuyển xe đi.",
        },
        headers=HTMX,
    )

    assert response.status_code == 422
    form = publish_form(page_text(response))
    assert f">{typed}</textarea>" in form
    assert "Vẫn giống thông tin cá nhân: “0912 345 678”" in form
    assert 'id="publish-confirm_personal_data-errors"' in form
    hoa_report.refresh_from_db()
    assert (hoa_report.is_public, hoa_report.public_description) == (None, "")

    # Confirmed, the same text is published as typed
    response = lan.post(
        action_url(hoa_report, "publish"),
        {
            "public": "yes",
            "version": hoa_report.version,
            "redacted-description": typed,
            "redacted-result": "Đã lập biên bản, lái xe đã chuyển xe đi.",
            "confirm_personal_data": "yes",
        },
        headers=HTMX,
    )
    assert response.status_code == 200
    published = Report.objects.get(pk=hoa_report.pk)
    assert (published.is_public, published.public_description) == (True, typed)


def check(client, report, texts) -> object:
    return client.post(
        f"/can-bo/phan-anh/{report.tracking_code}/cong-khai/kiem-tra/",
        json.dumps({"texts": texts}),
        content_type="application/json",
    )


def test_the_check_finds_what_is_left_for_the_ioc_only(login, people, hoa_report):
    answer = check(
        login(people["lan"]), hoa_report, {"description": "gọi anh Tuấn 0912345678", "title": "Ổ gà"}
    )

    assert answer.status_code == 200
    spans = answer.json()["spans"]
    assert [(s["kind"], s["text"]) for s in spans["description"]] == [
        ("name", "Tuấn"),
        ("phone", "0912345678"),
    ]
    assert spans["title"] == []
    # A unit's staff may see the report but not publish it; another unit does not see it at all
    assert check(login(people["hung"]), hoa_report, {"d": "0912345678"}).status_code == 403
    assert check(login(people["charlie"]), hoa_report, {"d": "0912345678"}).status_code == 404
    assert check(login(people["lan"]), hoa_report, ["not", "an", "object"]).status_code == 422
