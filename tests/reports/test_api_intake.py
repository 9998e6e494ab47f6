"""The intake API as a phone app or another system sees it: submit, resend, follow, look up.

Every test goes through the real endpoints with django.test.Client and checks what a
client would notice (status, JSON body) and what the province would keep (rows, files).

The people: Nguyễn Thị Lan reports a pothole on Trần Đăng Ninh street in Lạng Sơn city;
Trần Văn Minh follows reports by tracking code; a hostile client tries everything else.
"""

from __future__ import annotations

import io
import json
import re
import unicodedata
from datetime import timedelta
from decimal import Decimal
from functools import cache
from urllib.parse import quote

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone, translation
from PIL import Image

from phananh.org.models import UnitKind
from phananh.org.services import unit_create
from phananh.reports.codes import ALPHABET, secret_matches
from phananh.reports.models import Attachment, Category, IdempotencyRecord, Report
from phananh.reports.statuses import Status
from phananh.workflow.models import Event
from tests.conftest import jpeg_bytes, png_bytes

pytestmark = pytest.mark.django_db

URL = "/api/v1/reports"
TRACKING_CODE = re.compile(r"^PA-\d{2}-[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{6}$")

# Lạng Sơn city centre, where Lan's phone took the photo.
LANG_SON = (21.8537, 106.7615)
LAN_NAME = "Nguyễn Thị Lan"
LAN_PHONE = "0912 345 678"
LAN_PHONE_STORED = "0912345678"
LAN_EMAIL = "lan.nguyen@example.vn"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"

DEFAULT_CATEGORY_CODES = [
    "an-toan-giao-thong",
    "an-ninh-trat-tu",
    "ha-tang-do-thi",
    "trat-tu-do-thi",
    "moi-truong",
    "quy-dinh-hanh-chinh",
    "cong-vu-cong-chuc",
    "doanh-nghiep-vuong-mac",
    "an-toan-thuc-pham",
    "dat-dai-xay-dung",
    "hang-hoa-dich-vu-tieu-dung",
    "phan-hoi-thong-tin-bao-neu",
    "hien-ke-thanh-pho-thong-minh",
    "bao-ve-tre-em",
    "linh-vuc-khac",
]

DROP = object()  # a field value meaning "leave this field out"


def lan_report(**changes) -> dict:
    """Lan's pothole report, as her app sends it; `changes` replace or (with DROP) remove fields."""
    body = {
        "description": "Ổ gà lớn trước số 12 đường Trần Đăng Ninh, xe máy đã ngã hai lần.",
        "title": "Ổ gà trên đường Trần Đăng Ninh",
        "category": "ha-tang-do-thi",
        "address": "12 Trần Đăng Ninh, Phường Lương Văn Tri",
        "reporter_name": LAN_NAME,
        "reporter_phone": LAN_PHONE,
        "reporter_email": LAN_EMAIL,
        "consent": True,
    }
    body.update(changes)
    return {k: v for k, v in body.items() if v is not DROP}


def idempotency_header(key: str | None) -> dict:
    return {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}


def post_json(client, body, *, key: str | None = None, **extra):
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.post(URL, data=data, content_type="application/json", **idempotency_header(key), **extra)


def form_fields(body: dict) -> dict:
    """JSON values as an HTML form sends them: text only."""
    return {k: ("true" if v is True else "false" if v is False else str(v)) for k, v in body.items()}


def post_form(client, body: dict, *, photos=(), documents=(), key: str | None = None, **extra):
    data = form_fields(body)
    if photos:
        data["photos"] = list(photos)
    if documents:
        data["documents"] = list(documents)
    return client.post(URL, data=data, **idempotency_header(key), **extra)


