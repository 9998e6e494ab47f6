"""The GeoReport v2 client against the specification, spoken to a stand-in server on loopback."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from phananh.channels.partners.base import PartnerError, ReportOut, ResultOut
from phananh.channels.partners.open311 import Open311Partner
from tests.deploy.servers import free_port

from .open311_standin import API_KEY, SERVICE_CODE

REPORT = ReportOut(
    tracking_code="PA-26-ABCDEF",
    description="Thủ tục cấp phép xây dựng đòi quá nhiều giấy tờ.\n\n(PA-26-ABCDEF)",
    latitude=21.853,
    longitude=106.761,
    address="Phường Lương Văn Tri",
)


def client(base: str, *, api_key: str = API_KEY, service_code: str = SERVICE_CODE, **extra) -> Open311Partner:
    return Open311Partner(
        name="petition", base_url=base, api_key=api_key, service_code=service_code, timeout=5, **extra
    )


def test_a_report_is_posted_as_a_form_with_its_place_and_an_idempotency_key(partner):
    exchange = client(partner.base, jurisdiction="langson").send_report(REPORT, idempotency_key="k-1")

    [posted] = partner.posted
    assert posted["path"] == "/open311/v2/requests.json"
    assert posted["headers"]["Content-Type"] == "application/x-www-form-urlencoded"
    assert posted["headers"]["Idempotency-Key"] == "k-1"
    assert posted["form"] == {
        "api_key": API_KEY,
        "jurisdiction_id": "langson",
        "service_code": SERVICE_CODE,
        "description": REPORT.description,
        "lat": "21.853000",
        "long": "106.761000",
        "address_string": "Phường Lương Văn Tri",
    }
    # What the sync log keeps is the same form without the key
    assert exchange.sent == {k: v for k, v in posted["form"].items() if k != "api_key"}
    assert (exchange.http_status, exchange.upstream_id) == (201, "1000")
    assert '"service_request_id": "1000"' in exchange.answer


def test_a_resend_with_the_same_key_gets_the_same_id_and_makes_no_second_request(partner):
    first = client(partner.base).send_report(REPORT, idempotency_key="k-1")
    again = client(partner.base).send_report(REPORT, idempotency_key="k-1")
    other = client(partner.base).send_report(REPORT, idempotency_key="k-2")

    assert first.upstream_id == again.upstream_id != other.upstream_id
    assert len(partner.requests) == 2


@pytest.mark.parametrize(
    ("settings_", "message"),
    [
        ({"api_key": "wrong"}, "HTTP 403: 403 Invalid api_key"),
        ({"service_code": "unknown"}, "HTTP 400: 400 service_code not found"),
    ],
)
def test_an_open311_error_array_is_a_permanent_error_in_words(partner, settings_, message):
    with pytest.raises(PartnerError) as caught:
        client(partner.base, **settings_).send_report(REPORT, idempotency_key="k-1")

    assert str(caught.value) == message
    assert caught.value.permanent is True
    assert caught.value.exchange.http_status in (400, 403)
    assert "api_key" not in caught.value.exchange.sent
    assert partner.requests == {}


def test_a_report_without_any_place_is_refused_by_the_partner(partner):
    placeless = ReportOut(
        tracking_code="PA-26-ABCDEF", description="x", latitude=None, longitude=None, address=""
    )
    with pytest.raises(PartnerError, match="A location is required"):
        client(partner.base).send_report(placeless, idempotency_key="k-1")


def test_a_server_error_and_a_server_that_is_down_are_errors_worth_retrying(partner):
    partner.fail_next(1, 500)
    with pytest.raises(PartnerError) as failed:
        client(partner.base).send_report(REPORT, idempotency_key="k-1")
    assert (failed.value.permanent, failed.value.exchange.http_status) == (False, 500)
    assert str(failed.value) == "HTTP 500: 500 Internal error"

    with pytest.raises(PartnerError) as down:
        client(f"http://127.0.0.1:{free_port()}/open311/v2/").send_report(REPORT, idempotency_key="k-1")
    assert down.value.permanent is False
    assert down.value.exchange.http_status is None
    assert str(down.value).startswith("no answer:")
    assert partner.requests == {}


def test_a_wrong_endpoint_address_is_a_permanent_error(partner):
    with pytest.raises(PartnerError, match="HTTP 404: 404 Not found") as caught:
        client(partner.base.replace("/open311/v2/", "/nowhere/")).send_report(REPORT, idempotency_key="k")
    assert caught.value.permanent is True


def test_a_result_is_posted_as_a_closing_update_and_read_back(partner):
    partner_client = client(partner.base)
    request_id = partner_client.send_report(REPORT, idempotency_key="k-1").upstream_id
    at = datetime(2026, 5, 4, 9, 30, tzinfo=UTC)

    exchange = partner_client.send_result(
        request_id, ResultOut(update_id="ours-7", text="Đã sửa quy định.", at=at), idempotency_key="k-r"
    )

    posted = partner.posted[-1]
    assert posted["path"] == "/open311/v2/servicerequestupdates.json"
    assert posted["headers"]["Idempotency-Key"] == "k-r"
    assert posted["form"] == {
        "api_key": API_KEY,
        "service_request_id": request_id,
        "update_id": "ours-7",
        "status": "closed",
        "description": "Đã sửa quy định.",
        "updated_datetime": "2026-05-04T09:30:00+00:00",
    }
    assert exchange.upstream_id == "u1"
    partner.add_update(request_id, "open", "Đang xem xét lại.")
    updates = partner_client.updates_since(request_id, None)
    assert [(u.update_id, u.status, u.description) for u in updates] == [
        ("u1", "closed", "Đã sửa quy định."),
        ("u2", "open", "Đang xem xét lại."),
    ]
    assert partner_client.request_status(request_id) == ("open", "")


def test_only_http_addresses_are_spoken_to():
    with pytest.raises(ValueError, match="not an http"):
        client("file:///etc/passwd")
