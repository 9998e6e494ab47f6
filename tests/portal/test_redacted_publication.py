"""Redaction before publishing, end to end: the public reads only the redacted copy.

Hoa reports a car blocking the market's gate and writes her name, phone, email, identity number
and the car's plate into the text, with a photo; the unit's result names the driver and his
phone. lan, at the IOC, publishes: without redacting, the server refuses and nothing changes;
with the texts redacted and a rectangle blacked out on the photo, it is published, and no public
page, public API answer, map answer, tracking page or statistics page holds any of it. The
photo's public copy and thumbnail are black where lan drew; the original is unchanged for staff.
"""

# The shared fixtures are imported by name, then asked for by name: not redefinitions.
# ruff: noqa: F811

from __future__ import annotations

import hashlib
import io
import json

import pytest
from django.apps import apps as django_apps
from django.db.models import F
from django.utils import timezone
from PIL import Image

from phananh.core.errors import ValidationFailed
from phananh.core.text import fold
from phananh.reports.files import Upload
from phananh.reports.intake import validate_submission
from phananh.reports.models import Attachment, Report
from phananh.reports.redaction import find_personal_data, redact
from phananh.reports.search import search_words
from phananh.workflow.models import Event, EventKind
from phananh.workflow.publishing import publication_proposal
from phananh.workflow.services import transition
from phananh.workflow.submission import report_submit
from tests.backoffice.conftest import login  # noqa: F401
from tests.portal.test_public_support import (  # noqa: F401
    act,
    at,
    handle,
    people,
    phong_ht,
    publish_directly,
    road,
    send,
    so_xd,
    so_yt,
    submit,
)

pytestmark = pytest.mark.django_db

DESCRIPTION = (
    "Tôi là Nguyễn Thị Hoa, SĐT 0912 345 678, email hoa.nguyen@gmail.com, CCCD 001092012345. "
    "Xe ô tô biển 29A-123.45 đỗ chắn lối vào cổng chợ Đông Kinh suốt ngày."
)
RESULT = "Đã lập biên bản, anh Lê Văn Tám (lái xe, 0987 111 222) đã chuyển xe đi."
# Every form in which what was written could leak: as typed, as stored, folded for search.
SECRETS = [
    "Nguyễn Thị Hoa",
    "nguyen thi hoa",
    "0912 345 678",
    "0912345678",
    "hoa.nguyen@gmail.com",
    "hoa.nguyen",
    "001092012345",
    "29A-123.45",
    "29a-123",
    "Lê Văn Tám",
    "le van tam",
    "0987 111 222",
    "0987111222",
]
# The rectangle lan blacks out on the photo sent with the report: its middle.
RECTANGLE = {"x": 0.25, "y": 0.25, "width": 0.5, "height": 0.5}
RED = (200, 30, 30)


def photo_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), RED).save(buffer, "JPEG", quality=95)
    return buffer.getvalue()


def handle_without_publishing(report, people, so_xd):
    lan = people["lan"]
    transition(report=report, actor=lan, action="accept", data={"category": "ha-tang-do-thi"})
    transition(report=report, actor=lan, action="dispatch", data={"unit": so_xd.pk})
    transition(report=report, actor=people["hung"], action="assign", data={"handler": people["tuan"].pk})
    transition(
        report=report,
        actor=people["tuan"],
        action="submit_result",
        data={"result": RESULT},
        photos=[Upload("sau.jpg", photo_bytes())],
    )
    transition(report=report, actor=people["binh"], action="approve_result", data={})
    transition(report=report, actor=lan, action="verify", data={})
    report.refresh_from_db()


@pytest.fixture
def hoa_report(people, so_xd):
    """Hoa's report, sent with one photo; handled by Sở Xây dựng (result and photo), verified."""
    raw = {
        "description": DESCRIPTION,
        "title": "Ô tô đỗ chắn cổng chợ",
        "address": "Cổng chợ Đông Kinh",
        "consent": True,
        "reporter_name": "Nguyễn Thị Hoa",
        "reporter_phone": "0912345678",
        **at("21.850000", "106.760000"),
    }
    report = report_submit(
        submission=validate_submission(raw, channel="web"), photos=[Upload("truoc.jpg", photo_bytes())]
    ).report
    handle_without_publishing(report, people, so_xd)
    return report


def media_count(media_files) -> int:
    return len(media_files())


