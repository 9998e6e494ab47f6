"""The call-centre agent's page: lookups, a report taken on the phone, the call log.

Given: a citizen at 0912345678 reported a pothole on the portal and called once before; minh
(the agent) takes their call.
"""

from __future__ import annotations

import re

import pytest
from django.test import Client

from phananh.calls.models import Call, Direction
from phananh.calls.services import call_record
from phananh.reports.models import Channel, Report
from phananh.workflow.models import Event
from tests.staff import signed_in

pytestmark = pytest.mark.django_db
PAGE = "/can-bo/tong-dai/"
FORM = "/can-bo/tong-dai/phan-anh/"
LOG = "/can-bo/tong-dai/cuoc-goi/"


@pytest.fixture
def earlier(people, submit, outcomes):
    report = submit("Ổ gà lớn trên đường Bà Triệu", reporter_phone="0912 345 678")
    call = call_record(
        agent=people["minh"],
        direction=Direction.INBOUND,
        number="0912345678",
        outcome=outcomes["new"],
        note="Hỏi tiến độ",
        report=report,
    )
    other = submit("Rác thải ở chợ", reporter_phone="0987654321")
    return report, call, other


def text(response) -> str:
    return response.content.decode()


def test_the_agent_signs_in_to_the_call_centre(people, client):
    from tests.staff import sign_in_on_page

    response = sign_in_on_page(client, "minh")
    assert response.status_code == 302
    assert response["Location"] == PAGE


def test_a_number_finds_the_callers_reports_and_calls_at_once(agent, earlier):
    report, call, other = earlier
    page = text(agent.get(PAGE, {"q": "+84 912.345.678"}))
    assert report.tracking_code in page
    assert "Hỏi tiến độ" in page and "Tiếp nhận phản ánh mới" in page
    assert other.tracking_code not in page
    # The form is ready for this caller.
    assert 'name="reporter_phone" value="0912345678"' in page


def test_a_tracking_code_finds_its_report(agent, earlier):
    report, _call, _other = earlier
    page = text(agent.get(PAGE, {"q": report.tracking_code.lower()}))
    assert 'id="found-report"' in page and f"/can-bo/phan-anh/{report.tracking_code}/" in page
    page = text(agent.get(PAGE, {"q": "PA-26-999999"}))
    assert "Không có phản ánh nào mang mã PA-26-999999" in page


def test_a_lookup_that_is_neither_says_what_to_type(agent):
    page = text(agent.get(PAGE, {"q": "abc"}))
    assert 'id="q-errors"' in page and "số điện thoại" in page


def test_a_report_typed_by_the_agent_comes_from_the_hotline_and_names_them(agent, people, road):
    response = agent.post(
        FORM,
        {
            "reporter_phone": "0912345678",
            "reporter_name": "Hoàng Thị Hoa",
            "description": "Đèn đường tắt cả dãy phố Trần Đăng Ninh",
            "category": road.code,
            "kind": "field",
            "consent": "true",
            "public": "true",
        },
    )
    assert response.status_code == 200
    report = Report.objects.get()
    assert report.channel == Channel.HOTLINE
    assert report.created_by == people["minh"]
    assert report.reporter_phone == "0912345678" and report.category == road and report.wants_public
    page = text(response)
    assert re.search(rf'id="created-code"><a [^>]+>{report.tracking_code}</a>', page)
    assert 'id="created-secret">' in page
    # The first event of its timeline names the agent too.
    assert Event.objects.get(report=report).actor == people["minh"]


def test_a_report_taken_during_a_call_is_linked_to_it(agent, people):
    call = call_record(agent=people["minh"], direction=Direction.INBOUND, number="0912345678")
    agent.post(
        FORM,
        {
            "reporter_phone": "0912345678",
            "description": "Cây đổ chắn đường",
            "consent": "true",
            "call": call.pk,
        },
    )
    call.refresh_from_db()
    assert call.report == Report.objects.get()


