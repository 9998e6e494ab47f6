"""Tải dữ liệu: Hoa downloads her data about her report, from the API and from her tracking page.

It holds what she sent, the progress as her page shows it, her photos as stored and the messages
sent to her; nothing of Nam (merged into her report), of Lâm (who follows it), or of the staff's
internal notes. A wrong, forged or other report's secret gets nothing, and writes nothing.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile
from datetime import datetime

import pytest
from django.test import Client

from phananh.notify.models import Delivery
from phananh.reports.models import Report
from phananh.workflow.models import Event, EventKind
from phananh.workflow.public import public_timeline
from tests.portal.test_pages import Page

from .conftest import ANSWER, HOA_EMAIL, HOA_NAME, HOA_PHONE, HOA_ZALO, LAM_EMAIL, NAM, QUESTION, STAFF_NOTE

pytestmark = pytest.mark.django_db


def download(code: str, secret, fmt: str = "zip"):
    body = {"secret": secret, "format": fmt}
    return Client().post(f"/api/v1/reports/{code}/data", body, content_type="application/json")


def unzip(response) -> tuple[dict, dict[str, bytes]]:
    content = b"".join(response.streaming_content)
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    return json.loads(files.pop("du-lieu.json")), files


def same_times(part):
    """`part` with its times as moments to the millisecond: the JSON answer writes them shorter."""
    if isinstance(part, dict):
        return {key: same_times(value) for key, value in part.items()}
    if isinstance(part, list):
        return [same_times(value) for value in part]
    if isinstance(part, str) and re.fullmatch(r"\d{4}-\d\d-\d\dT[\d:.]+(Z|[+-]\d\d:\d\d)", part):
        moment = datetime.fromisoformat(part)
        return moment.replace(microsecond=moment.microsecond // 1000 * 1000)
    return part


def exports() -> list[Event]:
    return list(Event.objects.filter(kind=EventKind.DATA_EXPORTED))


def test_hoa_downloads_what_she_sees_and_nothing_of_anybody_else(case):
    report, secret = case["report"], case["hoa"]["secret"]

    # When Hoa downloads her data with her secret
    response = download(report.tracking_code, secret)

    # Then she gets a ZIP that no cache keeps
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert f'filename="{report.tracking_code}.zip"' in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"]
    document, files = unzip(response)
    assert (document["format"], document["format_version"]) == ("phananh.reporter-data", 1)

    # With her report as she sent it, her contact, and the consent text she was shown
    assert document["report"]["tracking_code"] == report.tracking_code
    assert document["report"]["description"] == report.description
    assert document["report"]["category"] == {"code": "ha-tang-do-thi", "name": "Hạ tầng đô thị"}
    assert document["reporter"] | {"personal_data_erased_at": None} == {
        "name": HOA_NAME,
        "phone": HOA_PHONE,
        "email": HOA_EMAIL,
        "zalo_user_id": HOA_ZALO,
        "anonymous": False,
        "contact_channel": "",
        "no_messages": False,
        "personal_data_erased_at": None,
    }
    assert document["consent"]["version"] == "v2"
    assert document["consent"]["text"].startswith("Tôi đồng ý cho xử lý dữ liệu cá nhân của tôi")

    # And the progress as her tracking page shows it to her: the question, her answer
    shown = [(step.kind, step.note) for step in public_timeline(report, for_reporter=True)]
    assert [(step["kind"], step["note"]) for step in document["timeline"]] == shown
    assert (EventKind.INFO_REQUESTED, QUESTION) in shown and (EventKind.INFO_PROVIDED, ANSWER) in shown
    assert all(set(step) == {"kind", "label", "at", "status", "note"} for step in document["timeline"])

    # And her two photos, as stored, byte for byte
    assert set(files) == {"doc-truoc.txt", "tep/01-photo.jpg", "tep/02-photo.jpg"}
    stored = {a.sha256: a for a in report.attachments.all()}
    for entry in document["files"]:
        content = files[entry["path"]]
        assert hashlib.sha256(content).hexdigest() == entry["sha256"]
        with stored[entry["sha256"]].file.open("rb") as original:
            assert original.read() == content
    assert [entry["step"] for entry in document["files"]] == [EventKind.SUBMITTED, EventKind.INFO_PROVIDED]

    # And every message sent to her (received, dispatched, the question, her follow-up by email)
    messages = document["messages"]
    assert len(messages) == Delivery.objects.filter(to_address=HOA_EMAIL).count() >= 4
    assert {m["to"] for m in messages} == {HOA_EMAIL}
    assert {"report_received", "report_dispatched", "info_requested", "follower_confirm"} <= {
        m["purpose"] for m in messages
    }

    # But nothing of Nam's report, of Lâm, or of the staff's note
    everything = json.dumps(document, ensure_ascii=False) + files["doc-truoc.txt"].decode()
    for other in (STAFF_NOTE, case["nam"]["tracking_code"], LAM_EMAIL, *NAM.values()):
        assert other not in everything


def test_the_download_is_a_step_on_the_internal_timeline_without_data(case):
    report, secret = case["report"], case["hoa"]["secret"]
    public_before = Client().get(f"/api/v1/reports/{report.tracking_code}").json()["timeline"]

    download(report.tracking_code, secret, fmt="json")

    [event] = exports()
    assert (event.report_id, event.is_public, event.actor_id, event.actor_label) == (
        report.pk,
        False,
        None,
        "reporter",
    )
    assert event.data == {"via": "api", "format": "json", "files": 2}
    # Nobody else sees that she downloaded anything
    assert Client().get(f"/api/v1/reports/{report.tracking_code}").json()["timeline"] == public_before


def test_the_json_document_is_the_zip_document_without_the_files(case):
    report, secret = case["report"], case["hoa"]["secret"]

    as_json = download(report.tracking_code, secret, fmt="json")
    in_zip, _files = unzip(download(report.tracking_code, secret))

    assert as_json.status_code == 200
    assert as_json["Content-Type"].startswith("application/json")
    document = as_json.json()
    assert [f["path"] for f in document["files"]] == [f["path"] for f in in_zip["files"]]
    for part in ("report", "reporter", "consent", "ratings"):
        assert same_times(document[part]) == same_times(in_zip[part]), part
    assert len(document["messages"]) == len(in_zip["messages"])


@pytest.mark.parametrize("who", ["wrong", "forged", "nam", "missing"])
def test_a_secret_that_is_not_this_reports_gets_nothing(case, who):
    report = case["report"]
    secret = {
        "wrong": "x" * 32,
        # What looks like a secret: Hoa's with its last character changed
        "forged": case["hoa"]["secret"][:-1] + ("A" if case["hoa"]["secret"][-1] != "A" else "B"),
        "nam": case["nam"]["secret"],
        "missing": "",
    }[who]

    response = download(report.tracking_code, secret)

    assert response.status_code == 403
    assert response.json()["code"] == "invalid_secret"
    assert exports() == []


def test_hoas_secret_does_not_open_nams_report_nor_an_unknown_one(case):
    assert download(case["nam"]["tracking_code"], case["hoa"]["secret"]).json()["code"] == "invalid_secret"
    response = download("PA-26-ZZZZZZ", case["hoa"]["secret"])
    assert (response.status_code, response.json()["code"]) == (404, "report_not_found")
    response = Client().post(
        f"/api/v1/reports/{case['report'].tracking_code}/data", {}, content_type="application/json"
    )
    assert response.status_code == 422
    assert exports() == []


def proved(code: str, secret: str) -> Client:
    browser = Client()
    assert browser.get(f"/tra-cuu/{code}/", {"secret": secret}).status_code == 302
    return browser


def test_hoa_downloads_from_her_tracking_page(case):
    report = case["report"]
    hoa = proved(report.tracking_code, case["hoa"]["secret"])

    # Her page offers the download; the public page does not
    assert Page(hoa.get(f"/tra-cuu/{report.tracking_code}/")).find("download-data") is not None
    assert Page(Client().get(f"/tra-cuu/{report.tracking_code}/")).find("your-data") is None

    response = hoa.post(f"/tra-cuu/{report.tracking_code}/du-lieu/")

    assert response.status_code == 200
    document, files = unzip(response)
    assert document["reporter"]["name"] == HOA_NAME
    assert len(files) == 3
    assert exports()[0].data["via"] == "page"


def test_the_page_download_needs_the_private_link_of_that_report(case):
    report = case["report"]
    url = f"/tra-cuu/{report.tracking_code}/du-lieu/"
    nam = proved(case["nam"]["tracking_code"], case["nam"]["secret"])

    for browser in (Client(), nam):
        response = browser.post(url)
        assert response.status_code == 403
        assert Page(response).find("your-data") is None
    assert Client().get(url).status_code == 405
    assert exports() == []
    assert Report.objects.get(pk=report.pk).reporter_name == HOA_NAME


def test_the_openapi_says_the_download_is_a_zip_or_the_json_document():
    paths = Client().get("/api/v1/openapi.json").json()["paths"]
    answers = paths["/api/v1/reports/{tracking_code}/data"]["post"]["responses"]

    assert set(answers["200"]["content"]) == {"application/json", "application/zip"}
    assert answers["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ReporterDataOut"
    }
    assert {"403", "404", "422"} <= set(answers)
    assert {"200", "403", "404", "422"} <= set(
        paths["/api/v1/reports/{tracking_code}/erasure"]["post"]["responses"]
    )
