"""The public API: published reports as data, for apps and other systems; no sign-in."""

# ruff: noqa: F811

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from phananh.reports.models import Attachment
from phananh.workflow.models import EventKind
from tests.portal.test_public_support import (  # noqa: F401
    at,
    handle,
    handled,
    people,
    phong_ht,
    publish_directly,
    road,
    send,
    so_xd,
    so_yt,
)

pytestmark = pytest.mark.django_db

LIST = "/api/v1/public/reports"


def get(client, url, **params):
    response = client.get(url, params)
    return response.status_code, response.json()


def test_the_list_gives_published_reports_with_rounded_places_and_a_photo(client, handled, road):
    plain = publish_directly(send("Cống thoát nước tắc", **at("21.853749", "106.761251")))
    send("Chưa công khai")

    status, body = get(client, LIST)

    assert status == 200
    assert (body["count"], body["page"], body["page_size"]) == (2, 1, 20)
    assert [r["tracking_code"] for r in body["results"]] == [plain.tracking_code, handled.tracking_code]
    item = body["results"][1]
    assert item["title"] == "Ngập nước đường Trần Đăng Ninh"
    assert item["excerpt"].startswith("Đường Trần Đăng Ninh ngập nước")
    assert item["field"] == {"code": road.code, "name": road.name}
    assert (item["status"], item["status_label"]) == ("closed", "Đã đóng")
    assert (item["latitude"], item["longitude"]) == (21.847, 106.758)
    after = Attachment.objects.get(report=handled, kind="photo", event__kind=EventKind.RESULT_SUBMITTED)
    assert item["thumbnail_url"] == f"http://testserver/phan-anh/{handled.tracking_code}/anh/{after.pk}/nho/"
    assert item["url"] == f"http://testserver/phan-anh/{handled.tracking_code}/"
    assert (body["results"][0]["latitude"], body["results"][0]["longitude"]) == (21.854, 106.761)
    assert body["results"][0]["thumbnail_url"] is None


def test_the_list_filters_by_box_field_status_and_text(client, road):
    now = timezone.now()
    city = publish_directly(send("Đường Lê Lợi ngập nước", category=road.code, **at("21.85", "106.76")))
    town = publish_directly(
        send("Rác thải ven đường", category="moi-truong", **at("21.60", "106.50")),
        status="resolved",
        when=now - timedelta(days=1),
    )

    def codes(**params):
        status, body = get(client, LIST, **params)
        assert status == 200, body
        return [r["tracking_code"] for r in body["results"]]

    assert codes(bbox="106.7,21.8,106.8,21.9") == [city.tracking_code]
    assert codes(field="moi-truong") == [town.tracking_code]
    assert codes(status="resolved") == [town.tracking_code]
    assert codes(text="ngap nuoc") == [city.tracking_code]
    assert set(codes(text="DUONG")) == {city.tracking_code, town.tracking_code}
    assert codes(text="rac duong") == [town.tracking_code]


def test_the_list_is_paged(client):
    for i in range(7):
        publish_directly(send(f"Ổ gà {i}"), when=timezone.now() - timedelta(minutes=i))

    _, first = get(client, LIST, page_size=5)
    _, second = get(client, LIST, page_size=5, page=2)
    _, beyond = get(client, LIST, page_size=5, page=3)

    assert (first["count"], len(first["results"]), len(second["results"]), beyond["results"]) == (7, 5, 2, [])


@pytest.mark.parametrize(
    ("params", "code", "field"),
    [
        ({"page_size": 101}, "invalid_input", "page_size"),
        ({"page_size": 0}, "invalid_input", "page_size"),
        ({"page": 0}, "invalid_input", "page"),
        ({"page": "x"}, "invalid_input", "page"),
        ({"bbox": "1,2,3"}, "invalid_bbox", "bbox"),
        ({"bbox": "107,21,106,22"}, "invalid_bbox", "bbox"),
        ({"bbox": "106, 21,107,22"}, "invalid_bbox", "bbox"),
        ({"commune": 0}, "invalid_input", "commune"),
        ({"field": "khong-co"}, "unknown_field", "field"),
        ({"status": "khong-co"}, "unknown_status", "status"),
        ({"text": "x" * 201}, "invalid_input", "text"),
    ],
)
def test_wrong_parameters_are_a_422_that_says_which(client, params, code, field):
    status, body = get(client, LIST, **params)

    assert status == 422
    assert body["code"] == code
    assert field in body["fields"]
    assert body["message"]


def test_an_empty_bbox_is_no_box_as_an_empty_form_field_is(client, handled):
    status, body = get(client, LIST, bbox="", status="", field="")

    assert status == 200
    assert [r["tracking_code"] for r in body["results"]] == [handled.tracking_code]


def test_a_published_report_in_detail(client, handled, so_xd):
    status, body = get(client, f"{LIST}/{handled.tracking_code}")

    assert status == 200
    assert body["tracking_code"] == handled.tracking_code
    assert body["description"].startswith("Đường Trần Đăng Ninh ngập nước")
    assert body["address"] == "Số 15 Trần Đăng Ninh"
    assert (body["latitude"], body["longitude"]) == (21.847, 106.758)
    assert body["handling_unit"] == so_xd.name
    assert body["on_time"] is True
    assert len(body["photos"]) == 2
    assert body["result"]["text"] == "Đã vá ổ gà, mặt đường đã phẳng."
    assert len(body["result"]["photos"]) == 1
    assert body["rating"]["value"] == "satisfied"
    assert [e["kind"] for e in body["timeline"]] == [
        "submitted",
        "accepted",
        "dispatched",
        "result_submitted",
        "verified",
        "published",
        "closed",
    ]
    assert all(e["note"] == "" for e in body["timeline"])
    for photo in body["photos"] + body["result"]["photos"]:
        assert client.get(photo["url"]).status_code == 200
        assert client.get(photo["thumbnail_url"]).status_code == 200


def test_a_code_typed_in_lower_case_finds_the_published_report(client, handled):
    status, body = get(client, f"{LIST}/{handled.tracking_code.lower()}")

    assert (status, body["tracking_code"]) == (200, handled.tracking_code)


def test_a_report_that_is_not_published_is_404_like_an_unknown_code(client, people, so_xd):
    private = handle(send("Riêng tư"), people, so_xd, publish=False)

    answers = [
        get(client, f"{LIST}/{code}") for code in (private.tracking_code, "PA-26-ZZZZZZ", "khong-phai-ma")
    ]

    assert [status for status, _ in answers] == [404, 404, 404]
    assert answers[0][1] == answers[1][1] == answers[2][1]
    assert answers[0][1]["code"] == "report_not_found"


def test_the_openapi_documents_the_public_endpoints(client):
    schema = client.get("/api/v1/openapi.json").json()

    for path in ("/api/v1/public/reports", "/api/v1/public/reports/{tracking_code}"):
        assert schema["paths"][path]["get"]["tags"] == ["public"]
    parameters = {p["name"] for p in schema["paths"]["/api/v1/public/reports"]["get"]["parameters"]}
    assert {"bbox", "field", "status", "text", "page", "page_size"} <= parameters
