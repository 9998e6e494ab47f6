"""Open311 GeoReport v2: services, requests, tokens, in JSON and XML, with keys."""

# ruff: noqa: F811

from __future__ import annotations

import pytest
from django.utils import timezone

from phananh.open311.keys import client_revoke
from phananh.open311.models import Open311Request
from phananh.reports.models import Report
from phananh.workflow.models import Event
from tests.portal.test_public_support import handle, send

from .conftest import BASE, KEY, OTHER_KEY, PERSONAL, body, texts

pytestmark = pytest.mark.django_db

SIDEWALK_REPORT = {
    "api_key": KEY,
    "service_code": "lan-chiem-via-he",
    "lat": "21.8537",
    "long": "106.7612",
    "description": "Quán nước bày bàn ghế kín vỉa hè trước số 8 Trần Đăng Ninh.",
    "attribute[loai]": "hang-quan",
    "attribute[chieu-dai]": "12,5",
    "attribute[thoi-gian][]": ["sang", "toi"],
    "email": "nguoigui@example.vn",
    "first_name": "Văn Nam",
    "last_name": "Nguyễn",
    "phone": "0912345678",
}


def test_services_list_every_active_field_in_both_formats(client, sidewalk):
    answer = client.get(f"{BASE}services.json")
    assert answer.status_code == 200
    assert answer["Content-Type"] == "application/json; charset=utf-8"
    services = {s["service_code"]: s for s in body(answer)}
    assert services["lan-chiem-via-he"]["service_name"] == "Lấn chiếm vỉa hè"
    assert services["lan-chiem-via-he"]["metadata"] is True
    assert services["ha-tang-do-thi"]["metadata"] is False
    assert set(services["ha-tang-do-thi"]) == {
        "service_code",
        "service_name",
        "description",
        "metadata",
        "type",
        "keywords",
        "group",
    }

    answer = client.get(f"{BASE}services.xml")
    assert answer["Content-Type"] == "text/xml; charset=utf-8"
    root = body(answer)
    assert root.tag == "services"
    codes = {texts(s)["service_code"]: texts(s) for s in root.findall("service")}
    assert codes["lan-chiem-via-he"]["metadata"] == "true"


def test_a_service_definition_lists_the_fields_questions(client, sidewalk):
    definition = body(client.get(f"{BASE}services/lan-chiem-via-he.json"))
    assert definition["service_code"] == "lan-chiem-via-he"
    kind, length, times = definition["attributes"]
    assert (kind["code"], kind["datatype"], kind["required"], kind["order"]) == (
        "loai",
        "singlevaluelist",
        True,
        1,
    )
    assert {"key": "xe", "name": "Xe đỗ"} in kind["values"]
    assert (length["datatype"], length["required"]) == ("number", False)
    assert times["datatype"] == "multivaluelist"

    root = body(client.get(f"{BASE}services/lan-chiem-via-he.xml"))
    assert root.tag == "service_definition"
    first = root.find("attributes/attribute")
    assert texts(first)["code"] == "loai"
    assert [v.findtext("name") for v in first.findall("values/value")] == [
        "Hàng quán",
        "Xe đỗ",
        "Vật liệu xây dựng",
    ]


def test_an_unknown_service_is_404_in_the_error_shape(client, db):
    answer = client.get(f"{BASE}services/khong-co.json")
    assert answer.status_code == 404
    assert body(answer) == [{"code": 404, "description": answer.json()[0]["description"]}]
    root = body(client.get(f"{BASE}services/khong-co.xml"))
    assert root.tag == "errors" and root.find("error/code").text == "404"


def test_discovery_names_the_endpoint_and_its_formats(client, db):
    discovery = body(client.get(f"{BASE}discovery.json"))
    endpoint = discovery["endpoints"][0]
    assert endpoint["url"].endswith("/open311/v2/")
    assert endpoint["formats"] == ["text/xml", "application/json"]
    root = body(client.get(f"{BASE}discovery.xml"))
    assert [f.text for f in root.findall("endpoints/endpoint/formats/format")] == [
        "text/xml",
        "application/json",
    ]


def test_a_partner_posts_a_request_through_the_intake_of_every_channel(client, partner, sidewalk):
    answer = client.post(f"{BASE}requests.json", SIDEWALK_REPORT)

    assert answer.status_code == 200, answer.content
    [created] = body(answer)
    report = Report.objects.get(tracking_code=created["service_request_id"])
    assert report.channel == "open311"
    assert report.category == sidewalk
    assert report.answers == {"loai": "hang-quan", "chieu-dai": 12.5, "thoi-gian": ["sang", "toi"]}
    assert report.reporter_name == "Nguyễn Văn Nam"  # family name first
    assert report.reporter_phone == "0912345678"
    assert str(report.latitude) == "21.853700"
    assert Open311Request.objects.get(report=report).client == partner
    assert report.events.get().kind == "submitted"


