"""Đánh giá: the reporter rates the result once it is sent to them, which closes the report, or a
closed report once per closure; the IOC reviews an unsatisfied rating.

Lan operates the IOC, lien is on duty with her; hung, binh and tuan handle the report at Sở
Xây dựng; quang sits on the steering committee and reviews nothing.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import translation

from phananh.core.errors import Conflict, Forbidden, ValidationFailed
from phananh.notify.models import Notification
from phananh.org.models import Role, User
from phananh.reports.models import Rating, RatingValue, Report
from phananh.reports.statuses import Status
from phananh.workflow.models import Event, EventKind
from phananh.workflow.selectors import closure_number, current_rating
from phananh.workflow.services import transition
from tests.reporter import dismiss_review as review_dismiss
from tests.reporter import rate
from tests.staff import signed_in
from tests.workflow import conftest as workflow

pytestmark = pytest.mark.django_db

# The workflow's named people and units (tests/workflow/conftest.py), as this module's fixtures.
people, submit = workflow.people, workflow.submit
so_xd, phong_ht, so_yt = workflow.so_xd, workflow.phong_ht, workflow.so_yt


@pytest.fixture
def lien(ioc):
    return User.objects.create_user(username="lien", password="x", role=Role.OPERATOR, unit=ioc)


def do(report, user, action, **data):
    report.refresh_from_db()
    return transition(report=report, actor=user, action=action, data=data)


def close(report, people, so_xd):
    """Handle the report to its closure (or to its next closure after a reopening)."""
    report.refresh_from_db()
    if report.status == Status.SUBMITTED:
        do(report, people["lan"], "accept", category="ha-tang-do-thi", lead_unit=so_xd.pk)
        do(report, people["hung"], "assign", handler=people["tuan"].pk)
    do(report, people["tuan"], "submit_result", result="Đã vá ổ gà.")
    do(report, people["binh"], "approve_result")
    do(report, people["lan"], "verify")
    do(report, people["lan"], "close")
    report.refresh_from_db()
    return report


@pytest.fixture
def sent(db, ioc):
    """A report sent through the API, with the secret its reporter keeps."""
    response = Client().post(
        "/api/v1/reports",
        {"description": "Ổ gà lớn trên đường Bà Triệu", "reporter_phone": "0912345678", "consent": True},
        content_type="application/json",
    )
    answer = response.json()
    return Report.objects.get(tracking_code=answer["tracking_code"]), answer["secret"]


def rating_url(report) -> str:
    return f"/api/v1/reports/{report.tracking_code}/rating"


def post_rating(report, **body):
    return Client().post(rating_url(report), body, content_type="application/json")


# --- The service --------------------------------------------------------------------------


def test_an_unsatisfied_rating_asks_the_operators_for_a_review(
    people, lien, so_xd, submit, django_capture_on_commit_callbacks
):
    report = close(submit(), people, so_xd)

    with django_capture_on_commit_callbacks(execute=True):
        rating = rate(report=report, value="unsatisfied", comment="Ổ gà vẫn còn, số 0912345678")

    # Then the rating is kept for the first closure and the IOC has a review to do
    assert (rating.closure, rating.value) == (1, "unsatisfied")
    report.refresh_from_db()
    assert report.review_requested_at is not None
    # And every operator is told, and no one else
    told = set(
        Notification.objects.filter(report=report, kind=EventKind.RATED).values_list(
            "recipient__username", flat=True
        )
    )
    assert told == {"lan", "lien"}
    # And the timeline has a public "rated" step with the value, but nothing of the comment
    event = Event.objects.get(report=report, kind=EventKind.RATED)
    assert event.is_public
    assert event.actor is None and event.actor_label == "reporter"
    assert event.data == {"value": "unsatisfied", "closure": 1}
    assert event.note == ""


@pytest.mark.parametrize("value", ["satisfied", "acceptable"])
def test_a_satisfied_or_acceptable_rating_asks_nothing_of_anyone(
    people, so_xd, submit, value, django_capture_on_commit_callbacks
):
    report = close(submit(), people, so_xd)

    with django_capture_on_commit_callbacks(execute=True):
        rate(report=report, value=value)

    report.refresh_from_db()
    assert report.review_requested_at is None
    assert not Notification.objects.filter(kind=EventKind.RATED).exists()
    assert current_rating(report).value == value


def test_a_report_whose_result_was_not_sent_cannot_be_rated(people, so_xd, submit):
    report = submit()

    with pytest.raises(Conflict) as refused:
        rate(report=report, value="satisfied")

    assert refused.value.code == "result_not_sent"
    assert refused.value.extra == {"status": Status.SUBMITTED}
    assert not Rating.objects.exists()


def resolve_and_publish(report, people, so_xd):
    """Handled, verified, and the result published: sent to the reporter, not closed."""
    do(report, people["lan"], "accept", category="ha-tang-do-thi", lead_unit=so_xd.pk)
    do(report, people["hung"], "assign", handler=people["tuan"].pk)
    do(report, people["tuan"], "submit_result", result="Đã vá ổ gà.")
    do(report, people["binh"], "approve_result")
    do(report, people["lan"], "verify")
    do(report, people["lan"], "publish", public=True)
    report.refresh_from_db()
    return report


def test_rating_a_published_result_closes_the_report(people, so_xd, submit):
    report = resolve_and_publish(submit(), people, so_xd)

    rating = rate(report=report, value="satisfied")

    # Then the report is closed by the reporter, and the rating belongs to that first closure
    report.refresh_from_db()
    assert report.status == Status.CLOSED and report.closed_at is not None
    assert (rating.closure, closure_number(report)) == (1, 1)
    assert current_rating(report) == rating
    rated, closed = Event.objects.filter(report=report).order_by("-id")[:2][::-1]
    assert (rated.kind, rated.status_before, rated.status_after) == ("rated", "resolved", "resolved")
    assert (closed.kind, closed.status_before, closed.status_after) == ("closed", "resolved", "closed")
    assert (closed.actor, closed.actor_label, closed.data) == (None, "reporter", {"closed_by": "rating"})
    # And the IOC has nothing left to close
    with pytest.raises(Conflict):
        do(report, people["lan"], "close")


def test_after_a_reopening_the_next_result_is_rated_as_the_second_closure(people, so_xd, submit):
    report = resolve_and_publish(submit(), people, so_xd)
    rate(report=report, value="unsatisfied")
    do(report, people["lan"], "reopen", reason="Ổ gà vẫn còn.")
    do(report, people["tuan"], "submit_result", result="Đã vá lại ổ gà.")
    do(report, people["binh"], "approve_result")
    do(report, people["lan"], "verify")
    do(report, people["lan"], "publish", public=False)
    report.refresh_from_db()

    rating = rate(report=report, value="satisfied")

    assert rating.closure == 2
    assert list(report.ratings.values_list("closure", "value")) == [(1, "unsatisfied"), (2, "satisfied")]


def test_one_rating_per_closure_and_a_new_one_after_a_reopening(people, so_xd, submit):
    report = close(submit(), people, so_xd)
    rate(report=report, value="unsatisfied")

    # A second rating of the same closure is refused
    with pytest.raises(Conflict) as refused:
        rate(report=report, value="satisfied")
    assert refused.value.code == "already_rated"

    # When Lan reopens the report, the review is done
    do(report, people["lan"], "reopen", reason="Người dân chưa hài lòng.")
    report.refresh_from_db()
    assert report.review_requested_at is None
    assert current_rating(report) is None

    # And after the second closure, the reporter rates again
    close(report, people, so_xd)
    assert closure_number(report) == 2
    assert rate(report=report, value="acceptable").closure == 2
    assert list(report.ratings.values_list("closure", "value")) == [(1, "unsatisfied"), (2, "acceptable")]


def test_an_unknown_value_or_a_long_comment_is_refused(people, so_xd, submit, settings):
    report = close(submit(), people, so_xd)
    settings.PHANANH_MAX_DESCRIPTION_CHARS = 10

    with pytest.raises(ValidationFailed) as bad_value:
        rate(report=report, value="great")
    with pytest.raises(ValidationFailed) as long_comment:
        rate(report=report, value="satisfied", comment="x" * 11)

    assert bad_value.value.code == "invalid_rating" and "value" in bad_value.value.fields
    assert long_comment.value.code == "comment_too_long" and "comment" in long_comment.value.fields
    assert not Rating.objects.exists()


def test_a_rating_makes_a_page_drawn_before_it_out_of_date(people, so_xd, submit):
    # Given Lan opened the closed report before the reporter rated it
    report = close(submit(), people, so_xd)
    seen_by_lan = Report.objects.get(pk=report.pk)

    rate(report=report, value="unsatisfied")

    # Then her reopening from the old page is refused, so that she sees the rating first
    with pytest.raises(Conflict) as refused:
        transition(report=seen_by_lan, actor=people["lan"], action="reopen", data={"reason": "Xem lại"})
    assert refused.value.code == "concurrent_update"


# --- The IOC's review -----------------------------------------------------------------------


def test_lan_keeps_a_report_closed_after_reviewing_the_rating(people, so_xd, submit):
    report = close(submit(), people, so_xd)
    rate(report=report, value="unsatisfied")

    event = review_dismiss(report=report, actor=people["lan"], note="Đã kiểm tra tại hiện trường: đã xử lý.")

    report.refresh_from_db()
    assert report.review_requested_at is None
    assert report.status == Status.CLOSED
    # The decision is on the timeline for staff, not for the public
    assert event.kind == EventKind.REVIEW_DISMISSED and not event.is_public
    assert event.actor == people["lan"]
    assert not Event.objects.filter(kind=EventKind.REVIEW_DISMISSED, is_public=True).exists()


def test_only_an_operator_dismisses_a_review_and_only_a_waiting_one(people, so_xd, submit):
    report = close(submit(), people, so_xd)

    with pytest.raises(Conflict) as nothing_waiting:
        review_dismiss(report=report, actor=people["lan"], note="Không cần")
    rate(report=report, value="unsatisfied")
    with pytest.raises(Forbidden):
        review_dismiss(report=report, actor=people["hung"], note="Không cần")
    with pytest.raises(Forbidden):
        review_dismiss(report=report, actor=people["quang"], note="Không cần")
    with pytest.raises(ValidationFailed) as no_note:
        review_dismiss(report=report, actor=people["lan"], note="  ")

    assert nothing_waiting.value.code == "no_review_requested"
    assert no_note.value.fields["note"]
    report.refresh_from_db()
    assert report.review_requested_at is not None


# --- The operators' tab -------------------------------------------------------------------


def test_the_unsatisfied_tab_lists_closed_reports_waiting_for_a_review(people, so_xd, submit):
    waiting = close(submit(), people, so_xd)
    rate(report=waiting, value="unsatisfied")
    happy = close(submit(), people, so_xd)
    rate(report=happy, value="satisfied")
    dismissed = close(submit(), people, so_xd)
    rate(report=dismissed, value="unsatisfied")
    review_dismiss(report=dismissed, actor=people["lan"], note="Đã xử lý đúng.")
    lan = signed_in(Client(), people["lan"])

    html = lan.get("/can-bo/", {"tab": "unsatisfied"}).content.decode()

    assert 'id="tab-unsatisfied"' in html
    assert waiting.tracking_code in html
    assert happy.tracking_code not in html
    assert dismissed.tracking_code not in html


def test_the_unsatisfied_tab_is_the_operators_only(people):
    for name in ("quang", "hung", "tuan"):
        client = signed_in(Client(), people[name])
        assert 'id="tab-unsatisfied"' not in client.get("/can-bo/").content.decode(), name


# --- The API ------------------------------------------------------------------------------


def test_the_reporter_rates_through_the_api(people, so_xd, sent):
    report, secret = sent
    close(report, people, so_xd)

    response = post_rating(report, secret=secret, value="acceptable", comment="Tạm được")

    assert response.status_code == 201
    with translation.override("vi"):
        expected_label = str(RatingValue.ACCEPTABLE.label)
    assert response.json() == {"value": "acceptable", "value_label": expected_label, "closure": 1}
    # And the public timeline of the API shows the rating, without its comment
    timeline = Client().get(f"/api/v1/reports/{report.tracking_code}").json()["timeline"]
    assert timeline[-1]["kind"] == "rated"
    assert timeline[-1]["note"] == expected_label
    assert "Tạm được" not in str(timeline)


def test_the_rating_api_refuses_what_it_must(people, so_xd, sent):
    report, secret = sent

    # The result not sent yet: 409 with the current status
    response = post_rating(report, secret=secret, value="satisfied")
    assert response.status_code == 409
    assert response.json()["code"] == "result_not_sent"
    assert response.json()["status"] == Status.SUBMITTED

    close(report, people, so_xd)
    # A wrong secret: 403, whatever the value
    response = post_rating(report, secret="not-the-secret", value="satisfied")
    assert (response.status_code, response.json()["code"]) == (403, "invalid_secret")
    response = post_rating(report, secret="not-the-secret", value="nonsense")
    assert response.status_code == 403
    # An unknown value: 422, next to the field
    response = post_rating(report, secret=secret, value="nonsense")
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_rating"
    assert response.json()["fields"]["value"]
    # No secret at all: 422
    assert post_rating(report, value="satisfied").status_code == 422
    # An unknown report: 404
    response = Client().post(
        "/api/v1/reports/PA-26-ZZZZZZ/rating",
        {"secret": secret, "value": "satisfied"},
        content_type="application/json",
    )
    assert response.status_code == 404
    assert not Rating.objects.exists()

    # Rated once: a second rating of the same closure is a conflict
    assert post_rating(report, secret=secret, value="satisfied").status_code == 201
    response = post_rating(report, secret=secret, value="unsatisfied")
    assert (response.status_code, response.json()["code"]) == (409, "already_rated")
    assert list(Rating.objects.values_list("value", flat=True)) == ["satisfied"]


def test_the_rating_endpoint_is_documented(db):
    schema = Client().get("/api/v1/openapi.json").json()

    operation = schema["paths"]["/api/v1/reports/{tracking_code}/rating"]["post"]
    assert set(operation["responses"]) >= {"201", "403", "404", "409", "422"}
    body = operation["requestBody"]["content"]["application/json"]["schema"]
    rating_in = schema["components"]["schemas"][body["$ref"].rsplit("/", 1)[-1]]
    assert rating_in["properties"]["value"]["enum"] == ["satisfied", "acceptable", "unsatisfied"]
    assert set(rating_in["required"]) == {"secret", "value"}