def upload(name: str, content: bytes, content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def stored_rows() -> dict:
    return {
        "reports": Report.objects.count(),
        "events": Event.objects.count(),
        "attachments": Attachment.objects.count(),
        "idempotency": IdempotencyRecord.objects.count(),
    }


def code_value(code: str) -> int:
    """The six random characters of a tracking code read as a base-31 number."""
    value = 0
    for char in code.rsplit("-", 1)[1]:
        value = value * len(ALPHABET) + ALPHABET.index(char)
    return value


def every_text_of(response) -> str:
    """The raw body and the same JSON with non-ASCII unescaped, to search for personal data."""
    return response.content.decode() + "\n" + json.dumps(response.json(), ensure_ascii=False)


@cache
def fifty_megabytes() -> bytes:
    return b"\xff\xd8\xff" + bytes(50 * 1024 * 1024)


# --- 1. A JSON submission ----------------------------------------------------------------


def test_lan_submits_a_report_as_json_and_gets_a_tracking_code_and_secret(client):
    # Given Lan's pothole report, without photos
    before = timezone.now()

    # When her app sends it as JSON
    response = post_json(client, lan_report())

    # Then she gets a tracking code, a secret and the first status
    assert response.status_code == 201, response.content
    answer = response.json()
    assert TRACKING_CODE.match(answer["tracking_code"])
    assert answer["tracking_code"].startswith(f"PA-{timezone.localdate():%y}-")
    assert answer["secret"]
    assert answer["status"] == "submitted"
    assert answer["photos"] == 0 and answer["documents"] == 0
    assert answer["tracking_url"].endswith(f"/tra-cuu/{answer['tracking_code']}/")

    # And the report is kept, from the API channel, with her consent time
    report = Report.objects.get(tracking_code=answer["tracking_code"])
    assert report.channel == "api"
    assert report.status == "submitted"
    assert report.consent_at is not None
    assert before - timedelta(seconds=1) <= report.consent_at <= timezone.now()
    assert report.reporter_name == LAN_NAME
    assert report.reporter_phone == LAN_PHONE_STORED
    assert report.reporter_email == LAN_EMAIL
    assert report.category.code == "ha-tang-do-thi"

    # And only a hash of the secret is kept, which recognises the secret and nothing else
    assert report.secret_hash != answer["secret"]
    assert answer["secret"] not in report.secret_hash
    assert secret_matches(answer["secret"], report.secret_hash)
    assert not secret_matches(answer["secret"] + "x", report.secret_hash)

    # And the timeline starts with exactly one event
    events = list(Event.objects.filter(report=report))
    assert len(events) == 1
    assert events[0].kind == "submitted"
    assert events[0].status_after == "submitted"
    assert events[0].is_public


def test_the_app_channel_is_accepted_and_kept(client):
    response = post_json(client, lan_report(channel="app"))

    assert response.status_code == 201, response.content
    assert Report.objects.get(tracking_code=response.json()["tracking_code"]).channel == "app"


def test_tracking_codes_are_distinct_and_not_sequential(client):
    # Given 25 reports sent one after the other
    codes = []
    for number in range(25):
        response = post_json(client, lan_report(description=f"Đèn đường số {number} bị hỏng."))
        assert response.status_code == 201, response.content
        codes.append(response.json()["tracking_code"])

    # Then every code has the public form, no two are equal
    assert all(TRACKING_CODE.match(code) for code in codes)
    assert len(set(codes)) == len(codes)
    # And nobody can walk from one report to the next by counting up
    steps = {code_value(b) - code_value(a) for a, b in zip(codes, codes[1:], strict=False)}
    assert len(steps) > 1
    assert steps != {1}


# --- 2. Photos and documents -------------------------------------------------------------


def test_photos_are_stored_without_metadata_under_new_names(client, media_files):
    # Given a phone photo with GPS and camera model, a PNG sketch and a PDF petition
    jpeg = jpeg_bytes(gps=LANG_SON)
    assert b"Secret Model 12" in jpeg  # the camera model really is in what the phone sends
    client_names = ["IMG_20250301_nguyen_thi_lan.jpg", "so-do-vi-tri.png", "don-kien-nghi-lan.pdf"]

    # When Lan sends them with her report
    response = post_form(
        client,
        lan_report(),
        photos=[upload(client_names[0], jpeg), upload(client_names[1], png_bytes(), "image/png")],
        documents=[upload(client_names[2], PDF, "application/pdf")],
    )

    # Then both photos and the document are counted
    assert response.status_code == 201, response.content
    answer = response.json()
    assert answer["photos"] == 2
    assert answer["documents"] == 1

    report = Report.objects.get(tracking_code=answer["tracking_code"])
    photos = list(report.attachments.filter(kind="photo").order_by("id"))
    documents = list(report.attachments.filter(kind="document"))
    assert len(photos) == 2 and len(documents) == 1
    assert [p.content_type for p in photos] == ["image/jpeg", "image/png"]

    # And each stored photo re-opens as an image with no EXIF and no trace of the camera
    for photo in photos:
        with photo.file.open("rb") as f:
            stored = f.read()
        assert b"Secret Model 12" not in stored
        assert b"PhoneMaker" not in stored
        with Image.open(io.BytesIO(stored)) as image:
            assert len(image.getexif()) == 0
            assert image.size == (photo.width, photo.height)
        # And it has a thumbnail on disk, a small JPEG
        assert photo.thumbnail
        with photo.thumbnail.open("rb") as f, Image.open(io.BytesIO(f.read())) as thumb:
            assert thumb.format == "JPEG"
            assert max(thumb.size) <= django_settings.PHANANH_THUMBNAIL_SIDE

    # And the PDF is kept byte for byte
    with documents[0].file.open("rb") as f:
        assert f.read() == PDF

    # And on disk: 2 photos, 2 thumbnails, 1 document, none under a name the client chose
    stored_files = media_files()
    assert len(stored_files) == 5
    for path in stored_files:
        for name in client_names:
            assert name.rsplit(".", 1)[0] not in path.name
    for attachment in photos + documents:
        assert not any(name.rsplit(".", 1)[0] in attachment.file.name for name in client_names)


def test_the_photos_gps_gives_the_place_when_lan_gave_none(client):
    # Given a photo taken in Lạng Sơn city and no latitude or longitude in the form
    photo = upload("pho.jpg", jpeg_bytes(gps=LANG_SON))

    # When Lan sends it
    response = post_form(client, lan_report(), photos=[photo])

    # Then the place of the report is the photo's
    assert response.status_code == 201, response.content
    answer = response.json()
    assert answer["location_source"] == "photo"
    assert answer["latitude"] == pytest.approx(LANG_SON[0], abs=1e-4)
    assert answer["longitude"] == pytest.approx(LANG_SON[1], abs=1e-4)
    report = Report.objects.get(tracking_code=answer["tracking_code"])
    assert report.location_source == "photo"
    assert float(report.latitude) == pytest.approx(LANG_SON[0], abs=1e-4)
    assert float(report.longitude) == pytest.approx(LANG_SON[1], abs=1e-4)


def test_the_place_lan_gave_is_kept_over_the_photos_gps(client):
    # Given a photo taken in the city centre, and Lan pointing at Chi Lăng market instead
    photo = upload("pho.jpg", jpeg_bytes(gps=LANG_SON))

    # When she sends both
    response = post_form(client, lan_report(latitude="21.845", longitude="106.7501"), photos=[photo])

    # Then her place is kept
    assert response.status_code == 201, response.content
    answer = response.json()
    assert answer["location_source"] == "reporter"
    assert answer["latitude"] == 21.845
    assert answer["longitude"] == 106.7501
    report = Report.objects.get(tracking_code=answer["tracking_code"])
    assert report.location_source == "reporter"
    assert report.latitude == Decimal("21.845000")
    assert report.longitude == Decimal("106.750100")


# --- 3. Idempotency-Key ------------------------------------------------------------------


def test_a_resend_with_the_same_key_gets_the_first_answer_and_no_second_report(client):
    # Given Lan's app sent her report, and the answer was lost on a bad 3G connection
    first = post_json(client, lan_report(), key="lan-2025-03-01-001")
    assert first.status_code == 201, first.content

    # When the app sends the very same report again with the same key
    second = post_json(client, lan_report(), key="lan-2025-03-01-001")

    # Then it gets the same answer, tracking code and secret included
    assert second.status_code == 201, second.content
    assert second.json() == first.json()
    # And the province has one report, one event and one remembered key
    assert stored_rows() == {"reports": 1, "events": 1, "attachments": 0, "idempotency": 1}


def test_the_same_key_with_a_different_report_is_refused(client):
    first = post_json(client, lan_report(), key="lan-key")
    assert first.status_code == 201, first.content

    response = post_json(client, lan_report(description="Cây đổ chắn ngang đường."), key="lan-key")

    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "idempotency_key_reused"
    assert body["message"]
    assert "fields" in body
    assert Report.objects.count() == 1


def test_different_keys_make_different_reports(client):
    first = post_json(client, lan_report(), key="lan-key-1")
    second = post_json(client, lan_report(), key="lan-key-2")

    assert first.status_code == second.status_code == 201
    assert first.json()["tracking_code"] != second.json()["tracking_code"]
    assert Report.objects.count() == 2


def test_a_multipart_resend_with_the_same_key_stores_no_more_files(client, media_files):
    # Given a report with a photo sent once
    photo = jpeg_bytes(gps=LANG_SON)
    first = post_form(client, lan_report(), photos=[upload("a.jpg", photo)], key="lan-photo-1")
    assert first.status_code == 201, first.content
    files_after_first = media_files()
    assert len(files_after_first) == 2  # the photo and its thumbnail

    # When the app resends it, same key, same photo
    second = post_form(client, lan_report(), photos=[upload("a.jpg", photo)], key="lan-photo-1")

    # Then the answer is the first one, and nothing more is stored
    assert second.status_code == 201, second.content
    assert second.json() == first.json()
    assert Report.objects.count() == 1
    assert Attachment.objects.count() == 1
    assert media_files() == files_after_first


# --- 4. Following a report ---------------------------------------------------------------


def test_minh_follows_a_report_and_sees_no_personal_data(client):
    # Given Lan's report
    code = post_json(client, lan_report()).json()["tracking_code"]

    # When Minh looks it up by its tracking code
    response = client.get(f"{URL}/{code}")

    # Then he sees its status and the public timeline
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["tracking_code"] == code
    assert body["status"] == "submitted"
    with translation.override("vi"):
        assert body["status_label"] == str(Status.SUBMITTED.label)
    assert body["category"]["code"] == "ha-tang-do-thi"
    assert len(body["timeline"]) == 1
    assert body["timeline"][0]["kind"] == "submitted"
    assert body["timeline"][0]["status"] == "submitted"

    # And nothing about Lan
    text = every_text_of(response)
    for personal in (LAN_NAME, LAN_PHONE, LAN_PHONE_STORED, LAN_EMAIL, "reporter"):
        assert personal not in text


def test_a_tracking_code_typed_in_lower_case_with_spaces_is_found(client):
    code = post_json(client, lan_report()).json()["tracking_code"]
    typed = f" {code[:6].lower()} {code[6:].lower()} "  # " pa-26- 7k3q9m "

    response = client.get(f"{URL}/{quote(typed)}")

    assert response.status_code == 200, response.content
    assert response.json()["tracking_code"] == code


def test_an_unknown_tracking_code_is_a_json_404(client):
    response = client.get(f"{URL}/PA-25-ZZZZZZ")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["code"] == "report_not_found"
    assert body["message"]
    assert body["fields"] == {}


# --- 5. Categories and units -------------------------------------------------------------


def test_the_fifteen_default_categories_are_listed_in_order(client):
    response = client.get("/api/v1/categories")

    assert response.status_code == 200
    categories = response.json()
    assert [c["code"] for c in categories] == DEFAULT_CATEGORY_CODES
    assert all(c["name"] for c in categories)
    assert {"code", "name", "description"} <= set(categories[0])


def test_a_retired_category_is_not_listed_and_cannot_be_chosen(client):
    # Given the province retired "bao-ve-tre-em"
    Category.objects.filter(code="bao-ve-tre-em").update(is_active=False)

    # Then it is no longer offered
    listed = [c["code"] for c in client.get("/api/v1/categories").json()]
    assert "bao-ve-tre-em" not in listed
    assert len(listed) == 14

    # And a report filed under it is refused
    response = post_json(client, lan_report(category="bao-ve-tre-em"))
    assert response.status_code == 422
    assert response.json()["code"] == "unknown_category"
    assert "category" in response.json()["fields"]
    assert Report.objects.count() == 0


def test_units_lists_the_active_units(client, ioc, ward):
    unit_create(code="xa-cu", name="UBND Xã cũ", kind=UnitKind.COMMUNE, parent=ioc, is_active=False)

    response = client.get("/api/v1/units")

    assert response.status_code == 200
    assert sorted(u["code"] for u in response.json()) == ["ioc", "phuong-luong-van-tri"]
    by_code = {u["code"]: u for u in response.json()}
    assert by_code["phuong-luong-van-tri"]["parent_id"] == ioc.pk
    assert by_code["phuong-luong-van-tri"]["admin_code"] == 6124
    assert by_code["phuong-luong-van-tri"]["kind"] == "ward"


def test_units_of_kind_local_are_the_wards_and_communes(client, ioc, ward):
    response = client.get("/api/v1/units", {"kind": "local"})

    assert response.status_code == 200
    assert [u["id"] for u in response.json()] == [ward.pk]


def test_units_of_a_named_kind(client, ioc, ward):
    response = client.get("/api/v1/units", {"kind": "ioc"})

    assert response.status_code == 200
    assert [u["id"] for u in response.json()] == [ioc.pk]


def test_units_of_an_unknown_kind_is_a_422(client, ioc, ward):
    response = client.get("/api/v1/units", {"kind": "bogus"})

    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid_kind"
    assert "kind" in body["fields"]


# --- 6. Bad input ------------------------------------------------------------------------


def as_json(**changes):
    return lambda client, key: post_json(client, lan_report(**changes), key=key)


def raw_body(text: str):
    return lambda client, key: post_json(client, text, key=key)


def as_form(photos=(), documents=(), **changes):
    """Multipart; `photos` and `documents` are callables building fresh uploads."""

    def send(client, key):
        return post_form(
            client,
            lan_report(**changes),
            photos=[make() for make in photos],
            documents=[make() for make in documents],
            key=key,
        )

    return send


def good_photo():
    return upload("pho-hop-le.jpg", jpeg_bytes(gps=LANG_SON))


def text_named_photo():
    return upload("photo.jpg", b"This is not a photo, just text.\n" * 10, "image/jpeg")


def huge_photo():
    return upload("video-quay-lai.jpg", fifty_megabytes())


def two_megabyte_photo():
    return upload("lon.jpg", b"\xff\xd8\xff" + bytes(2 * 1024 * 1024))


def pdf_document():
    return upload("don.pdf", PDF, "application/pdf")


def jpeg_as_document():
    return upload("don.pdf", jpeg_bytes(), "application/pdf")


def bad(name, send, status, code, field=None, **limits):
    """One row of the bad-input table; `limits` are settings lowered for this row."""
    return pytest.param(send, status, code, field, limits, id=name)


BAD_INPUT = [
    bad("no-description", as_json(description=DROP), 422, "description_required", "description"),
    bad("blank-description", as_json(description="  \x00 "), 422, "description_required", "description"),
    bad("latitude-95", as_json(latitude=95, longitude=106.76), 422, "coordinate_out_of_range", "latitude"),
    bad("longitude-200", as_json(latitude=21.85, longitude=200), 422, "coordinate_out_of_range", "longitude"),
    bad("paris", as_json(latitude=48.85, longitude=2.35), 422, "location_outside_vietnam", "latitude"),
    bad("only-latitude", as_json(latitude=21.85), 422, "coordinate_missing", "longitude"),
    bad("only-longitude", as_json(longitude=106.76), 422, "coordinate_missing", "latitude"),
    bad("latitude-abc", as_json(latitude="abc", longitude=106.76), 422, "invalid_type", "latitude"),
    bad("latitude-list", as_json(latitude=[21.85], longitude=106.76), 422, "invalid_type", "latitude"),
    bad("latitude-bool", as_json(latitude=True, longitude=106.76), 422, "invalid_type", "latitude"),
    bad("unknown-category", as_json(category="khong-co-linh-vuc-nay"), 422, "unknown_category", "category"),
    bad("category-number", as_json(category=5), 422, "invalid_type", "category"),
    bad("unknown-commune", as_json(commune=999999), 422, "unknown_commune", "commune"),
    bad("unknown-kind", as_json(kind="petition"), 422, "invalid_kind", "kind"),
    bad("description-list", as_json(description=["a"]), 422, "invalid_type", "description"),
    bad("text-named-photo-jpg", as_form(photos=[text_named_photo]), 422, "unsupported_file_type", "photos"),
    bad(
        "good-and-fake-photo",
        as_form(photos=[good_photo, text_named_photo]),
        422,
        "unsupported_file_type",
        "photos",
    ),
    bad(
        "photo-as-document", as_form(documents=[jpeg_as_document]), 422, "unsupported_file_type", "documents"
    ),
    bad(
        "six-documents",
        as_form(photos=[good_photo], documents=[pdf_document] * 6),
        422,
        "too_many_documents",
        "documents",
    ),
    bad("photo-50-mb", as_form(photos=[huge_photo]), 413, "file_too_large", "photos"),
    bad(
        "request-over-limit",
        as_form(photos=[two_megabyte_photo]),
        413,
        "request_too_large",
        PHANANH_MAX_REQUEST_BYTES=1024 * 1024,
    ),
    bad("form-field-over-3-mb", as_form(description="x" * (3 * 1024 * 1024)), 413, "request_too_large"),
    bad("thirty-photos", as_form(photos=[good_photo] * 30), 422, "too_many_photos", "photos"),
    bad("description-100k", as_json(description="đ" * 100_000), 422, "description_too_long", "description"),
    bad("title-201", as_json(title="T" * 201), 422, "title_too_long", "title"),
    bad("no-consent", as_json(consent=False), 422, "consent_required", "consent"),
    bad("consent-missing", as_json(consent=DROP), 422, "consent_required", "consent"),
    bad("public-maybe", as_json(public="maybe"), 422, "invalid_type", "public"),
    bad(
        "no-contact",
        as_json(reporter_phone=DROP, reporter_email=DROP),
        422,
        "contact_required",
        "reporter_phone",
    ),
    bad("phone-12345", as_json(reporter_phone="12345"), 422, "invalid_phone", "reporter_phone"),
    bad("bad-email", as_json(reporter_email="lan@"), 422, "invalid_email", "reporter_email"),
    bad("malformed-json", raw_body('{"description": "Ổ gà", "consent": tru'), 400, "malformed_json"),
    bad("json-array", raw_body('[{"description": "Ổ gà", "consent": true}]'), 400, "malformed_json"),
    bad("empty-body", raw_body(""), 400, "malformed_json"),
    bad("channel-hotline", as_json(channel="hotline"), 422, "invalid_channel", "channel"),
    bad("channel-web", as_json(channel="web"), 422, "invalid_channel", "channel"),
]


@pytest.mark.parametrize(("send", "status", "code", "field", "limits"), BAD_INPUT)
def test_bad_input_is_refused_with_a_json_error_and_nothing_is_kept(
    client, settings, media_files, send, status, code, field, limits
):
    # Given the province's limits and nothing stored yet
    for name, value in limits.items():
        setattr(settings, name, value)
    assert settings.PHANANH_MAX_PHOTO_BYTES == 15 * 1024 * 1024
    rows_before, files_before = stored_rows(), media_files()

    # When a client sends the bad submission, with an Idempotency-Key
    response = send(client, "bad-input-key")

    # Then it gets a 4xx answer in the API's error format
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert {"code", "message", "fields"} <= set(body)
    assert body["code"] == code
    assert isinstance(body["message"], str) and body["message"]
    assert isinstance(body["fields"], dict)
    if field is not None:
        assert field in body["fields"], body
        assert all(isinstance(m, str) and m for m in body["fields"][field])

    # And nothing at all was kept: no row, no file, no remembered key
    assert stored_rows() == rows_before
    assert media_files() == files_before


def test_an_idempotency_key_that_is_too_long_is_refused(client):
    response = post_json(client, lan_report(), key="k" * 201)

    assert response.status_code == 422
    assert response.json()["code"] == "invalid_idempotency_key"
    assert "Idempotency-Key" in response.json()["fields"]
    assert Report.objects.count() == 0


def test_several_problems_are_reported_together(client):
    # Given a submission wrong in five ways
    body = lan_report(
        description="",
        category="khong-co",
        latitude=95,
        longitude=106.76,
        reporter_phone="12345",
        consent=False,
    )

    # When it is sent
    response = post_json(client, body)

    # Then every problem is listed, each under its field and with its own code
    assert response.status_code == 422
    answer = response.json()
    assert answer["code"] == "invalid_input"
    assert set(answer["fields"]) == {"description", "category", "latitude", "reporter_phone", "consent"}
    codes = {(e["field"], e["code"]) for e in answer["errors"]}
    assert codes == {
        ("description", "description_required"),
        ("category", "unknown_category"),
        ("latitude", "coordinate_out_of_range"),
        ("reporter_phone", "invalid_phone"),
        ("consent", "consent_required"),
    }
    assert all(e["message"] for e in answer["errors"])
    assert Report.objects.count() == 0


def test_a_missing_longitude_is_reported_together_with_other_problems(client):
    # Given a submission without description that gives a latitude but no longitude
    body = lan_report(description=DROP, latitude=21.85)

    response = post_json(client, body)

    # Then both problems are listed at once
    assert response.status_code == 422
    answer = response.json()
    assert answer["code"] == "invalid_input"
    assert {"description", "longitude"} <= set(answer["fields"])


def test_an_anonymous_report_needs_no_contact(client):
    body = lan_report(anonymous=True, reporter_phone=DROP, reporter_email=DROP, reporter_name=DROP)

    response = post_json(client, body)

    assert response.status_code == 201, response.content
    report = Report.objects.get(tracking_code=response.json()["tracking_code"])
    assert report.is_anonymous


def test_an_anonymous_report_keeps_no_contact_even_when_some_was_sent(client):
    # Given Lan ticks "anonymous" but her app still sends her name, phone and email
    response = post_json(client, lan_report(anonymous=True))

    # Then the report is taken, and none of her details are kept
    assert response.status_code == 201, response.content
    report = Report.objects.get(tracking_code=response.json()["tracking_code"])
    assert report.is_anonymous
    assert (report.reporter_name, report.reporter_phone, report.reporter_email) == ("", "", "")


# --- 7. Hostile and unusual text ---------------------------------------------------------


def test_markup_is_stored_as_typed(client):
    description = "<script>alert(1)</script><img src=x onerror=alert(2)>"
    title = '<b>Ổ gà</b> & "cống" <a href="javascript:alert(3)">xem</a>'

    response = post_json(client, lan_report(description=description, title=title))

    assert response.status_code == 201, response.content
    report = Report.objects.get(tracking_code=response.json()["tracking_code"])
    assert report.description == description
    assert report.title == title
    # The submit answer does not echo the text, so it cannot carry the markup back
    assert "<script>" not in response.content.decode()


def test_nul_and_bidi_override_characters_are_removed(client):
    response = post_json(
        client,
        lan_report(
            description="Cống\x00 bị tắc\u202e gnol",
            title="\u202eTiêu đề\x00",
            address="12 Trần\x00 Đăng Ninh\u2066",
        ),
    )

    assert response.status_code == 201, response.content
    report = Report.objects.get(tracking_code=response.json()["tracking_code"])
    assert report.description == "Cống bị tắc gnol"
    assert report.title == "Tiêu đề"
    assert report.address == "12 Trần Đăng Ninh"


def test_vietnamese_text_is_stored_nfc_normalised(client):
    # Given text typed on a keyboard that sends decomposed (NFD) Vietnamese
    nfc = "Đường Bà Triệu ngập nước sau mưa"
    nfd = unicodedata.normalize("NFD", nfc)
    assert nfd != nfc

    response = post_json(client, lan_report(description=nfd, title=nfd, reporter_name=nfd))

    assert response.status_code == 201, response.content
    report = Report.objects.get(tracking_code=response.json()["tracking_code"])
    assert report.description == nfc
    assert report.title == nfc
    assert report.reporter_name == nfc


def test_line_breaks_are_kept_and_normalised(client):
    response = post_json(client, lan_report(description="Dòng một\r\nDòng hai\rDòng ba\n"))

    assert response.status_code == 201, response.content
    report = Report.objects.get(tracking_code=response.json()["tracking_code"])
    assert report.description == "Dòng một\nDòng hai\nDòng ba"


# --- Malformed input must never be a server error ------------------------------------


def test_a_lone_surrogate_in_json_text_is_not_a_server_error():
    client = Client(raise_request_exception=False)
    rows_before = stored_rows()

    response = post_json(client, lan_report(description="Ổ gà \ud800 lớn"))

    assert response.status_code in (201, 400, 422), response.status_code
    assert response["Content-Type"].startswith("application/json")
    if response.status_code != 201:
        assert stored_rows() == rows_before


def test_deeply_nested_json_is_malformed_not_a_server_error():
    client = Client(raise_request_exception=False)

    response = post_json(client, "[" * 100_000)

    assert response.status_code == 400, response.status_code
    assert response.json()["code"] == "malformed_json"


def test_a_json_body_over_the_form_memory_limit_is_a_json_413():
    client = Client(raise_request_exception=False)

    response = post_json(client, lan_report(description="x" * (3 * 1024 * 1024)))

    assert response.status_code == 413, response.status_code
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["code"] == "request_too_large"


def test_a_category_code_with_a_nul_byte_is_unknown_not_a_server_error():
    client = Client(raise_request_exception=False)

    response = post_json(client, lan_report(category="moi-truong\x00"))

    assert response.status_code == 422, response.status_code
    assert response.json()["code"] == "unknown_category"


def test_a_tracking_code_with_a_nul_byte_is_not_found_not_a_server_error():
    client = Client(raise_request_exception=False)

    response = client.get(f"{URL}/PA-25-%00ZZZZZ")

    assert response.status_code == 404, response.status_code
    assert response.json()["code"] == "report_not_found"


# --- 8. Language of the messages ---------------------------------------------------------


def test_error_messages_are_in_vietnamese_by_default(client):
    response = post_json(client, lan_report(description=DROP))

    assert response.status_code == 422
    body = response.json()
    assert body["fields"]["description"] == ["Trường này là bắt buộc."]
    assert body["message"] == "Trường này là bắt buộc."


def test_error_messages_are_in_english_on_request(client):
    response = post_json(client, lan_report(description=DROP), HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 422
    body = response.json()
    assert body["fields"]["description"] == ["This field is required."]
    assert body["message"] == "This field is required."


# --- 9. OpenAPI and the docs page --------------------------------------------------------


def test_the_openapi_description_lists_every_endpoint_and_both_body_formats(client):
    response = client.get("/api/v1/openapi.json")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    spec = response.json()
    assert {
        "/api/v1/reports",
        "/api/v1/reports/{tracking_code}",
        "/api/v1/categories",
        "/api/v1/units",
    } <= set(spec["paths"])
    content = spec["paths"]["/api/v1/reports"]["post"]["requestBody"]["content"]
    assert {"application/json", "multipart/form-data"} <= set(content)
    multipart = content["multipart/form-data"]["schema"]
    assert multipart["properties"]["photos"]["type"] == "array"
    assert "description" in content["application/json"]["schema"]["properties"]


def test_the_docs_page_loads_swagger_from_our_own_static_files(client):
    response = client.get("/api/v1/docs")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    scripts = re.findall(r'<script[^>]*\bsrc="([^"]+)"', html)
    assert any("swagger-ui-bundle" in src for src in scripts)
    assert assets and all(url.startswith("/static/") for url in assets), assets
    assert "//" not in " ".join(assets)
    for cdn in ("cdn", "jsdelivr", "unpkg", "cloudflare", "googleapis"):
        assert cdn not in html.lower()
