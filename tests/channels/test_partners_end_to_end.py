"""Liên thông, end to end: this PhanAnh sends a regulation report to a second PhanAnh started by
the test (its own database and port, its Open311 server), which handles it; the result there comes
back here as an event, our result goes there, and a peer that is down or answers 500 loses
nothing and gets no second copy, also when two runs race or a runner died mid-send."""

from __future__ import annotations

import json
import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from phananh.channels.models import PartnerSync
from phananh.channels.partners import outbox
from phananh.channels.tasks import sync_partners
from phananh.workflow.models import Event, EventKind
from tests.deploy.servers import free_port
from tests.staff import signed_in

from .partners import accepted, verified
from .peer import PEER_API_KEY, Peer

SERVICE = "quy-dinh-hanh-chinh"


@pytest.fixture(scope="module")
def peer(django_db_setup, tmp_path_factory):
    running = Peer(tmp_path_factory.mktemp("peer"))
    try:
        yield running.start()
    finally:
        running.stop()


def the_partner():
    [partner_system] = outbox.partners()
    return partner_system


def later(hours: float):
    return timezone.now() + timedelta(hours=hours)


def at_once(runs: int, job) -> None:
    """`runs` runners doing `job` at the same time, each on its own database connection."""
    errors = []

    def run():
        try:
            job()
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    runners = [threading.Thread(target=run) for _ in range(runs)]
    for runner in runners:
        runner.start()
    for runner in runners:
        runner.join()
    assert errors == []


def regulation_requests(peer: Peer) -> list[str]:
    return [item["service_request_id"] for item in peer.open311_requests() if item["service_code"] == SERVICE]