def pixel(data: bytes, fx: float, fy: float) -> tuple[int, int, int]:
    with Image.open(io.BytesIO(data)) as image:
        rgb = image.convert("RGB")
        return rgb.getpixel((int(fx * rgb.width), int(fy * rgb.height)))


def is_black(rgb) -> bool:
    return all(channel < 24 for channel in rgb)


def is_red(rgb) -> bool:
    return rgb[0] > 150 and rgb[1] < 80 and rgb[2] < 80


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def redacted_texts(report) -> dict:
    """What lan sends: every text of the proposal with each highlight replaced by its suggestion."""
    texts = {}
    for text in publication_proposal(report).texts:
        if text.spans:
            texts[text.key] = redact(text.proposed, text.spans)
    return texts


# --- the refusal ---------------------------------------------------------------------------------


def test_the_proposal_highlights_everything_personal_in_the_texts(hoa_report):
    proposal = publication_proposal(hoa_report)
    found = {t.key: {(s.kind, s.text) for s in t.spans} for t in proposal.texts}

    assert found["description"] == {
        ("name", "Nguyễn Thị Hoa"),
        ("phone", "0912 345 678"),
        ("email", "hoa.nguyen@gmail.com"),
        ("id_number", "001092012345"),
        ("plate", "29A-123.45"),
    }
    assert found["result"] == {("name", "Lê Văn Tám"), ("phone", "0987 111 222")}
    assert found["title"] == found["address"] == set()
    assert [(p.stage, p.public, p.rectangles) for p in proposal.photos] == [
        ("before", True, []),
        ("after", True, []),
    ]


def test_publishing_what_still_looks_personal_is_refused_and_changes_nothing(hoa_report, people, media_files):
    before = (hoa_report.version, Event.objects.filter(report=hoa_report).count(), media_count(media_files))

    with pytest.raises(ValidationFailed) as refused:
        transition(report=hoa_report, actor=people["lan"], action="publish", data={"public": True})

    assert refused.value.code == "personal_data_remaining"
    assert refused.value.status == 422
    assert set(refused.value.fields) == {"redacted.description", "redacted.result", "confirm_personal_data"}
    assert {s["kind"] for s in refused.value.extra["personal_data"]["description"]} == {
        "name",
        "phone",
        "email",
        "id_number",
        "plate",
    }
    hoa_report.refresh_from_db()
    assert (hoa_report.is_public, hoa_report.public_description) == (None, "")
    assert (hoa_report.version, hoa_report.events.count(), media_count(media_files)) == before
    assert not Attachment.objects.filter(report=hoa_report).exclude(public_file="").exists()


def test_one_highlight_left_is_refused_too_and_published_once_confirmed(hoa_report, people):
    texts = redacted_texts(hoa_report)
    texts["description"] = texts["description"].replace("[số điện thoại]", "0912 345 678")

    with pytest.raises(ValidationFailed) as refused:
        transition(
            report=hoa_report, actor=people["lan"], action="publish", data={"public": True, "redacted": texts}
        )
    assert [s["text"] for s in refused.value.extra["personal_data"]["description"]] == ["0912 345 678"]

    # lan decides it is the market's public number after all, and confirms
    hoa_report.refresh_from_db()
    event = transition(
        report=hoa_report,
        actor=people["lan"],
        action="publish",
        data={"public": True, "redacted": texts, "confirm_personal_data": True},
    )
    assert event.kind == EventKind.PUBLISHED
    assert event.data["personal_data_confirmed"] == 1
    hoa_report.refresh_from_db()
    assert "0912 345 678" in hoa_report.public_description


# --- the publication -----------------------------------------------------------------------------


@pytest.fixture
def published(hoa_report, people):
    """lan publishes with every suggestion accepted and the middle of the "before" photo blacked out."""
    before, after = (p.attachment for p in publication_proposal(hoa_report).photos)
    transition(
        report=hoa_report,
        actor=people["lan"],
        action="publish",
        data={
            "public": True,
            "redacted": redacted_texts(hoa_report),
            "public_photos": [
                {"id": before.pk, "public": True, "rectangles": [RECTANGLE]},
                {"id": after.pk, "public": True},
            ],
        },
    )
    transition(report=hoa_report, actor=people["lan"], action="close", data={})
    hoa_report.refresh_from_db()
    return hoa_report, before, after


