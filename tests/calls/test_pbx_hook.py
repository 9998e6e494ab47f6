"""The switchboard's hook: signed events ring → answer → hang-up fill the call log, and the
agent's page shows the caller's history while the phone rings. Every refused event changes
nothing.

Given: a citizen at 0912345678 reported a pothole before; minh answers at extension 101.
"""

from __future__ import annotations

import json
import time

import pytest

from phananh.calls.models import Call
from phananh.calls.pbx import SIGNATURE_HEADER, TIMESTAMP_HEADER, signature

from .conftest import PBX_KEY

pytestmark = pytest.mark.django_db
LIVE = "/can-bo/tong-dai/dang-goi/"


def ring(call_id="c-1", caller="0912345678", extension="101"):
    return {"event": "ring", "call_id": call_id, "caller": caller, "extension": extension}


def calls_now() -> list[tuple]:
    return list(
        Call.objects.values_list("pbx_call_id", "answered_at", "ended_at", "duration_seconds", "agent")
    )


def test_ring_answer_hangup_fill_the_log_and_the_page_shows_the_history(pbx, agent, people, submit):
    earlier = submit("Ổ gà lớn trên đường Bà Triệu")
    assert "Hiện không có cuộc gọi nào" in agent.get(LIVE).content.decode()

    response = pbx(ring())
    assert response.status_code == 200, response.content
    assert response.json() == {
        "call_id": "c-1",
        "status": "ringing",
        "number": "0912345678",
        "duration_seconds": None,
    }
    live = agent.get(LIVE).content.decode()
    assert "Đang đổ chuông: 0912345678" in live and earlier.tracking_code in live

    assert pbx({"event": "answer", "call_id": "c-1", "extension": "101"}).json()["status"] == "answered"
    assert "Đang nghe máy: 0912345678" in agent.get(LIVE).content.decode()
    call = Call.objects.get(pbx_call_id="c-1")
    Call.objects.filter(pk=call.pk).update(answered_at=call.answered_at.replace(microsecond=0) - _seconds(42))

    answer = pbx({"event": "hangup", "call_id": "c-1"})
    assert answer.json()["status"] == "ended"
    call.refresh_from_db()
    assert (call.direction, call.number, call.agent) == ("inbound", "0912345678", people["minh"])
    assert 42 <= call.duration_seconds <= 44
    assert "Hiện không có cuộc gọi nào" in agent.get(LIVE).content.decode()
    # The call log has it.
    assert "0912345678" in agent.get("/can-bo/tong-dai/cuoc-goi/").content.decode()


def _seconds(n):
    from datetime import timedelta

    return timedelta(seconds=n)


def test_a_call_never_answered_lasts_nothing(pbx):
    pbx(ring(extension=""))
    assert pbx({"event": "hangup", "call_id": "c-1"}).json()["duration_seconds"] == 0


def test_a_call_ringing_at_another_extension_is_not_on_this_agents_page(pbx, agent, people):
    from phananh.calls.models import AgentExtension

    AgentExtension.objects.create(agent=people["lan"], number="102")
    pbx(ring(extension="102"))
    assert "0912345678" not in agent.get(LIVE).content.decode()


def _refused(response, status: int, code: str, before: list) -> None:
    assert response.status_code == status, response.content
    assert response.json()["code"] == code
    assert response.json()["message"]
    assert calls_now() == before


def test_unsigned_tampered_stale_and_replayed_events_are_refused(pbx, agent):
    pbx(ring())
    before = calls_now()
    answer = {"event": "answer", "call_id": "c-1", "extension": "101"}
    _refused(pbx(answer, headers={}), 401, "signature_missing", before)
    _refused(pbx(answer, key="khoa-doan-bua"), 401, "signature_invalid", before)
    # Signed for one body, sent with another.
    body = json.dumps(answer).encode()
    timestamp = str(int(time.time()))
    tampered = body.replace(b"101", b"999")
    headers = {TIMESTAMP_HEADER: timestamp, SIGNATURE_HEADER: signature(PBX_KEY, timestamp, body)}
    _refused(pbx(tampered, headers=headers), 401, "signature_invalid", before)
    headers = {TIMESTAMP_HEADER: "hôm qua", SIGNATURE_HEADER: signature(PBX_KEY, "hôm qua", body)}
    _refused(pbx(body, headers=headers), 401, "signature_invalid", before)
    _refused(pbx(answer, at=time.time() - 3600), 401, "event_stale", before)
    _refused(pbx(answer, at=time.time() + 3600), 401, "event_stale", before)
    # The same ring again, well signed and fresh: a replay.
    _refused(pbx(ring()), 409, "event_replayed", before)
    assert pbx(answer).status_code == 200
    before = calls_now()
    _refused(pbx(answer), 409, "event_replayed", before)
    assert pbx({"event": "hangup", "call_id": "c-1"}).status_code == 200
    before = calls_now()
    _refused(pbx({"event": "hangup", "call_id": "c-1"}), 409, "event_replayed", before)


def test_events_for_unknown_calls_and_bad_bodies_are_refused(pbx, agent):
    before = calls_now()
    _refused(pbx({"event": "answer", "call_id": "khong-co"}), 404, "call_not_found", before)
    _refused(pbx({"event": "hangup", "call_id": "khong-co"}), 404, "call_not_found", before)
    _refused(pbx(ring(caller="")), 422, "caller_required", before)
    _refused(pbx(ring(caller="không phải số")), 422, "invalid_caller", before)
    _refused(pbx(ring(extension="999")), 422, "unknown_extension", before)
    _refused(pbx({"event": "transfer", "call_id": "c-2"}), 422, "invalid_choice", before)
    _refused(pbx(b"{not json"), 400, "malformed_json", before)
    _refused(pbx(ring(call_id="x" * 101)), 422, "call_id_too_long", before)
    _refused(pbx({**ring(), "caller": "0" * 100_000}), 422, "caller_too_long", before)


def test_the_hook_is_off_until_a_key_is_set(pbx, settings):
    settings.PHANANH_PBX_SECRET = ""
    _refused(pbx(ring()), 403, "pbx_hook_disabled", [])