def test_the_answer_to_a_post_in_xml(client, partner, sidewalk):
    answer = client.post(f"{BASE}requests.xml", {**SIDEWALK_REPORT, "address_string": "8 Trần Đăng Ninh"})
    assert answer.status_code == 200
    root = body(answer)
    assert root.tag == "service_requests"
    code = root.find("request/service_request_id").text
    assert Report.objects.filter(tracking_code=code, address="8 Trần Đăng Ninh").exists()


def test_no_key_a_wrong_key_or_a_revoked_key_is_refused_and_nothing_is_saved(client, partner, sidewalk):
    without = {k: v for k, v in SIDEWALK_REPORT.items() if k != "api_key"}
    for data in (without, {**SIDEWALK_REPORT, "api_key": "doan-bua"}):
        answer = client.post(f"{BASE}requests.json", data)
        assert answer.status_code == 403
        assert answer.json()[0]["code"] == 403
    client_revoke(client=partner)
    answer = client.post(f"{BASE}requests.xml", SIDEWALK_REPORT)
    assert answer.status_code == 403
    assert body(answer).find("error/code").text == "403"
    assert not Report.objects.exists()
    # A revoked key reads no more than anyone either: it is refused.
    assert client.get(f"{BASE}requests.json", {"api_key": KEY}).status_code == 403


def test_a_resend_with_the_same_idempotency_key_answers_the_same_id(client, partner, sidewalk):
    first = client.post(f"{BASE}requests.json", SIDEWALK_REPORT, headers={"Idempotency-Key": "nop-1"})
    again = client.post(f"{BASE}requests.json", SIDEWALK_REPORT, headers={"Idempotency-Key": "nop-1"})
    assert first.status_code == again.status_code == 200
    assert first.json()[0]["service_request_id"] == again.json()[0]["service_request_id"]
    assert Report.objects.count() == 1

    other = client.post(
        f"{BASE}requests.json",
        {**SIDEWALK_REPORT, "description": "Khác hẳn."},
        headers={"Idempotency-Key": "nop-1"},
    )
    assert other.status_code == 409
    assert other.json()[0]["code"] == 409
    assert Report.objects.count() == 1


def test_only_published_reports_are_listed_with_their_public_copy(client, published, unpublished):
    answer = client.get(f"{BASE}requests.json")
    assert answer.status_code == 200
    [item] = body(answer)
    assert item["service_request_id"] == published.tracking_code
    assert item["description"] == "Ổ gà lớn trước số 20 Bà Triệu."
    assert item["address"] == "Đường Bà Triệu"
    assert (item["lat"], item["long"]) == (21.854, 106.761)
    assert (item["status"], item["status_notes"]) == ("closed", "Đã đóng")
    assert item["service_code"] == "ha-tang-do-thi"
    assert item["requested_datetime"].endswith("+07:00")
    assert item["expected_datetime"] is None

    root = body(client.get(f"{BASE}requests.xml"))
    assert [r.findtext("service_request_id") for r in root.findall("request")] == [published.tracking_code]


def test_no_answer_holds_personal_data(client, partner, published, unpublished):
    Open311Request.objects.create(report=unpublished, client=partner)
    answers = [
        client.get(f"{BASE}requests.json"),
        client.get(f"{BASE}requests.xml"),
        client.get(f"{BASE}requests.json", {"api_key": KEY}),
        client.get(f"{BASE}requests/{published.tracking_code}.xml"),
        client.get(f"{BASE}requests/{unpublished.tracking_code}.json", {"api_key": KEY}),
        client.get(f"{BASE}servicerequestupdates.json", {"api_key": KEY}),
    ]
    for answer in answers:
        assert answer.status_code == 200
        text = answer.content.decode()
        assert published.tracking_code in text or unpublished.tracking_code in text
        for personal in PERSONAL + ["Số 20 Bà Triệu", "nhà bà Ngọc"]:
            assert personal not in text


def test_a_partner_follows_the_status_of_what_it_sent_before_publication(
    client, partner, stranger, unpublished
):
    Open311Request.objects.create(report=unpublished, client=partner)
    url = f"{BASE}requests/{unpublished.tracking_code}.json"

    assert client.get(url).status_code == 404  # like an unknown id
    assert client.get(url, {"api_key": OTHER_KEY}).status_code == 404
    [item] = client.get(url, {"api_key": KEY}).json()
    assert (item["status"], item["status_notes"]) == ("open", "Mới gửi")
    assert item["description"] == item["address"] == ""
    assert item["lat"] is None and item["media_url"] == ""