def public_addresses(report, before, after) -> list[str]:
    code = report.tracking_code
    today = timezone.localdate()
    return [
        "/",
        "/phan-anh/",
        "/phan-anh/?q=cho+dong+kinh",
        f"/phan-anh/?from={today.replace(day=1).isoformat()}&to={today.isoformat()}",
        "/phan-anh/?bbox=106.7,21.8,106.8,21.9",
        f"/phan-anh/{code}/",
        "/ban-do/",
        "/ban-do/cum.json?bbox=106.7,21.8,106.8,21.9&zoom=19",
        "/ban-do/cum.json?bbox=106.7,21.8,106.8,21.9&zoom=8",
        "/thong-ke/",
        f"/tra-cuu/{code}/",
        "/gui-phan-anh/gan-day.json?lat=21.85&lon=106.76&category=ha-tang-do-thi",
        "/api/v1/public/reports",
        "/api/v1/public/reports?text=cho%20dong%20kinh",
        f"/api/v1/public/reports/{code}",
        f"/api/v1/reports/{code}",
    ]


def test_no_public_page_or_answer_holds_what_was_redacted(client, published):
    report, before, after = published
    walked = []
    for url in public_addresses(report, before, after):
        response = client.get(url)
        assert response.status_code == 200, url
        text = body(response).decode()
        for secret in SECRETS:
            assert secret.lower() not in text.lower(), (url, secret)
        walked.append(text)
    # The walk read the report: its redacted copy is there, on its page and in the API
    page, api = walked[5], json.loads(walked[14])
    assert "Tôi là [tên], SĐT [số điện thoại], email [email], CCCD [số giấy tờ]" in page
    assert api["description"] == redact(DESCRIPTION, find_personal_data(DESCRIPTION))
    assert api["result"]["text"] == "Đã lập biên bản, anh [tên] (lái xe, [số điện thoại]) đã chuyển xe đi."
    assert report.tracking_code in walked[1] and report.tracking_code in walked[12]
    # The tracking page shows the redacted result to anyone
    assert "anh [tên] (lái xe, [số điện thoại])" in walked[10]


def test_the_search_knows_only_the_redacted_words(client, published):
    report, _before, _after = published
    for secret in ("0912345678", "Nguyễn Thị Hoa", "hoa.nguyen", "001092012345", "29A-123.45"):
        assert client.get("/api/v1/public/reports", {"text": secret}).json()["count"] == 0, secret
        assert 'class="report-card"' not in client.get("/phan-anh/", {"q": secret}).content.decode()
    assert client.get("/api/v1/public/reports", {"text": "chắn lối"}).json()["count"] == 1
    for secret in SECRETS:
        assert search_words(secret) not in report.search_text, secret
    assert fold("chắn lối") in report.search_text


def test_the_photos_public_copy_and_thumbnail_are_black_where_lan_drew(client, published):
    report, before, after = published
    code = report.tracking_code

    for suffix in ("", "nho/"):
        response = client.get(f"/phan-anh/{code}/anh/{before.pk}/{suffix}")
        assert (response.status_code, response["Content-Type"]) == (200, "image/jpeg")
        data = body(response)
        # Black inside the rectangle, to its edges; the photo as it was outside
        for fx, fy in ((0.5, 0.5), (0.27, 0.27), (0.73, 0.73), (0.27, 0.73)):
            assert is_black(pixel(data, fx, fy)), (suffix, fx, fy)
        for fx, fy in ((0.1, 0.1), (0.9, 0.9), (0.1, 0.5), (0.5, 0.1)):
            assert is_red(pixel(data, fx, fy)), (suffix, fx, fy)
        # Nothing but pixels: no metadata came along
        with Image.open(io.BytesIO(data)) as image:
            assert not image.getexif()
    # The result's photo, published without rectangles, is whole
    after_copy = body(client.get(f"/phan-anh/{code}/anh/{after.pk}/"))
    assert is_red(pixel(after_copy, 0.5, 0.5))
    # The tracking page serves the same public copy to anyone
    tracked = body(client.get(f"/tra-cuu/{code}/anh/{after.pk}/"))
    assert tracked == after_copy


