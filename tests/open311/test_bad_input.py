"""Bad input (issue 15, item 4): each a 400 in the specification's error shape, nothing half-saved."""

# ruff: noqa: F811

from __future__ import annotations

import pytest

from phananh.open311.models import Open311Request
from phananh.reports.models import IdempotencyRecord, Report
from phananh.workflow.models import Event

from .conftest import BASE, body
from .test_requests import SIDEWALK_REPORT

pytestmark = pytest.mark.django_db


def nothing_saved(media_files):
    assert not Report.objects.exists()
    assert not Event.objects.exists()
    assert not Open311Request.objects.exists()
    assert not IdempotencyRecord.objects.exists()
    assert media_files() == []


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"service_code": ""}, "service_code"),
        ({"service_code": "khong-co-linh-vuc-nay"}, "service_code"),
        ({"lat": "48.8566", "long": "2.3522"}, "lat"),  # Paris
        ({"lat": "", "long": ""}, "lat"),  # no place at all
        ({"description": "Vỉa hè bị lấn chiếm. " * 500}, "description"),  # 10,000 characters
        ({"attribute[loai]": ""}, "attribute[loai]"),  # required, absent
        ({"attribute[loai]": "khong-co"}, "attribute[loai]"),
        ({"attribute[chieu-dai]": "mười mét"}, "attribute[chieu-dai]"),
        ({"attribute[khong-hoi]": "x"}, "attribute[khong-hoi]"),
        ({"email": "khong-phai-email"}, "email"),
        ({"media_url": "file:///etc/passwd"}, "media_url"),
    ],
)
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_bad_request_is_400_naming_the_parameter_and_nothing_is_saved(
    client, partner, sidewalk, media_files, change, named, fmt
):
    answer = client.post(
        f"{BASE}requests.{fmt}", {**SIDEWALK_REPORT, **change}, headers={"Idempotency-Key": "k1"}
    )

    assert answer.status_code == 400
    if fmt == "json":
        errors = answer.json()
        assert all(set(e) == {"code", "description"} and e["code"] == 400 for e in errors)
        descriptions = [e["description"] for e in errors]
    else:
        root = body(answer)
        assert root.tag == "errors"
        descriptions = [e.findtext("description") for e in root.findall("error")]
    assert any(d.startswith(f"{named}:") for d in descriptions), descriptions
    nothing_saved(media_files)


def test_several_problems_are_all_told(client, partner, sidewalk, media_files):
    data = {**SIDEWALK_REPORT, "attribute[loai]": "", "attribute[chieu-dai]": "nhiều", "email": "sai"}
    answer = client.post(f"{BASE}requests.json", data)
    assert answer.status_code == 400
    named = {e["description"].split(":")[0] for e in answer.json()}
    assert named == {"attribute[loai]", "attribute[chieu-dai]", "email"}
    nothing_saved(media_files)


@pytest.mark.parametrize(
    "query",
    [
        {"start_date": "ngày mai"},
        {"end_date": "2026-13-45T00:00:00Z"},
        {"start_date": "2026-06-01T00:00:00Z", "end_date": "2026-05-01T00:00:00Z"},
        {"status": "pending"},
        {"service_code": "khong-co"},
        {"service_request_id": ",".join(f"PA-26-{i:06d}" for i in range(101))},
        {"service_request_id": "PA-26-AAAAAA," * 2000},
    ],
)
def test_a_bad_parameter_of_a_search_is_400(client, db, query):
    for fmt in ("json", "xml"):
        answer = client.get(f"{BASE}requests.{fmt}", query)
        assert answer.status_code == 400
    assert answer["Content-Type"] == "text/xml; charset=utf-8"
    assert body(answer).find("error/code").text == "400"
    updates = client.get(f"{BASE}servicerequestupdates.json", query)
    if "status" not in query and "service_code" not in query:  # parameters of requests only
        assert updates.status_code == 400


def test_the_format_and_the_method_are_checked(client, db):
    assert client.get(f"{BASE}services.html").status_code == 404
    answer = client.delete(f"{BASE}requests.json")
    assert answer.status_code == 405
    assert answer.json()[0]["code"] == 405
