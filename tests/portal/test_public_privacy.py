"""No personal data on the public side: a walk through every public page and public API answer.

The reporters have a known name, phone and email (in the reporter's fields only: descriptions of
published reports are published as written, the IOC redacts them before publishing). Some
reports are published, some not; the walk reads everything a stranger can read and looks for
those details, and for any place more precise than 0.001°.
"""

# ruff: noqa: F811

from __future__ import annotations

import html
import json
from decimal import Decimal

import pytest
from django.utils import timezone

from phananh.reports.models import Report
from phananh.workflow.services import transition
from tests.portal.test_public_support import (  # noqa: F401
    PERSONAL,
    at,
    handle,
    people,
    phong_ht,
    rate,
    road,
    send,
    so_xd,
    so_yt,
)

pytestmark = pytest.mark.django_db


def readable(response) -> str:
    """What a stranger reads in an answer: HTML unescaped, JSON with its \\u escapes decoded."""
    content = response.content.decode()
    if response["Content-Type"].startswith("application/json"):
        return json.dumps(json.loads(content), ensure_ascii=False)
    return html.unescape(content)


def precise_forms(value: Decimal) -> list[str]:
    """A coordinate written with 4, 5 or 6 decimals: more precise than what may be shown."""
    text = f"{value:.6f}"
    whole, decimals = text.split(".")
    return [f"{whole}.{decimals[:n]}" for n in (4, 5, 6)]


@pytest.fixture
def reports(people, so_xd, ward, road):
    """Published and unpublished reports from the same reporter, at exact places."""
    places = [("21.846912", "106.757648"), ("21.855749", "106.763251"), ("21.871234", "106.742345")]
    published = []
    for i, (lat, lon) in enumerate(places):
        report = send(
            f"Ổ gà lớn số {i} trên đường Bà Triệu",
            photos=1,
            title=f"Ổ gà số {i}",
            commune=ward.pk,
            address=f"Số {i + 10} Bà Triệu",
            **at(lat, lon),
        )
        published.append(handle(report, people, so_xd, documents=1))
    rate(published[0], "unsatisfied", comment="Bích Ngọc, 0987654321: chưa sửa xong")
    private = handle(
        send("Xin giữ kín", photos=1, **at("21.861111", "106.751111")), people, so_xd, publish=False
    )
    waiting = send("Mới gửi, chưa xử lý", photos=1, **at("21.862222", "106.752222"))
    rejected = send("Không thuộc phạm vi", **at("21.863333", "106.753333"))
    transition(report=rejected, actor=people["lan"], action="reject", data={"reason": "trung-lap"})
    anonymous = send("Gửi ẩn danh", anonymous=True, reporter_name="", reporter_phone="", reporter_email="")
    return {"published": published, "unpublished": [private, waiting, rejected, anonymous]}


def public_urls(reports, ward, road) -> list[str]:
    today = timezone.localdate()
    everyone = reports["published"] + reports["unpublished"]
    urls = [
        "/",
        "/phan-anh/",
        f"/phan-anh/?field={road.code}",
        f"/phan-anh/?commune={ward.pk}",
        "/phan-anh/?status=closed",
        f"/phan-anh/?from={today.replace(day=1).isoformat()}&to={today.isoformat()}",
        "/phan-anh/?q=ba+trieu",
        "/phan-anh/?bbox=106.757,21.847,106.758,21.847",
        "/ban-do/",
        "/thong-ke/",
        f"/thong-ke/?from={today.replace(month=1, day=1).isoformat()}",
        "/api/v1/public/reports",
        "/api/v1/public/reports?text=ba%20trieu",
        "/api/v1/public/reports?bbox=106,21,107,22",
        "/api/v1/categories",
        "/api/v1/units",
        "/api/v1/units?kind=local",
    ]
    for zoom in (6, 10, 13, 16, 19):
        urls.append(f"/ban-do/cum.json?bbox=106.5,21.7,107.0,22.0&zoom={zoom}")
    for report in everyone:
        urls += [
            f"/tra-cuu/{report.tracking_code}/",
            f"/api/v1/reports/{report.tracking_code}",
            f"/phan-anh/{report.tracking_code}/",
            f"/api/v1/public/reports/{report.tracking_code}",
        ]
    return urls


def test_no_public_page_or_answer_shows_personal_data_or_a_precise_place(client, reports, ward, road):
    everyone = reports["published"] + reports["unpublished"]
    exact = [
        form for r in everyone if r.latitude for v in (r.latitude, r.longitude) for form in precise_forms(v)
    ]
    # The reporters' details are really there, in the reporter's fields
    assert (
        Report.objects.filter(reporter_phone="0987654321", reporter_email="bichngoc.tran@example.vn").count()
        == 6
    )

    walked = 0
    for url in public_urls(reports, ward, road):
        response = client.get(url)
        assert response.status_code in (200, 404), (url, response.status_code)
        text = readable(response)
        for personal in PERSONAL:
            assert personal.lower() not in text.lower(), (url, personal)
        for form in exact:
            assert form not in text, (url, form)
        walked += 1
    assert walked == 22 + 4 * len(everyone)


def test_searching_for_the_reporter_finds_nothing(client, reports):
    # The search text holds the report's own words, never its reporter's details
    for query in ("Bích Ngọc", "tran thi", "0987654321", "bichngoc"):
        assert client.get("/api/v1/public/reports", {"text": query}).json()["count"] == 0
        assert client.get("/phan-anh/", {"q": query}).content.decode().count('class="report-card"') == 0


def test_the_published_reports_are_really_on_the_walk(client, reports):
    # The walk above would prove nothing if the pages it reads were empty.
    codes = [r.tracking_code for r in reports["published"]]
    listing = client.get("/phan-anh/").content.decode()
    api = client.get("/api/v1/public/reports").json()
    clusters = client.get("/ban-do/cum.json?bbox=106.5,21.7,107.0,22.0&zoom=16").json()

    assert all(code in listing for code in codes)
    assert {r["tracking_code"] for r in api["results"]} == set(codes)
    assert clusters["total"] == 3
    for report in reports["published"]:
        page = client.get(f"/phan-anh/{report.tracking_code}/").content.decode()
        assert f'data-lat="{Decimal(report.latitude).quantize(Decimal("0.001"))}"' in page
    for report in reports["unpublished"]:
        assert report.tracking_code not in listing
        assert client.get(f"/phan-anh/{report.tracking_code}/").status_code == 404