def test_the_original_photo_is_unchanged_for_staff(login, published, people):
    report, before, _after = published
    before.refresh_from_db()
    lan = login(people["lan"])

    original = body(lan.get(f"/can-bo/tep/{before.pk}/"))

    assert hashlib.sha256(original).hexdigest() == before.sha256
    assert is_red(pixel(original, 0.5, 0.5))
    assert before.public_file.name != before.file.name
    assert before.redactions == [RECTANGLE]
    # And staff still read what was written, with the public copy beside it
    page = lan.get(f"/can-bo/phan-anh/{report.tracking_code}/").content.decode()
    assert "0912 345 678" in page
    assert 'id="public-copy"' in page and "[số điện thoại]" in page


def test_a_photo_kept_private_is_not_served_to_the_public(client, hoa_report, people):
    before, after = (p.attachment for p in publication_proposal(hoa_report).photos)
    transition(
        report=hoa_report,
        actor=people["lan"],
        action="publish",
        data={
            "public": True,
            "redacted": redacted_texts(hoa_report),
            "public_photos": [{"id": before.pk, "public": False}],
        },
    )
    code = hoa_report.tracking_code

    assert client.get(f"/phan-anh/{code}/anh/{before.pk}/").status_code == 404
    assert client.get(f"/phan-anh/{code}/anh/{before.pk}/nho/").status_code == 404
    assert client.get(f"/phan-anh/{code}/anh/{after.pk}/").status_code == 200
    detail = client.get(f"/api/v1/public/reports/{code}").json()
    assert detail["photos"] == []
    assert len(detail["result"]["photos"]) == 1
    event = hoa_report.events.get(kind=EventKind.PUBLISHED)
    assert event.data["private_photos"] == [before.pk]


def test_publishing_again_redraws_the_copy_and_removes_the_old_one(
    hoa_report, people, media_files, django_capture_on_commit_callbacks
):
    before, _after = (p.attachment for p in publication_proposal(hoa_report).photos)
    texts = redacted_texts(hoa_report)

    def publish(rectangles):
        hoa_report.refresh_from_db()
        # The old copy is deleted once the publication is committed.
        with django_capture_on_commit_callbacks(execute=True):
            transition(
                report=hoa_report,
                actor=people["lan"],
                action="publish",
                data={
                    "public": True,
                    "redacted": texts,
                    "public_photos": [{"id": before.pk, "rectangles": rectangles}],
                },
            )
        before.refresh_from_db()
        return before.public_file.name

    first = publish([RECTANGLE])
    files = media_count(media_files)
    second = publish([RECTANGLE, {"x": 0, "y": 0, "width": 0.1, "height": 0.1}])

    assert first != second
    assert media_count(media_files) == files  # the new copy and thumbnail replaced the old ones
    assert not before.public_file.storage.exists(first)
    # Published a third time as it is, the copy is kept, not drawn again
    assert publish(before.redactions) == second


# --- reports published before redaction ----------------------------------------------------------


def test_reports_published_before_keep_what_the_public_read(client, hoa_report):
    """The data migration gives them their text and photos as they were shown."""
    import importlib

    migration = importlib.import_module("phananh.workflow.migrations.0010_public_copies_of_published_reports")
    # Published the way it was before this change: no public copy
    Report.objects.filter(pk=hoa_report.pk).update(is_public=True, published_at=timezone.now())
    unpublished = send("Chưa công khai, anh Tuấn 0911222333")

    migration.copy_public_texts(django_apps, None)

    hoa_report.refresh_from_db()
    assert hoa_report.public_description == DESCRIPTION
    assert hoa_report.public_title == "Ô tô đỗ chắn cổng chợ"
    assert hoa_report.public_address == "Cổng chợ Đông Kinh"
    assert hoa_report.public_result == RESULT
    photos = Attachment.objects.filter(report=hoa_report)
    assert photos.count() == 2
    assert all(
        p.public_file.name == p.file.name and p.public_thumbnail.name == p.thumbnail.name for p in photos
    )
    assert (
        client.get(f"/api/v1/public/reports/{hoa_report.tracking_code}").json()["description"] == DESCRIPTION
    )
    unpublished.refresh_from_db()
    assert unpublished.public_description == ""


def test_publish_directly_helper_copies_the_texts(db):
    # The lists' tests publish without the workflow: the copy is the text, as for older reports.
    report = publish_directly(send("Cống vỡ trên phố Lê Lợi"))
    assert report.public_description == "Cống vỡ trên phố Lê Lợi"
    assert Report.objects.filter(pk=report.pk, public_description=F("description")).exists()