def partner_updates(report) -> list[Event]:
    return list(Event.objects.filter(report=report, kind=EventKind.PARTNER_UPDATE).order_by("id"))


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_regulation_report_reaches_the_peer_once_and_its_result_comes_back(
    peer, settings, partner, people, so_xd, submit, regulation, step
):
    settings.PHANANH_PETITION_API_KEY = PEER_API_KEY
    settings.PHANANH_PETITION_SERVICE_CODE = SERVICE
    settings.PHANANH_PETITION_TIMEOUT = 20

    # Given the peer is down (nothing listens) when the IOC here accepts the report
    settings.PHANANH_PETITION_URL = f"http://127.0.0.1:{free_port()}/open311/v2/"
    accepted(regulation, people, so_xd, step)
    sync_partners.call()
    row = PartnerSync.objects.get()
    assert (row.state, row.attempts, row.last_http_status) == ("failed", 1, None)
    assert row.log.get().error.startswith("no answer:")

    # And then answers 500 (a small server in its place)
    partner.fail_next(100, 500)
    settings.PHANANH_PETITION_URL = partner.base
    outbox.deliver_due(the_partner(), now=later(1))
    row.refresh_from_db()
    assert (row.state, row.attempts, row.last_http_status) == ("failed", 2, 500)
    assert partner.requests == {}

    # When the peer is up and two runs go at once
    settings.PHANANH_PETITION_URL = peer.open311
    at_once(2, lambda: outbox.deliver_due(the_partner(), now=later(2)))

    # Then the report is delivered, and the peer holds exactly one copy of it
    row.refresh_from_db()
    assert (row.state, row.attempts, row.log.count()) == ("delivered", 3, 3)
    request_id = row.upstream_id
    assert regulation_requests(peer) == [request_id]
    status, [there] = peer.open311_request(request_id)
    assert status == 200
    assert (there["status"], there["service_code"]) == ("open", SERVICE)
    # And the peer's IOC reads the text without the reporter's name, phone or email
    ioc = peer.token("dieuphoi")
    detail = peer.report(ioc, request_id)
    assert "Thủ tục cấp giấy phép xây dựng" in detail["description"]
    assert regulation.tracking_code in detail["description"]
    for personal in ("Nguyễn Văn An", "0912 345 678", "an@example.vn"):
        assert personal not in json.dumps(detail, ensure_ascii=False)

    # When a runner died after the peer took the report (its row left "sending" past the stale
    # time), the next run sends it again with the same Idempotency-Key
    PartnerSync.objects.filter(pk=row.pk).update(state="sending", claimed_at=later(-1))
    outbox.deliver_due(the_partner())

    # Then the peer answers the same id and still holds one copy
    row.refresh_from_db()
    assert (row.state, row.upstream_id, row.attempts) == ("delivered", request_id, 4)
    assert regulation_requests(peer) == [request_id]

    # When the peer's IOC accepts it, its unit handles it and its IOC verifies the result
    units, users = peer.ids["units"], peer.ids["users"]
    peer.act(ioc, request_id, "accept", category=SERVICE, lead_unit=units["so-xay-dung"])
    peer.act(peer.token("daumoi.xaydung"), request_id, "assign", handler=users["xuly.xaydung"])
    answer = "Sở Xây dựng đã bỏ yêu cầu bản sao công chứng sổ đỏ từ ngày 01/12."
    peer.act(peer.token("xuly.xaydung"), request_id, "submit_result", result=answer)
    peer.act(peer.token("lanhdao.xaydung"), request_id, "approve_result")
    peer.act(ioc, request_id, "verify")
    peer.act(ioc, request_id, "publish", confirm_personal_data=True)
    assert peer.open311_request(request_id)[1][0]["status"] == "closed"

    # Then the next runs here record each of its public steps once, as it tells them, the last
    # one closing it
    sync_partners.call()
    sync_partners.call()
    updates = partner_updates(regulation)
    told = peer.open311_updates(request_id)
    assert [(e.data["update_id"], e.data["description"]) for e in updates] == [
        (item["update_id"], item["description"]) for item in told
    ]
    assert len(updates) >= 4
    assert updates[-1].data["status"] == "closed" and updates[-1].data["closed"] is True
    # The result the peer's unit wrote, as the peer published it, is read here
    assert any(answer in e.data["description"] for e in updates)
    assert all(e.is_public is False for e in updates)
    row.refresh_from_db()
    assert row.upstream_status == "closed"

    # When the IOC here verifies its own result
    verified(regulation, people, step, result="Đã chuyển kiến nghị, Bộ Xây dựng đã sửa quy định.")
    sync_partners.call()

    # Then it goes to the peer as an update on its copy, once, and does not come back here
    result_row = PartnerSync.objects.get(what="result")
    assert result_row.state == "delivered"
    timeline = peer.report(ioc, request_id)["timeline"]
    ours = [step for step in timeline if step["kind"] == "partner_update"]
    assert len(ours) == 1
    sync_partners.call()
    assert len(partner_updates(regulation)) == len(updates)

    # When a second report is refused for good (a wrong key) and given up
    settings.PHANANH_PETITION_API_KEY = "not-the-peer-key"
    second = submit(
        "Quy định về giờ mở cửa bộ phận một cửa không phù hợp.", kind="regulation", address="Lạng Sơn"
    )
    accepted(second, people, so_xd, step)
    sync_partners.call()
    dead = PartnerSync.objects.get(report=second)
    assert (dead.state, dead.last_http_status) == ("dead", 403)

    # Then, once the key is fixed, the IOC's "Gửi lại" puts it back and the next run delivers it
    settings.PHANANH_PETITION_API_KEY = PEER_API_KEY
    page = signed_in(Client(), people["lan"]).post(f"/can-bo/lien-thong/{dead.pk}/gui-lai/", follow=True)
    assert "Đã đưa vào hàng đợi" in page.content.decode()
    sync_partners.call()
    dead.refresh_from_db()
    assert dead.state == "delivered"
    assert sorted(regulation_requests(peer)) == sorted([request_id, dead.upstream_id])
