"""A field's extra questions, validated the same way on the intake page, the API and Open311."""

# ruff: noqa: F811

from __future__ import annotations

import json

import pytest

from phananh.reports.models import Report
from tests.portal.test_pages import SUBMIT_URL, report_form, tracking_code_in

from .conftest import BASE
from .test_requests import SIDEWALK_REPORT

pytestmark = pytest.mark.django_db

API_REPORT = {
    "description": "Xe tải đỗ kín vỉa hè trước chợ Đông Kinh.",
    "category": "lan-chiem-via-he",
    "reporter_phone": "0912345678",
    "consent": True,
}


def test_the_intake_page_asks_the_fields_questions(client, sidewalk):
    page = client.get(SUBMIT_URL).content.decode()
    assert "Loại lấn chiếm" in page
    assert 'name="answers.lan-chiem-via-he.loai"' in page
    assert '<option value="xe" >Xe đỗ</option>' in page or 'value="xe"' in page
    assert 'src="/static/reports/questions.js"' in page


def test_the_page_tells_a_missing_answer_beside_its_question_and_keeps_the_others(client, sidewalk):
    form = report_form(category="lan-chiem-via-he", **{"answers.lan-chiem-via-he.chieu-dai": "7"})
    answer = client.post(SUBMIT_URL, form)

    assert answer.status_code == 422
    page = answer.content.decode()
    assert 'id="answers.lan-chiem-via-he.loai-errors"' in page
    assert "Câu hỏi này cần được trả lời." in page
    assert 'href="#answers.lan-chiem-via-he.loai"' in page  # in the message at the top
    assert 'name="answers.lan-chiem-via-he.chieu-dai" inputmode="decimal" value="7"' in page
    assert not Report.objects.exists()


def test_the_page_keeps_the_chosen_fields_answers_only(client, sidewalk):
    form = report_form(
        category="lan-chiem-via-he",
        **{
            "answers.lan-chiem-via-he.loai": "vat-lieu",
            "answers.lan-chiem-via-he.thoi-gian": ["sang", "chieu"],
            "answers.ha-tang-do-thi.loai": "khong-lien-quan",
        },
    )
    answer = client.post(SUBMIT_URL, form)
    assert answer.status_code == 302, answer.content.decode()[:2000]
    report = Report.objects.get(tracking_code=tracking_code_in(answer["Location"]))
    assert report.answers == {"loai": "vat-lieu", "thoi-gian": ["sang", "chieu"]}


def test_the_api_takes_answers_as_an_object_or_as_json_text(client, sidewalk):
    answer = client.post(
        "/api/v1/reports", {**API_REPORT, "answers": {"loai": "xe"}}, content_type="application/json"
    )
    assert answer.status_code == 201, answer.content
    assert Report.objects.get(tracking_code=answer.json()["tracking_code"]).answers == {"loai": "xe"}

    form = {**API_REPORT, "consent": "true", "answers": json.dumps({"loai": "hang-quan", "chieu-dai": "3"})}
    answer = client.post("/api/v1/reports", form)
    assert answer.status_code == 201, answer.content
    assert Report.objects.get(tracking_code=answer.json()["tracking_code"]).answers == {
        "loai": "hang-quan",
        "chieu-dai": 3,
    }


def test_the_api_lists_every_problem_of_the_answers(client, sidewalk):
    body = {**API_REPORT, "answers": {"chieu-dai": "dài", "thoi-gian": ["dem"], "khong-co": 1}}
    answer = client.post("/api/v1/reports", body, content_type="application/json")
    assert answer.status_code == 422
    problems = {(e["field"], e["code"]) for e in answer.json()["errors"]}
    assert problems == {
        ("answers.loai", "answer_required"),
        ("answers.chieu-dai", "invalid_answer"),
        ("answers.thoi-gian", "invalid_answer"),
        ("answers.khong-co", "unknown_question"),
    }
    assert (
        client.post(
            "/api/v1/reports", {**API_REPORT, "answers": [1]}, content_type="application/json"
        ).json()["errors"][0]["code"]
        == "invalid_answers"
    )
    assert not Report.objects.exists()


def test_the_fields_list_gives_the_questions(client, sidewalk):
    fields = {f["code"]: f for f in client.get("/api/v1/categories").json()}
    [kind, length, times] = fields["lan-chiem-via-he"]["questions"]
    assert (kind["code"], kind["kind"], kind["required"]) == ("loai", "single", True)
    assert {"key": "xe", "label": "Xe đỗ"} in kind["choices"]
    assert fields["ha-tang-do-thi"]["questions"] == []


def test_open311_checks_the_same_rules(client, partner, sidewalk):
    answer = client.post(f"{BASE}requests.json", {**SIDEWALK_REPORT, "attribute[thoi-gian][]": ["dem"]})
    assert answer.status_code == 400
    assert answer.json()[0]["description"].startswith("attribute[thoi-gian]:")
    assert not Report.objects.exists()


def test_a_retired_question_is_no_longer_asked(client, partner, sidewalk):
    sidewalk.questions.filter(code="loai").update(is_active=False)
    data = {k: v for k, v in SIDEWALK_REPORT.items() if k != "attribute[loai]"}
    assert client.post(f"{BASE}requests.json", data).status_code == 200
    assert "Loại lấn chiếm" not in client.get(SUBMIT_URL).content.decode()


def test_the_call_centre_asks_the_questions_and_staff_read_the_answers(sidewalk, people):
    from django.urls import reverse

    from tests.staff import signed_in

    agent = signed_in(None, people["minh"])
    form = {
        "reporter_phone": "0912345678",
        "description": "Vật liệu xây dựng đổ kín vỉa hè đường Lê Lợi.",
        "category": "lan-chiem-via-he",
        "kind": "field",
        "consent": "true",
        "public": "true",
    }
    refused = agent.post("/can-bo/tong-dai/phan-anh/", form)
    assert refused.status_code == 422
    assert 'id="answers.lan-chiem-via-he.loai-errors"' in refused.content.decode()
    assert not Report.objects.exists()

    agent.post("/can-bo/tong-dai/phan-anh/", {**form, "answers.lan-chiem-via-he.loai": "vat-lieu"})
    report = Report.objects.get()
    assert report.answers == {"loai": "vat-lieu"}
    page = signed_in(None, people["lan"]).get(reverse("backoffice:report", args=[report.tracking_code]))
    assert '<dt>Loại lấn chiếm</dt><dd class="answer">Vật liệu xây dựng</dd>' in page.content.decode()


def test_the_reporters_data_export_holds_the_answers(client, sidewalk):
    body = {**API_REPORT, "answers": {"loai": "xe", "chieu-dai": 4}}
    sent = client.post("/api/v1/reports", body, content_type="application/json").json()
    answer = client.post(
        f"/api/v1/reports/{sent['tracking_code']}/data",
        {"secret": sent["secret"], "format": "json"},
        content_type="application/json",
    )
    assert answer.status_code == 200, answer.content
    assert answer.json()["report"]["answers"] == [
        {"question": "Loại lấn chiếm", "answer": "Xe đỗ"},
        {"question": "Chiều dài lấn chiếm (m)", "answer": "4"},
    ]