def test_a_form_with_mistakes_says_so_and_saves_nothing(agent):
    response = agent.post(FORM, {"reporter_phone": "12345", "description": "", "kind": "field"})
    assert response.status_code == 422
    page = text(response)
    assert 'id="form-errors"' in page
    assert 'id="f-description-errors"' in page and 'id="f-consent-errors"' in page
    assert 'id="f-phone-errors"' in page
    assert Report.objects.count() == 0


def test_the_call_log_lists_calls_and_logs_one_typed_by_hand(agent, earlier, outcomes):
    report, call, _other = earlier
    page = text(agent.get(LOG))
    assert "Hỏi tiến độ" in page and report.tracking_code in page
    response = agent.post(
        LOG,
        {
            "direction": "outbound",
            "number": "0912 345 678",
            "duration_minutes": "2,5",
            "outcome": outcomes["verified"].pk,
            "note": "Người dân xác nhận",
            "report": report.tracking_code,
        },
    )
    assert response.status_code == 302
    logged = Call.objects.get(note="Người dân xác nhận")
    assert (logged.direction, logged.number, logged.duration_seconds) == ("outbound", "0912345678", 150)
    assert (logged.outcome, logged.report) == (outcomes["verified"], report)


def test_a_call_logged_with_mistakes_is_refused_whole(agent, outcomes):
    before = Call.objects.count()
    response = agent.post(
        LOG,
        {
            "direction": "sideways",
            "number": "12",
            "duration_minutes": "lâu",
            "outcome": outcomes["retired"].pk,
            "report": "PA-26-000000",
        },
    )
    assert response.status_code == 422
    page = text(response)
    for field in ("c-direction", "c-number", "c-duration", "c-outcome", "c-report"):
        assert f'id="{field}-errors"' in page
    assert Call.objects.count() == before


def test_a_verification_call_starts_from_the_report_page(agent, people, earlier, outcomes):
    report, _call, _other = earlier
    page = text(agent.get(f"/can-bo/phan-anh/{report.tracking_code}/"))
    assert 'id="verify-call"' in page
    response = agent.post(f"/can-bo/phan-anh/{report.tracking_code}/goi-xac-minh/")
    call = Call.objects.get(direction=Direction.OUTBOUND)
    assert response.status_code == 302 and response["Location"] == f"{LOG}{call.pk}/"
    assert (call.number, call.report, call.agent) == ("0912345678", report, people["minh"])
    page = text(agent.get(response["Location"]))
    assert 'href="tel:0912345678"' in page
    # Once over, the agent writes how it went.
    agent.post(
        response["Location"], {"duration_minutes": "1", "outcome": outcomes["verified"].pk, "note": "Đúng"}
    )
    call.refresh_from_db()
    assert (call.duration_seconds, call.outcome, call.note) == (60, outcomes["verified"], "Đúng")


def test_a_units_staff_cannot_open_the_call_centre(people, earlier):
    hung = signed_in(Client(), people["hung"])
    report = earlier[0]
    for url in (PAGE, LOG, f"{LOG}{earlier[1].pk}/"):
        assert hung.get(url, {"q": "0912345678"}).status_code == 403
    assert hung.post(f"/can-bo/phan-anh/{report.tracking_code}/goi-xac-minh/").status_code == 403
    assert hung.post(FORM, {"description": "x", "consent": "true"}).status_code == 403
    assert Report.objects.count() == 2 and Call.objects.count() == 1


def test_a_caller_who_wants_no_publication_is_heard(agent):
    agent.post(
        FORM, {"reporter_phone": "0912345678", "description": "Hàng xóm đổ rác ra ngõ", "consent": "true"}
    )
    assert Report.objects.get().wants_public is False


def test_after_a_mistake_the_form_keeps_what_was_typed_and_ticked(agent):
    response = agent.post(
        FORM, {"reporter_phone": "0912345678", "reporter_name": "Hoàng Thị Hoa", "consent": "true"}
    )
    page = text(response)
    assert 'value="Hoàng Thị Hoa"' in page
    assert re.search(r'id="f-consent" name="consent" value="true" checked', page)
    assert not re.search(r'id="f-public" name="public" value="true" checked', page)
