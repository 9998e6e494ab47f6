"""A third-party Open311 client from PyPI (`georeport`) reads the server over HTTP, in JSON and
XML; the client has no POST, so a partner's post is made with `requests`, as such systems do."""

# ruff: noqa: F811

from __future__ import annotations

import pytest
import requests
from georeport import GeoReport

from phananh.reports.models import Report

from .conftest import KEY, publish_directly, send
from .test_requests import SIDEWALK_REPORT

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def seen(sidewalk):
    report = send(
        "Hàng quán lấn chiếm vỉa hè đường Lê Lợi, gọi 0987 654 321.",
        category="lan-chiem-via-he",
        answers={"loai": "hang-quan"},
        latitude="21.8537",
        longitude="106.7612",
    )
    return publish_directly(report, public_description="Hàng quán lấn chiếm vỉa hè đường Lê Lợi.")


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_georeport_reads_services_and_requests(live_server, seen, fmt):
    server = GeoReport(f"{live_server.url}/open311/v2/", jurisdiction="langson.gov.vn", output_format=fmt)

    services = server.get_service_list()
    assert "lan-chiem-via-he" in {s["service_code"] for s in services}
    definition = server.get_service_definition("lan-chiem-via-he")
    attributes = definition["attributes"]
    first = attributes[0] if fmt == "json" else attributes["attribute"][0]
    assert first["code"] == "loai"

    found = server.get_service_requests(service_code="lan-chiem-via-he", status="open,closed")
    found = found if isinstance(found, list) else [found]  # xmltodict: one element is no list
    assert [r["service_request_id"] for r in found] == [seen.tracking_code]
    one = server.get_service_request(seen.tracking_code)
    assert one["description"] == "Hàng quán lấn chiếm vỉa hè đường Lê Lợi."
    assert "0987" not in str(one)


def test_a_partner_posts_over_http_and_follows_its_request(live_server, partner, sidewalk):
    base = f"{live_server.url}/open311/v2/"
    answer = requests.post(
        f"{base}requests.json", data=SIDEWALK_REPORT, headers={"Idempotency-Key": "a-1"}, timeout=10
    )
    assert answer.status_code == 200, answer.text
    code = answer.json()[0]["service_request_id"]
    assert Report.objects.get(tracking_code=code).channel == "open311"

    status = requests.get(f"{base}requests/{code}.json", params={"api_key": KEY}, timeout=10).json()[0]
    assert (status["status"], status["status_notes"]) == ("open", "Mới gửi")
    refused = requests.post(f"{base}requests.xml", data={**SIDEWALK_REPORT, "api_key": "sai"}, timeout=10)
    assert refused.status_code == 403
    assert refused.headers["Content-Type"] == "text/xml; charset=utf-8"
