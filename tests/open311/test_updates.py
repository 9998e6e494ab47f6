"""The updates extension (FixMyStreet's servicerequestupdates): what happened to a report, and
what a partner says happened on its side."""

# ruff: noqa: F811

from __future__ import annotations

import pytest

from phananh.open311.models import Open311Request, Open311Update
from phananh.workflow.models import Event, EventKind
from phananh.workflow.services import transition

from .conftest import BASE, KEY, OTHER_KEY, body

pytestmark = pytest.mark.django_db

UPDATE = {
    "api_key": KEY,
    "update_id": "kn-778",
    "status": "IN_PROGRESS",
    "description": "Đã chuyển Bộ Xây dựng.",
    "updated_datetime": "2026-12-03T09:30:00+07:00",
}


def test_public_steps_are_listed_as_updates(client, published, people):
    events = list(Event.objects.filter(report=published, is_public=True))
    answer = client.get(f"{BASE}servicerequestupdates.json")
    assert answer.status_code == 200
    updates = answer.json()
    assert [u["update_id"] for u in updates] == [str(e.pk) for e in events]
    first = updates[0]
    assert first["service_request_id"] == published.tracking_code
    assert first["status"] == "OPEN"
    assert first["description"] == "Người dân gửi phản ánh"
    assert set(first) == {
        "update_id",
        "service_request_id",
        "status",
        "description",
        "updated_datetime",
        "media_url",
    }

    root = body(
        client.get(f"{BASE}servicerequestupdates.xml", {"service_request_id": published.tracking_code})
    )
    assert root.tag == "service_request_updates"
    assert [u.findtext("update_id") for u in root.findall("request_update")] == [str(e.pk) for e in events]


def test_internal_steps_and_unpublished_reports_stay_out(client, partner, stranger, unpublished, people):
    transition(report=unpublished, actor=people["lan"], action="accept", data={"category": "ha-tang-do-thi"})
    assert client.get(f"{BASE}servicerequestupdates.json").json() == []
    # The partner that sent it follows its public steps.
    Open311Request.objects.create(report=unpublished, client=partner)
    seen = client.get(f"{BASE}servicerequestupdates.json", {"api_key": KEY}).json()
    assert [u["description"] for u in seen] == ["Người dân gửi phản ánh", "Đã tiếp nhận, phân loại"]
    assert client.get(f"{BASE}servicerequestupdates.json", {"api_key": OTHER_KEY}).json() == []


def test_a_partner_posts_an_update_on_what_it_sent_once(client, partner, unpublished):
    Open311Request.objects.create(report=unpublished, client=partner)
    data = {**UPDATE, "service_request_id": unpublished.tracking_code}
    first = client.post(f"{BASE}servicerequestupdates.json", data)
    again = client.post(f"{BASE}servicerequestupdates.xml", data)

    assert first.status_code == again.status_code == 200
    [answer] = first.json()
    assert body(again).find("request_update/update_id").text == answer["update_id"]
    event = Event.objects.get(report=unpublished, kind=EventKind.PARTNER_UPDATE)
    assert str(event.pk) == answer["update_id"]
    assert not event.is_public
    assert event.data["update_id"] == "kn-778" and event.data["status"] == "IN_PROGRESS"
    assert event.data["description"] == "Đã chuyển Bộ Xây dựng."
    assert event.actor_label == f"open311:{partner.pk}"
    assert Open311Update.objects.count() == 1
    unpublished.refresh_from_db()
    assert unpublished.status == "submitted"  # an update changes nothing of the report


def test_an_update_on_a_report_another_key_sent_is_refused(client, partner, stranger, unpublished):
    Open311Request.objects.create(report=unpublished, client=partner)
    data = {**UPDATE, "api_key": OTHER_KEY, "service_request_id": unpublished.tracking_code}
    answer = client.post(f"{BASE}servicerequestupdates.json", data)
    assert answer.status_code == 404
    bad_key = client.post(f"{BASE}servicerequestupdates.json", {**data, "api_key": "sai"})
    assert bad_key.status_code == 403
    assert not Event.objects.filter(kind=EventKind.PARTNER_UPDATE).exists()


@pytest.mark.parametrize(
    "change",
    [{"status": "MAYBE"}, {"update_id": ""}, {"updated_datetime": "hôm qua"}, {"description": "x" * 4001}],
)
def test_a_bad_update_is_400_and_nothing_is_recorded(client, partner, unpublished, change):
    Open311Request.objects.create(report=unpublished, client=partner)
    answer = client.post(
        f"{BASE}servicerequestupdates.json",
        {**UPDATE, "service_request_id": unpublished.tracking_code, **change},
    )
    assert answer.status_code == 400
    assert answer.json()[0]["code"] == 400
    assert not Event.objects.filter(kind=EventKind.PARTNER_UPDATE).exists()
