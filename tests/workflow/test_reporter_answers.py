"""The reporter answers a request for information with the secret; the clock runs again."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from phananh.reports.models import Report
from phananh.reports.statuses import Status
from phananh.workflow.models import Event, EventKind
from tests.conftest import jpeg_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def asked(client, people, act):
    """Lan's report, on which the IOC asked Lan for more information."""
    response = client.post(
        "/api/v1/reports",
        {"description": "Cống bị tắc gần chợ", "reporter_phone": "0912345678", "consent": True},
        content_type="application/json",
    )
    answer = response.json()
    report = Report.objects.get(tracking_code=answer["tracking_code"])
    act(report, people["lan"], "request_info", question="Cống ở đầu hay cuối chợ?")
    return answer


def url(answer):
    return f"/api/v1/reports/{answer['tracking_code']}/info"


def test_the_reporter_answers_with_text_and_a_photo(client, asked):
    photo = SimpleUploadedFile("cong.jpg", jpeg_bytes(), content_type="image/jpeg")

    response = client.post(url(asked), {"secret": asked["secret"], "text": "Ở cuối chợ", "photos": [photo]})

    assert response.status_code == 200
    assert response.json()["status"] == Status.SUBMITTED
    event = Event.objects.get(kind=EventKind.INFO_PROVIDED)
    assert event.note == "Ở cuối chợ"
    assert event.actor_label == "reporter"
    assert event.attachments.count() == 1


def test_a_wrong_secret_is_refused_and_changes_nothing(client, asked):
    response = client.post(
        url(asked), {"secret": "not-the-secret", "text": "Ở cuối chợ"}, content_type="application/json"
    )

    assert response.status_code == 403
    assert response.json()["code"] == "invalid_secret"
    assert not Event.objects.filter(kind=EventKind.INFO_PROVIDED).exists()


def test_an_empty_answer_is_refused(client, asked):
    response = client.post(
        url(asked), {"secret": asked["secret"], "text": "  "}, content_type="application/json"
    )

    assert response.status_code == 422
    assert response.json()["fields"]["text"]


def test_answering_twice_is_a_conflict(client, asked):
    body = {"secret": asked["secret"], "text": "Ở cuối chợ"}
    client.post(url(asked), body, content_type="application/json")

    again = client.post(url(asked), body, content_type="application/json")

    assert again.status_code == 409
    assert again.json()["status"] == Status.SUBMITTED


def test_an_unknown_report_is_not_found(client, db):
    response = client.post(
        "/api/v1/reports/PA-26-ZZZZZZ/info", {"secret": "x", "text": "y"}, content_type="application/json"
    )

    assert response.status_code == 404
