"""An unsatisfied reporter: the IOC sees the rating and keeps the report closed, or reopens it."""

import pytest

from phananh.org.access import Reporter
from phananh.workflow.models import Event, EventKind
from phananh.workflow.services import transition

pytestmark = pytest.mark.django_db


@pytest.fixture
def unsatisfied(people, so_xd, submit, act, road):
    """A report handled to the end, that its reporter rated "not satisfied"."""
    report = submit()
    lan = people["lan"]
    act(report, lan, "accept", category=road.code, lead_unit=so_xd.pk)
    act(report, people["hung"], "assign", handler=people["tuan"].pk)
    act(report, people["tuan"], "submit_result", result="Đã vá ổ gà.")
    act(report, people["binh"], "approve_result")
    act(report, lan, "verify")
    act(report, lan, "close")
    report.refresh_from_db()
    transition(
        report=report,
        actor=Reporter(report.pk),
        action="rate",
        data={"value": "unsatisfied", "comment": "Vá xong lại vỡ."},
    )
    report.refresh_from_db()
    return report


def test_the_operator_sees_the_rating_and_keeps_the_report_closed(login, people, unsatisfied):
    lan = login(people["lan"])
    page = lan.get(f"/can-bo/phan-anh/{unsatisfied.tracking_code}/").content.decode()
    assert 'data-value="unsatisfied"' in page
    assert "Vá xong lại vỡ." in page
    assert 'id="form-dismiss_review"' in page

    response = lan.post(
        f"/can-bo/phan-anh/{unsatisfied.tracking_code}/danh-gia/", {"note": "Đã kiểm tra, mặt đường ổn."}
    )

    assert response.status_code == 302
    unsatisfied.refresh_from_db()
    assert unsatisfied.review_requested_at is None
    assert Event.objects.filter(report=unsatisfied, kind=EventKind.REVIEW_DISMISSED).count() == 1


def test_keeping_it_closed_needs_a_note(login, people, unsatisfied):
    response = login(people["lan"]).post(
        f"/can-bo/phan-anh/{unsatisfied.tracking_code}/danh-gia/", {"note": " "}, HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 422
    assert 'id="dismiss_review-note-errors"' in response.content.decode()
    unsatisfied.refresh_from_db()
    assert unsatisfied.review_requested_at is not None


def test_a_unit_cannot_dismiss_the_review(login, people, unsatisfied):
    hung = login(people["hung"])
    assert (
        'id="form-dismiss_review"'
        not in hung.get(f"/can-bo/phan-anh/{unsatisfied.tracking_code}/").content.decode()
    )

    response = hung.post(f"/can-bo/phan-anh/{unsatisfied.tracking_code}/danh-gia/", {"note": "Giữ nguyên"})

    assert response.status_code == 403
    unsatisfied.refresh_from_db()
    assert unsatisfied.review_requested_at is not None
