"""Liên thông: regulation reports and their results go to the national petition system (a
stand-in Open311 server on loopback), through the outbox, and its updates come back as events."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from phananh.channels.models import PartnerAttempt, PartnerSync, PartnerUpdate, SyncState
from phananh.channels.partners import follow, outbox
from phananh.channels.tasks import sync_partners
from phananh.org.access import System
from phananh.privacy.erasure import personal_data_erase
from phananh.workflow.models import Event, EventKind
from tests.deploy.servers import free_port

from .open311_standin import API_KEY, SERVICE_CODE
from .partners import accepted, verified

pytestmark = pytest.mark.django_db


def the_partner():
    [partner_system] = outbox.partners()
    return partner_system


def later(hours: float):
    return timezone.now() + timedelta(hours=hours)


def partner_events(report, kind):
    return list(Event.objects.filter(report=report, kind=kind).order_by("id"))


def test_an_accepted_regulation_report_is_sent_once_without_personal_data(
    petition,
    regulation,
    people,
    so_xd,
    step,
):
    # Given a regulation report the IOC accepted
    accepted(regulation, people, so_xd, step)
    [row] = PartnerSync.objects.all()
    assert (row.what, row.state, row.report_id) == ("request", "pending", regulation.pk)

    # When the periodic run goes, twice
    sync_partners.call()
    sync_partners.call()

    # Then the partner holds one request: the text without the name, phone or email, the place
    # rounded, no contact field
    [(request_id, received)] = petition.requests.items()
    assert received["service_code"] == SERVICE_CODE
    assert "Thủ tục cấp giấy phép xây dựng nhà ở" in received["description"]
    assert regulation.tracking_code in received["description"]
    for personal in ("Nguyễn Văn An", "0912 345 678", "an@example.vn"):
        assert personal not in str(received)
    assert (received["lat"], received["long"]) == ("21.853000", "106.761000")
    assert not {"email", "first_name", "last_name", "phone"} & set(received)
    # And the row is delivered with the partner's id, its attempt logged, an internal event written
    row.refresh_from_db()
    assert (row.state, row.upstream_id, row.attempts, row.last_http_status) == (
        "delivered",
        request_id,
        1,
        201,
    )
    [attempt] = row.log.all()
    assert attempt.sent["description"] == received["description"]
    assert "api_key" not in attempt.sent
    assert (attempt.http_status, attempt.upstream_id, attempt.error) == (201, request_id, "")
    [sent] = partner_events(regulation, EventKind.PARTNER_SENT)
    assert sent.data == {"system": "petition", "what": "request", "upstream_id": request_id}
    assert sent.is_public is False


def test_a_field_report_and_a_report_not_yet_accepted_are_not_sent(
    petition, submit, regulation, people, so_xd, step
):
    field_report = submit("Ổ gà lớn trên đường Bà Triệu")
    step(field_report, people["lan"], "accept", category="ha-tang-do-thi", lead_unit=so_xd.pk)

    sync_partners.call()

    assert PartnerSync.objects.count() == 0
    assert petition.posted == []


def test_nothing_is_queued_while_the_adapter_is_off(settings, regulation, people, so_xd, step):
    settings.PHANANH_PETITION_URL = ""
    accepted(regulation, people, so_xd, step)
    sync_partners.call()
    assert PartnerSync.objects.count() == 0


@pytest.mark.parametrize("trouble", ["down", "500", "answer lost"])
def test_a_partner_in_trouble_loses_nothing_and_the_next_run_delivers_one_copy(
    settings,
    petition,
    regulation,
    people,
    so_xd,
    step,
    trouble,
):
    # Given a partner down, answering 500, or whose answer is lost after it created the request
    accepted(regulation, people, so_xd, step)
    if trouble == "down":
        settings.PHANANH_PETITION_URL = f"http://127.0.0.1:{free_port()}/open311/v2/"
    elif trouble == "500":
        petition.fail_next(1, 500)
    else:
        petition.lose_next(1)

    # When the run goes
    sync_partners.call()

    # Then the row is kept, failed, with the attempt logged and a later attempt planned
    row = PartnerSync.objects.get()
    assert (row.state, row.attempts, row.upstream_id) == ("failed", 1, "")
    assert timezone.now() + timedelta(seconds=29) < row.next_attempt_at < later(0.02)
    [attempt] = row.log.all()
    assert attempt.error
    assert attempt.http_status == (500 if trouble == "500" else None)
    assert partner_events(regulation, EventKind.PARTNER_SENT) == []
    # And a run before the wait is over sends nothing
    outbox.deliver_due(the_partner())
    assert PartnerSync.objects.get().attempts == 1

    # When the partner is back and the next attempt is due
    settings.PHANANH_PETITION_URL = petition.base
    outbox.deliver_due(the_partner(), now=later(1))

    # Then it is delivered, and the partner holds exactly one copy
    row.refresh_from_db()
    assert (row.state, row.attempts) == ("delivered", 2)
    assert list(petition.requests) == [row.upstream_id]
    assert len(partner_events(regulation, EventKind.PARTNER_SENT)) == 1
    assert row.log.count() == 2


def test_waits_grow_with_jitter_up_to_the_cap(settings):
    settings.PHANANH_PETITION_FIRST_BACKOFF_SECONDS = 60
    settings.PHANANH_PETITION_MAX_BACKOFF_SECONDS = 6 * 3600
    for attempts, full in ((1, 60), (2, 120), (5, 960), (20, 6 * 3600)):
        waits = {outbox.backoff(attempts).total_seconds() for _ in range(30)}
        assert all(full / 2 <= w <= full for w in waits), (attempts, waits)
        assert len(waits) > 1  # jitter: rows that failed together do not retry together


def test_a_row_is_given_up_after_the_last_attempt_and_a_refusal_at_once(
    settings,
    petition,
    regulation,
    people,
    so_xd,
    step,
):
    settings.PHANANH_PETITION_MAX_ATTEMPTS = 2
    accepted(regulation, people, so_xd, step)
    petition.fail_next(2, 503)
    outbox.deliver_due(the_partner())
    outbox.deliver_due(the_partner(), now=later(1))
    row = PartnerSync.objects.get()
    assert (row.state, row.attempts, row.next_attempt_at, row.last_http_status) == ("dead", 2, None, 503)

    # A dead row is not sent by later runs
    outbox.deliver_due(the_partner(), now=later(100))
    assert PartnerSync.objects.get().attempts == 2

    # A wrong API key is refused for good at the first attempt
    row.delete()
    settings.PHANANH_PETITION_API_KEY = "wrong"
    outbox.queue_missing("petition", timezone.now())
    outbox.deliver_due(the_partner())
    row = PartnerSync.objects.get()
    assert (row.state, row.attempts, row.last_error) == ("dead", 1, "HTTP 403: 403 Invalid api_key")

    # Resent once the key is fixed, it is delivered
    settings.PHANANH_PETITION_API_KEY = API_KEY
    assert outbox.sync_resend(sync=row) is True
    outbox.deliver_due(the_partner())
    row.refresh_from_db()
    assert (row.state, row.attempts) == ("delivered", 1)
    assert len(petition.requests) == 1
    # And a delivered row cannot be resent
    assert outbox.sync_resend(sync=row) is False
    assert PartnerSync.objects.get().state == "delivered"


def test_an_event_whose_task_was_lost_is_queued_by_the_periodic_scan(
    settings, petition, regulation, people, so_xd, step
):
    # Given the event task did not run (a worker killed between the commit and the task)
    settings.PHANANH_EVENT_TASKS = [t for t in settings.PHANANH_EVENT_TASKS if "channels" not in t]
    accepted(regulation, people, so_xd, step)
    assert PartnerSync.objects.count() == 0

    sync_partners.call()

    assert PartnerSync.objects.get().state == "delivered"
    assert len(petition.requests) == 1


def test_the_result_goes_up_after_the_report_and_the_partner_updates_come_back_once(
    petition,
    regulation,
    people,
    so_xd,
    step,
):
    # Given a report accepted and its result verified before the partner was reachable
    accepted(regulation, people, so_xd, step)
    petition.fail_next(1, 500)
    sync_partners.call()
    verified(regulation, people, step)
    result_row = PartnerSync.objects.get(what="result")

    # When the report is not delivered yet, its result waits without spending attempts
    outbox.deliver_due(the_partner())
    result_row.refresh_from_db()
    assert (result_row.state, result_row.attempts) == ("pending", 0)

    # Then, once the report is delivered, the result follows as a closing update without the phone
    outbox.deliver_due(the_partner(), now=later(1))
    request_row = PartnerSync.objects.get(what="request")
    result_row.refresh_from_db()
    assert (request_row.state, result_row.state) == ("delivered", "delivered")
    [update] = petition.updates
    assert update["service_request_id"] == request_row.upstream_id
    assert update["status"] == "closed"
    assert update["description"].startswith("Đã bỏ yêu cầu bản sao công chứng")
    assert "0912 345 678" not in update["description"]
    assert update["sender_update_id"] == result_row.idempotency_key

    # When the partner answers, then closes the request with its own result
    petition.add_update(request_row.upstream_id, "open", "Đã chuyển Bộ Xây dựng xem xét.")
    sync_partners.call()
    petition.add_update(request_row.upstream_id, "closed", "Bộ Xây dựng đã sửa Thông tư.")
    sync_partners.call()
    sync_partners.call()

    # Then each update of the partner is one internal event here (our own result is not one)
    updates = partner_events(regulation, EventKind.PARTNER_UPDATE)
    assert [(e.data["status"], e.data["description"]) for e in updates] == [
        ("open", "Đã chuyển Bộ Xây dựng xem xét."),
        ("closed", "Bộ Xây dựng đã sửa Thông tư."),
    ]
    assert updates[-1].data["closed"] is True
    assert all(e.is_public is False and e.actor is None for e in updates)
    request_row.refresh_from_db()
    assert request_row.upstream_status == "closed"
    assert PartnerUpdate.objects.count() == 2
    # And a closed request is no longer followed
    assert list(follow.followed("petition")) == []


def test_updates_are_not_read_while_the_partner_is_down(settings, petition, regulation, people, so_xd, step):
    accepted(regulation, people, so_xd, step)
    sync_partners.call()
    request_row = PartnerSync.objects.get()
    petition.add_update(request_row.upstream_id, "open", "Đang xem xét.")
    petition.fail_next(1, 502)

    assert follow.follow_all(the_partner()) == 0
    assert follow.follow_all(the_partner()) == 1
    assert len(partner_events(regulation, EventKind.PARTNER_UPDATE)) == 1


def test_a_partner_without_the_updates_extension_is_followed_by_its_status(
    petition, regulation, people, so_xd, step
):
    # Given a partner speaking plain GeoReport v2 (no servicerequestupdates)
    petition.has_updates = False
    accepted(regulation, people, so_xd, step)
    sync_partners.call()
    request_id = PartnerSync.objects.get().upstream_id

    # When it closes the request with status notes, and the runs go on
    sync_partners.call()
    petition.requests[request_id].update(status="closed", status_notes="Đã trả lời công dân.")
    sync_partners.call()
    sync_partners.call()

    # Then each status it took is one event here, the closing one with its notes
    updates = partner_events(regulation, EventKind.PARTNER_UPDATE)
    assert [(e.data["status"], e.data["description"]) for e in updates] == [
        ("open", ""),
        ("closed", "Đã trả lời công dân."),
    ]
    assert updates[-1].data["closed"] is True
    assert list(follow.followed("petition")) == []


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_runners_at_once_send_one_copy(petition, regulation, people, so_xd, step):
    accepted(regulation, people, so_xd, step)
    petition_client = the_partner()
    errors = []

    def run():
        try:
            outbox.deliver_due(petition_client)
            follow.follow_all(petition_client)
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    runners = [threading.Thread(target=run) for _ in range(4)]
    for runner in runners:
        runner.start()
    for runner in runners:
        runner.join()

    assert errors == []
    assert len(petition.requests) == 1
    assert PartnerSync.objects.get().state == SyncState.DELIVERED
    assert PartnerAttempt.objects.count() == 1
    assert len(partner_events(regulation, EventKind.PARTNER_SENT)) == 1


def test_erasing_the_reporters_data_takes_the_reports_words_out_of_the_sync_log(
    petition, regulation, people, so_xd, step
):
    # Given a regulation report sent to the partner, its words kept in the sync log
    accepted(regulation, people, so_xd, step)
    sync_partners.call()
    [attempt] = PartnerAttempt.objects.all()
    assert "Thủ tục cấp giấy phép xây dựng nhà ở" in attempt.sent["description"]

    # When the reporter's personal data is erased (at their request, or at the end of retention)
    assert personal_data_erase(report=regulation, reporter=System(), via="operations")

    # Then the log keeps what was sent but not the report's words; the partner's id stays
    attempt.refresh_from_db()
    assert "description" not in attempt.sent and "address_string" not in attempt.sent
    assert (attempt.sent["service_code"], attempt.sent["lat"]) == (SERVICE_CODE, "21.853000")
    assert attempt.upstream_id and PartnerSync.objects.get().state == "delivered"
