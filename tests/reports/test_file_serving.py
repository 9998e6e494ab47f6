"""A file leaves the app only after the access check, in the way the deployment serves files.

- On S3-compatible object storage (moto in server mode, a real HTTP server on 127.0.0.1):
  the file is written to the bucket, the app answers with a redirect to a signed URL that
  downloads it, and someone without access gets a 404, never a redirect.
- On the file system behind nginx (PHANANH_X_ACCEL_PREFIX): an empty answer that names the
  file under nginx's internal location, with the type and name nginx passes on.
- Otherwise: the file itself, streamed by the app.

lan operates the IOC and sees every report; charlie, of Sở Y tế, must see none of them.
"""

from __future__ import annotations

import urllib.request
from urllib.parse import urlsplit

import boto3
import pytest
from django.test import Client
from moto.server import ThreadedMotoServer

from phananh import settings as project_settings
from phananh.reports.files import Upload
from phananh.reports.intake import validate_submission
from phananh.reports.models import Attachment
from phananh.workflow.submission import report_submit
from tests.conftest import jpeg_bytes
from tests.staff import token_body

pytestmark = pytest.mark.django_db

BUCKET = "phananh-test-files"
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture(scope="module")
def s3_server():
    """A real S3-compatible server on a free loopback port, for this module's tests."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3_bucket(s3_server, settings):
    """The default storage on a fresh private bucket, configured as settings.py does it."""
    client = boto3.client(
        "s3",
        endpoint_url=s3_server,
        region_name="us-east-1",
        aws_access_key_id="phananh",
        aws_secret_access_key="phananh-secret",
    )
    client.create_bucket(Bucket=BUCKET)
    settings.PHANANH_S3_URL_SECONDS = 120
    settings.STORAGES = {
        **settings.STORAGES,
        "default": project_settings.s3_storage(
            BUCKET,
            endpoint_url=s3_server,
            region="us-east-1",
            url_seconds=120,
            access_key="phananh",
            secret_key="phananh-secret",
        ),
    }
    yield client
    objects = client.list_objects_v2(Bucket=BUCKET).get("Contents", [])
    for item in objects:
        client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)


def submit_with_files(description: str, *, photos: int = 1, document: bool = False):
    raw = {"description": description, "consent": True, "reporter_phone": "0912345678"}
    return report_submit(
        submission=validate_submission(raw, channel="web"),
        photos=[Upload(f"anh-{i}.jpg", jpeg_bytes(640, 480)) for i in range(photos)],
        documents=[Upload("don.pdf", PDF)] if document else [],
    )


def download(url: str):
    """Fetch a URL as the browser would after the redirect: (status, headers, body)."""
    with urllib.request.urlopen(url, timeout=10) as answer:  # noqa: S310 (a loopback test server)
        return answer.status, answer.headers, answer.read()


def test_on_object_storage_an_allowed_file_is_a_redirect_to_a_signed_url_that_downloads_it(
    people, login, s3_bucket, s3_server
):
    # Given a report sent with a photo and a document, on object storage
    submitted = submit_with_files("Ổ gà lớn trên đường Bà Triệu", document=True)
    photo = Attachment.objects.get(report=submitted.report, kind="photo")
    document = Attachment.objects.get(report=submitted.report, kind="document")

    # Then the photo, its thumbnail and the document are in the bucket, none of them public
    keys = {item["Key"] for item in s3_bucket.list_objects_v2(Bucket=BUCKET)["Contents"]}
    assert keys == {photo.file.name, photo.thumbnail.name, document.file.name}
    for key in keys:
        grants = s3_bucket.get_object_acl(Bucket=BUCKET, Key=key)["Grants"]
        assert not [g for g in grants if "AllUsers" in g["Grantee"].get("URI", "")]

    # When the IOC opens the photo
    ioc = login(people["lan"])
    response = ioc.get(f"/can-bo/tep/{photo.pk}/")

    # Then the app redirects to a signed URL of the store, which the browser may keep no longer
    # than the URL lives
    assert response.status_code == 302
    signed = response["Location"]
    assert signed.startswith(f"{s3_server}/{BUCKET}/{photo.file.name}?")
    assert "X-Amz-Signature=" in signed and "X-Amz-Expires=120" in signed
    assert response["Cache-Control"] == "private, max-age=60"
    assert response.content == b""

    # And that URL downloads the stored photo itself, named after the report
    status, headers, body = download(signed)
    assert status == 200
    assert body[:3] == b"\xff\xd8\xff" and body == photo.file.storage.open(photo.file.name).read()
    assert headers["Content-Type"] == "image/jpeg"
    assert f"{submitted.report.tracking_code}-{photo.pk}.jpg" in headers["Content-Disposition"]

    # And so do the thumbnail and the document, through their own addresses
    thumb = ioc.get(f"/can-bo/tep/{photo.pk}/thumb/")
    assert thumb.status_code == 302
    assert urlsplit(thumb["Location"]).path == f"/{BUCKET}/{photo.thumbnail.name}"
    assert download(thumb["Location"])[2][:3] == b"\xff\xd8\xff"
    pdf = ioc.get(f"/can-bo/tep/{document.pk}/")
    _status, headers, body = download(pdf["Location"])
    assert body == PDF and headers["Content-Type"] == "application/pdf"


def test_on_object_storage_someone_without_access_is_refused_before_any_redirect(people, login, s3_bucket):
    # Given a report with a photo, not dispatched to Sở Y tế
    submitted = submit_with_files("Cây đổ chắn ngang đường")
    photo = Attachment.objects.get(report=submitted.report)

    # When charlie asks for the photo on the staff pages, and through the staff API
    pages = login(people["charlie"]).get(f"/can-bo/tep/{photo.pk}/")
    token = Client().post("/api/v1/auth/token", token_body("charlie"), content_type="application/json")
    api = Client(headers={"Authorization": f"Bearer {token.json()['token']}"})
    by_api = api.get(f"/api/v1/staff/attachments/{photo.pk}")
    # And a visitor asks for it on the public page of the report, which is not published
    public = Client().get(f"/phan-anh/{submitted.report.tracking_code}/anh/{photo.pk}/")

    # Then each is refused with a 404 that names no URL of the store
    for response in (pages, by_api, public):
        assert response.status_code == 404
        assert "Location" not in response
        assert b"X-Amz" not in response.content


def test_on_object_storage_the_reporter_and_the_staff_api_get_signed_urls_of_their_own_file(
    people, s3_bucket
):
    # Given a report sent with a photo
    submitted = submit_with_files("Nắp cống bị vỡ")
    photo = Attachment.objects.get(report=submitted.report)
    code = submitted.report.tracking_code

    # When the reporter opens their tracking page with the secret, then their photo
    reporter = Client()
    assert reporter.get(f"/tra-cuu/{code}/", {"secret": submitted.secret}).status_code in (200, 302)
    mine = reporter.get(f"/tra-cuu/{code}/anh/{photo.pk}/")
    # And the IOC fetches the thumbnail through the staff API
    token = Client().post("/api/v1/auth/token", token_body("lan"), content_type="application/json")
    api = Client(headers={"Authorization": f"Bearer {token.json()['token']}"})
    by_api = api.get(f"/api/v1/staff/attachments/{photo.pk}", {"variant": "thumbnail"})

    # Then both are redirects to signed URLs that download the files
    assert mine.status_code == 302 and by_api.status_code == 302
    assert download(mine["Location"])[2] == photo.file.storage.open(photo.file.name).read()
    assert download(by_api["Location"])[2] == photo.thumbnail.storage.open(photo.thumbnail.name).read()

    # And another report's photo, asked for under the reporter's own code, is refused
    other = Attachment.objects.get(report=submit_with_files("Rác thải ở chợ").report)
    refused = reporter.get(f"/tra-cuu/{code}/anh/{other.pk}/")
    assert refused.status_code == 404 and "Location" not in refused


def test_behind_nginx_an_allowed_file_is_an_empty_answer_naming_it_for_nginx(people, login, settings):
    # Given files on disk, served by nginx from its internal location
    settings.PHANANH_X_ACCEL_PREFIX = "/_protected/"
    submitted = submit_with_files("Ổ gà lớn trên đường Bà Triệu", document=True)
    photo = Attachment.objects.get(report=submitted.report, kind="photo")
    document = Attachment.objects.get(report=submitted.report, kind="document")
    ioc = login(people["lan"])

    # When the IOC opens the photo and the document
    response = ioc.get(f"/can-bo/tep/{photo.pk}/")
    pdf = ioc.get(f"/can-bo/tep/{document.pk}/")

    # Then the app sends no bytes, only where nginx finds the file, with its type and name
    assert response.status_code == 200
    assert response.content == b""
    assert response["X-Accel-Redirect"] == f"/_protected/{photo.file.name}"
    assert (settings.MEDIA_ROOT / photo.file.name).is_file()
    assert response["Content-Type"] == "image/jpeg"
    code = submitted.report.tracking_code
    assert response["Content-Disposition"] == f'inline; filename="{code}-{photo.pk}.jpg"'
    assert response["Cache-Control"] == "private, max-age=3600"
    assert pdf["X-Accel-Redirect"] == f"/_protected/{document.file.name}"
    assert pdf["Content-Type"] == "application/pdf"
    assert (
        ioc.get(f"/can-bo/tep/{photo.pk}/thumb/")["X-Accel-Redirect"] == f"/_protected/{photo.thumbnail.name}"
    )

    # And charlie gets a 404 without any X-Accel-Redirect
    refused = login(people["charlie"]).get(f"/can-bo/tep/{photo.pk}/")
    assert refused.status_code == 404 and "X-Accel-Redirect" not in refused

    # And a file gone from the disk is a 404 from the app, not nginx's
    (settings.MEDIA_ROOT / photo.file.name).unlink()
    assert ioc.get(f"/can-bo/tep/{photo.pk}/").status_code == 404


def test_without_nginx_or_object_storage_the_app_streams_the_file_itself(people, login, settings):
    # Given files on disk and no internal location of nginx
    settings.PHANANH_X_ACCEL_PREFIX = ""
    submitted = submit_with_files("Ổ gà lớn trên đường Bà Triệu")
    photo = Attachment.objects.get(report=submitted.report)

    # When the IOC opens the photo
    response = login(people["lan"]).get(f"/can-bo/tep/{photo.pk}/")

    # Then the bytes come from the app
    assert response.status_code == 200
    assert "X-Accel-Redirect" not in response
    assert b"".join(response.streaming_content) == (settings.MEDIA_ROOT / photo.file.name).read_bytes()
