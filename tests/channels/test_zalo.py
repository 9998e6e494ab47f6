"""Kênh Zalo: a report written in a chat with the OA, end to end.

Signed events go in through the webhook as Zalo would send them; the OA's answers, and the later
steps of the report, come out at a local stand-in for Zalo's API (tests/channels/zalo_standin.py),
through the delivery log. Hoa (user 8841234567) writes to the OA; Nam (user 7730000001) too.
"""

from __future__ import annotations

import itertools
import json
import time
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from freezegun import freeze_time

from phananh.channels.models import ZaloConversation, ZaloDraftPhoto, ZaloInbox
from phananh.channels.zalo import signature
from phananh.notify.models import Delivery, DeliveryStatus, ZaloToken
from phananh.reports.models import Report
from phananh.workflow.services import transition
from tests.conftest import jpeg_bytes

from .zalo_standin import APP_ID

pytestmark = pytest.mark.django_db

HOA, NAM = "8841234567", "7730000001"
WEBHOOK = "/zalo/webhook"
_ids = itertools.count(1)


@pytest.fixture
def post(client: Client, django_capture_on_commit_callbacks):
    """Post an event as Zalo does: the body signed unless told otherwise; what follows the commit
    (the task, the OA's answers) runs, as it would in a worker."""

    def post(payload: dict, *, signed: str | None = None, body: bytes | None = None):
        body = body if body is not None else json.dumps(payload, ensure_ascii=False).encode()
        mac = signed if signed is not None else signature(payload["app_id"], body, payload["timestamp"])
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(
                WEBHOOK, body, content_type="application/json", headers={"X-ZEvent-Signature": mac}
            )

    return post


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    def committed(do, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return do(*args, **kwargs)

    return committed


def event(name: str, user: str = HOA, message: dict | None = None, *, at: float | None = None) -> dict:
    payload = {"app_id": APP_ID, "event_name": name, "timestamp": str(int((at or time.time()) * 1000))}
    if name in ("follow", "unfollow"):
        payload["follower"] = {"id": user}
        payload["oa_id"] = "579745863508352884"
    else:
        payload["sender"] = {"id": user}
        payload["recipient"] = {"id": "579745863508352884"}
        payload["message"] = {"msg_id": f"msg{next(_ids):06d}", **(message or {})}
    return payload


def text(words: str, user: str = HOA, **kwargs) -> dict:
    return event("user_send_text", user, {"text": words}, **kwargs)


def image(*urls: str, user: str = HOA) -> dict:
    attachments = [{"type": "image", "payload": {"url": url, "thumbnail": url}} for url in urls]
    return event("user_send_image", user, {"text": "", "attachments": attachments})


def location(latitude: float, longitude: float, user: str = HOA) -> dict:
    place = {
        "type": "location",
        "payload": {"coordinates": {"latitude": str(latitude), "longitude": str(longitude)}},
    }
    return event("user_send_location", user, {"attachments": [place]})


def say(post, zalo, payload: dict) -> str:
    """Send an event and return the OA's answer to it (the last message its sender got)."""
    user = (payload.get("sender") or payload.get("follower"))["id"]
    before = len(zalo.texts_to(user))
    response = post(payload)
    assert response.status_code == 200, response.content
    answers = zalo.texts_to(user)[before:]
    assert answers, "the OA did not answer"
    return answers[-1]


def write_a_report(post, zalo, user: str = HOA) -> Report:
    say(post, zalo, text("Cột đèn đường trước số 12 Lê Lợi bị đổ, chắn nửa lòng đường", user))
    say(post, zalo, location(21.8537, 106.7615, user))
    say(post, zalo, text("đồng ý", user))
    answer = say(post, zalo, text("Gửi", user))
    report = Report.objects.filter(zalo_user_id=user).latest("pk")
    assert report.tracking_code in answer
    return report


# --- A report through the chat -------------------------------------------------------------------


def test_a_conversation_makes_a_report_and_its_later_steps_come_back_on_zalo(post, zalo, people, committed):
    assert "Chào mừng" in say(post, zalo, event("follow"))
    assert "ở đâu" in say(post, zalo, text("Cột đèn đường trước số 12 Lê Lợi bị đổ, chắn nửa lòng đường"))
    # Two photos in a row, then the place as a location message.
    first = zalo.serve("a.jpg", jpeg_bytes())
    assert "1" in say(post, zalo, image(first))
    assert "2" in say(post, zalo, image(zalo.serve("b.jpg", jpeg_bytes(80, 60))))
    consent = say(post, zalo, location(21.8537, 106.7615))
    assert "Nghị định 13/2023" in consent and "ĐỒNG Ý" in consent
    summary = say(post, zalo, text("Đồng ý"))
    assert "Cột đèn đường" in summary and "GỬI" in summary

    # The OA's access token ends in the middle of the conversation: renewed, the answer still goes.
    zalo.expire()
    answer = say(post, zalo, text("gửi"))

    report = Report.objects.get(zalo_user_id=HOA)
    assert report.tracking_code in answer
    assert (report.channel, report.contact_channel, report.consent_version) == ("zalo", "zalo", "v2")
    assert report.attachments.count() == 2
    assert (float(report.latitude), float(report.longitude)) == (21.8537, 106.7615)
    assert len(zalo.renewals) == 1 and zalo.refused
    token = ZaloToken.objects.get()
    assert (
        (token.access_token, token.refresh_token)
        == (zalo.access_token, zalo.refresh_token)
        == ("access-2", "refresh-2")
    )
    assert not ZaloDraftPhoto.objects.exists()

    # A later public step of the report goes to Hoa on Zalo, through the delivery log.
    before = len(zalo.texts_to(HOA))
    committed(
        transition, report=report, actor=people["lan"], action="reject", data={"reason": "ngoai-pham-vi"}
    )
    later = zalo.texts_to(HOA)[before:]
    assert later and report.tracking_code in later[-1]
    assert Delivery.objects.get(to_address=HOA, purpose="report_rejected").status == DeliveryStatus.SENT

    # Hoa asks where her report stands; Nam, who did not send it, learns nothing of it.
    report.refresh_from_db()
    status = say(post, zalo, text(f"tình trạng {report.tracking_code.lower()}"))
    assert status == f"Phản ánh {report.tracking_code}: {report.get_status_display()}."
    assert "Không có phản ánh nào" in say(post, zalo, text(f"Tình trạng {report.tracking_code}", NAM))


def test_the_steps_in_another_order_a_second_report_and_a_cancelled_one(post, zalo):
    first = write_a_report(post, zalo)
    # The place and a photo first, then the words: a new report, the first one named as still open.
    answer = say(post, zalo, location(21.85, 106.76))
    assert f"phản ánh {first.tracking_code} của bạn vẫn đang được xử lý" in answer
    assert "mô tả sự việc" in answer
    say(post, zalo, image(zalo.serve("c.jpg", jpeg_bytes())))
    assert "ĐỒNG Ý" in say(post, zalo, text("Rác thải đổ trộm bên bờ sông Kỳ Cùng"))
    assert "Chưa có sự đồng ý của bạn" in say(post, zalo, text("Không"))
    assert "Đã hủy" in say(post, zalo, text("HỦY"))
    assert Report.objects.filter(zalo_user_id=HOA).count() == 1
    assert not ZaloDraftPhoto.objects.exists()
    assert "không có phản ánh nào đang soạn" in say(post, zalo, text("huỷ"))


def test_a_draft_left_too_long_is_forgotten_and_the_user_told(post, zalo, settings):
    settings.PHANANH_ZALO_DRAFT_HOURS = 24
    say(post, zalo, text("Nắp cống bị mất trước chợ Đông Kinh"))
    with freeze_time(timezone.now() + timedelta(hours=25)):
        answer = say(post, zalo, text("Vỉa hè bị lấn chiếm ở phố Tam Thanh"))
    assert "bỏ dở quá 24 giờ nên đã bị xóa" in answer
    conversation = ZaloConversation.objects.get(user_id=HOA)
    assert conversation.description == "Vỉa hè bị lấn chiếm ở phố Tam Thanh"


def test_a_user_who_unfollows_gets_no_more_messages(post, zalo, people, committed):
    report = write_a_report(post, zalo)
    count = len(zalo.messages)
    assert post(event("unfollow")).status_code == 200
    committed(
        transition, report=report, actor=people["lan"], action="reject", data={"reason": "ngoai-pham-vi"}
    )
    assert len(zalo.messages) == count
    delivery = Delivery.objects.get(to_address=HOA, purpose="report_rejected")
    assert delivery.status == DeliveryStatus.DEAD and "no longer follows" in delivery.last_error


def test_the_webhook_answers_at_once_and_leaves_the_work_to_the_queue(client, zalo, settings):
    # The database queue, as in production without Redis: the task waits for a worker.
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    zalo.delay = 5.0  # Zalo's photo server is slow: the webhook does not wait for it
    payload = image(zalo.serve("slow.jpg", jpeg_bytes()))
    body = json.dumps(payload).encode()
    mac = signature(APP_ID, body, payload["timestamp"])

    started = time.monotonic()
    response = client.post(
        WEBHOOK, body, content_type="application/json", headers={"X-ZEvent-Signature": mac}
    )

    assert response.status_code == 200 and time.monotonic() - started < 2
    assert DBTaskResult.objects.filter(task_path="phananh.channels.tasks.handle_event").count() == 1
    assert not zalo.messages and not ZaloDraftPhoto.objects.exists()


# --- Bad input -----------------------------------------------------------------------------------


def test_unsigned_tampered_stale_and_replayed_events_are_refused(post, zalo):
    payload = text("Đèn tín hiệu giao thông hỏng ở ngã tư Phai Vệ")
    body = json.dumps(payload).encode()
    unsigned = post(payload, signed="")
    tampered = post(
        payload, signed=signature(APP_ID, body, payload["timestamp"]), body=body.replace(b"Ph", b"Xx")
    )
    stale = text("Đèn tín hiệu hỏng", at=time.time() - 3600)
    assert (unsigned.status_code, unsigned.json()["code"]) == (401, "invalid_signature")
    assert (tampered.status_code, tampered.json()["code"]) == (401, "invalid_signature")
    assert (post(stale).status_code, post(stale).json()["code"]) == (403, "stale_event")
    assert not ZaloInbox.objects.exists() and not zalo.messages

    assert post(payload).status_code == 200
    replayed = post(payload)
    assert (replayed.status_code, replayed.json()["code"]) == (409, "replayed_event")
    assert ZaloInbox.objects.count() == 1 and len(zalo.texts_to(HOA)) == 1


def test_what_cannot_be_used_is_answered_with_what_to_do(post, zalo):
    say(post, zalo, text("Cây đổ chắn đường Trần Đăng Ninh"))
    not_a_photo = zalo.serve("virus.jpg", b"MZ\x90\x00 this is not an image" * 50)
    assert "không phải là ảnh dùng được" in say(post, zalo, image(not_a_photo))
    assert "nằm ngoài Việt Nam" in say(post, zalo, location(48.8584, 2.2945))
    sticker = event(
        "user_send_sticker", message={"attachments": [{"type": "sticker", "payload": {"id": "abc"}}]}
    )
    assert "chỉ nhận tin nhắn chữ, ảnh và vị trí" in say(post, zalo, sticker)
    too_long = say(post, zalo, text("x" * 100_000))
    assert "Tin nhắn quá dài (100000 ký tự; tối đa 2000)" in too_long

    conversation = ZaloConversation.objects.get(user_id=HOA)
    assert conversation.description == "Cây đổ chắn đường Trần Đăng Ninh"
    assert conversation.latitude is None and not ZaloDraftPhoto.objects.exists()


def test_a_flood_from_one_user_is_slowed_down_and_others_are_still_answered(post, zalo, settings):
    settings.PHANANH_ZALO_EVENTS_PER_MINUTE = 5
    statuses = [post(text(f"Tin thứ {n}")).status_code for n in range(1, 9)]
    assert statuses == [200] * 5 + [429] * 3
    hoa = zalo.texts_to(HOA)
    assert len(hoa) == 6 and "gửi tin nhắn quá nhanh" in hoa[-1]
    assert "ở đâu" in say(post, zalo, text("Đường ngập nước ở Hoàng Văn Thụ", NAM))
