"""Redaction through the staff API: what is proposed, the refusal, and the redacted publication.

lan's client app asks what the public copy would be (GET .../publication), sees what looks like
personal data, and publishes with the texts redacted and a rectangle on the photo. Without the
redaction the action answers 422 `personal_data_remaining` with each passage; hung, of a unit,
may not read the proposal.
"""

# The shared fixtures are imported by name, then asked for by name: not redefinitions.
# ruff: noqa: F811

from __future__ import annotations

import pytest

from phananh.reports.files import Upload
from phananh.reports.intake import validate_submission
from phananh.reports.models import Report
from phananh.workflow.models import EventKind
from phananh.workflow.services import transition
from phananh.workflow.submission import report_submit
from tests.conftest import jpeg_bytes
from tests.workflow.test_api import STAFF, api_as  # noqa: F401

pytestmark = pytest.mark.django_db

DESCRIPTION = "Xe 29A-123.45 đỗ trước cổng, chủ xe là anh Tuấn, gọi 0912 345 678."


@pytest.fixture
def resolved(people, so_xd):
    raw = {"description": DESCRIPTION, "consent": True, "reporter_phone": "0987654321"}
    report = report_submit(
        submission=validate_submission(raw, channel="web"), photos=[Upload("a.jpg", jpeg_bytes(320, 240))]
    ).report
    lan = people["lan"]
    for actor, action, data in (
        (lan, "accept", {"category": "ha-tang-do-thi", "lead_unit": so_xd.pk}),
        (people["hung"], "assign", {"handler": people["tuan"].pk}),
        (people["tuan"], "submit_result", {"result": "Đã nhắc nhở chủ xe."}),
        (people["binh"], "approve_result", {}),
        (lan, "verify", {}),
    ):
        report.refresh_from_db()
        transition(report=report, actor=actor, action=action, data=data)
    report.refresh_from_db()
    return report


def test_the_ioc_reads_the_proposal_with_what_looks_personal(api_as, resolved):
    answer = api_as("lan").get(f"{STAFF}/reports/{resolved.tracking_code}/publication")

    assert answer.status_code == 200
    body = answer.json()
    description = next(t for t in body["texts"] if t["key"] == "description")
    assert description["original"] == description["proposed"] == DESCRIPTION
    assert [(s["kind"], s["text"], s["replacement"]) for s in description["spans"]] == [
        ("plate", "29A-123.45", "[biển số xe]"),
        ("name", "Tuấn", "[tên]"),
        ("phone", "0912 345 678", "[số điện thoại]"),
    ]
    [photo] = body["photos"]
    assert (photo["stage"], photo["public"], photo["rectangles"]) == ("before", True, [])
    assert photo["url"].endswith(f"/api/v1/staff/attachments/{photo['id']}")


def test_a_unit_may_not_read_the_proposal(api_as, resolved):
    assert api_as("hung").get(f"{STAFF}/reports/{resolved.tracking_code}/publication").status_code == 403
    assert api_as("charlie").get(f"{STAFF}/reports/{resolved.tracking_code}/publication").status_code == 404


def test_publishing_through_the_api_needs_the_redaction_or_the_confirmation(api_as, resolved, client):
    lan = api_as("lan")
    path = f"{STAFF}/reports/{resolved.tracking_code}/actions"

    refused = lan.post(path, {"action": "publish", "public": True}, content_type="application/json")

    assert refused.status_code == 422
    error = refused.json()
    assert error["code"] == "personal_data_remaining"
    assert [s["kind"] for s in error["personal_data"]["description"]] == ["plate", "name", "phone"]
    assert Report.objects.get(pk=resolved.pk).is_public is None

    photo = resolved.attachments.get()
    published = lan.post(
        path,
        {
            "action": "publish",
            "public": True,
            "redacted": {"description": "Xe [biển số xe] đỗ trước cổng, chủ xe là anh [tên]."},
            "public_photos": [
                {"id": photo.pk, "rectangles": [{"x": 0.1, "y": 0.1, "width": 0.3, "height": 0.2}]}
            ],
        },
        content_type="application/json",
    )

    assert published.status_code == 200, published.content
    assert published.json()["is_public"] is True
    public = client.get(f"/api/v1/public/reports/{resolved.tracking_code}").json()
    assert public["description"] == "Xe [biển số xe] đỗ trước cổng, chủ xe là anh [tên]."
    event = resolved.events.get(kind=EventKind.PUBLISHED)
    assert event.data["public_photos"] == [{"id": photo.pk, "rectangles": 1}]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"public_photos": [{"id": 999999}]}, "public_photos"),
        ({"redacted": {"questions": {"999999": "?"}}}, "redacted.questions.999999"),
        ({"redacted": {"description": "   "}}, "redacted.description"),
        ({"public_photos": [{"id": 1, "rectangles": [{"x": 2, "y": 0, "width": 0.1, "height": 0.1}]}]}, None),
    ],
)
def test_a_wrong_redaction_is_refused_with_its_field(api_as, resolved, payload, field):
    answer = api_as("lan").post(
        f"{STAFF}/reports/{resolved.tracking_code}/actions",
        {"action": "publish", "public": True, "confirm_personal_data": True, **payload},
        content_type="application/json",
    )

    assert answer.status_code == 422, answer.content
    if field:
        assert field in answer.json()["fields"]
    assert Report.objects.get(pk=resolved.pk).is_public is None