def test_requests_by_id_and_tokens(client, published):
    code = published.tracking_code
    several = client.get(f"{BASE}requests.json", {"service_request_id": f"{code},PA-26-ZZZZZZ"}).json()
    assert [r["service_request_id"] for r in several] == [code]
    root = body(client.get(f"{BASE}requests/{code.lower()}.xml"))
    assert root.find("request/service_request_id").text == code
    assert client.get(f"{BASE}requests/PA-26-ZZZZZZ.json").status_code == 404
    [token] = client.get(f"{BASE}tokens/{code}.json").json()
    assert token == {"service_request_id": code, "token": code}
    assert client.get(f"{BASE}tokens/PA-26-ZZZZZZ.xml").status_code == 404


def test_filters_by_service_code_and_status(client, published, sidewalk):
    assert len(client.get(f"{BASE}requests.json", {"service_code": "ha-tang-do-thi"}).json()) == 1
    assert client.get(f"{BASE}requests.json", {"service_code": "lan-chiem-via-he"}).json() == []
    assert len(client.get(f"{BASE}requests.json", {"status": "closed"}).json()) == 1
    assert client.get(f"{BASE}requests.json", {"status": "open"}).json() == []


def test_the_90_day_window(client, published):
    Report.objects.filter(pk=published.pk).update(created_at=timezone.now() - timezone.timedelta(days=100))
    assert client.get(f"{BASE}requests.json").json() == []
    found = client.get(
        f"{BASE}requests.json", {"start_date": "2020-01-01T00:00:00Z", "end_date": "2020-03-01T00:00:00Z"}
    ).json()
    assert found == []
    start = (timezone.now() - timezone.timedelta(days=120)).isoformat()
    assert len(client.get(f"{BASE}requests.json", {"start_date": start}).json()) == 1
    too_long = client.get(
        f"{BASE}requests.json",
        {"start_date": "2026-01-01T00:00:00+07:00", "end_date": "2026-06-01T00:00:00+07:00"},
    )
    assert too_long.status_code == 400


def test_the_page_cap(client, published, settings):
    Report.objects.bulk_create(
        Report(
            tracking_code=f"PA-26-{i:06d}",
            description="x",
            consent_at=timezone.now(),
            channel="web",
            is_public=True,
            public_description=f"Phản ánh {i}",
        )
        for i in range(1001)
    )
    assert len(client.get(f"{BASE}requests.json").json()) == 1000


def test_jurisdiction_id_is_accepted_everywhere(client, partner, sidewalk, published, settings):
    settings.PHANANH_OPEN311_JURISDICTION = "langson.gov.vn"
    for path in ("services.json", "services/lan-chiem-via-he.json", "requests.json", "discovery.xml"):
        assert client.get(f"{BASE}{path}", {"jurisdiction_id": "langson.gov.vn"}).status_code == 200
        assert client.get(f"{BASE}{path}").status_code == 200
    answer = client.post(f"{BASE}requests.json", {**SIDEWALK_REPORT, "jurisdiction_id": "langson.gov.vn"})
    assert answer.status_code == 200
    assert client.get(f"{BASE}requests.json", {"jurisdiction_id": "hanoi.gov.vn"}).status_code == 404
    assert Event.objects.count() >= 1


def test_posts_are_limited_per_key(client, partner, stranger, sidewalk, settings):
    settings.PHANANH_OPEN311_POSTS_PER_MINUTE = 2
    for _ in range(2):
        assert client.post(f"{BASE}requests.json", SIDEWALK_REPORT).status_code == 200
    refused = client.post(f"{BASE}requests.xml", SIDEWALK_REPORT)
    assert refused.status_code == 429
    assert body(refused).find("error/code").text == "429"
    assert Report.objects.count() == 2
    # Another partner has its own count.
    assert client.post(f"{BASE}requests.json", {**SIDEWALK_REPORT, "api_key": OTHER_KEY}).status_code == 200


def test_media_url_is_the_published_photo_and_a_partners_link_is_never_fetched(
    client, partner, sidewalk, people, so_xd
):
    report = send("Ổ gà sâu trên đường Lê Lợi.", photos=1, category="ha-tang-do-thi")
    report = handle(report, people, so_xd)
    [item] = client.get(f"{BASE}requests/{report.tracking_code}.json").json()
    photo = report.attachments.filter(event__kind="submitted").get()
    assert item["media_url"].startswith("http://testserver/")
    assert item["media_url"].endswith(f"/{photo.pk}/")
    assert client.get(item["media_url"]).status_code == 200  # the published copy, served to anyone

    sent = client.post(f"{BASE}requests.json", {**SIDEWALK_REPORT, "media_url": "http://10.0.0.1/anh.jpg"})
    created = Report.objects.get(tracking_code=sent.json()[0]["service_request_id"])
    assert created.description.endswith("http://10.0.0.1/anh.jpg")  # kept as a link, not fetched
    assert not created.attachments.exists()
