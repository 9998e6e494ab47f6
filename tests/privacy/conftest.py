"""The reporter's rights, on one case with everybody in it.

Hoa (Trần Thị Hoa, 0912345678, hoa.tran@example.vn) sends a report about a blocked drain from
her phone at 203.0.113.77, through the API, with a photo; she writes her own name and number in
it. She follows it by email too. Lâm follows it by email; Nam's report about the same drain is
merged into it. Lan (IOC) accepts it with a staff note that names Hoa and dispatches it to Sở
Xây dựng, where Hưng asks Hoa a question; Hoa answers with a second photo. Messages go to Hoa
by email.
"""

# ruff: noqa: F811 (the workflow's fixtures, imported here, are parameters of the fixtures below)

from __future__ import annotations

import json

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client

from phananh.notify import followers as follow
from phananh.reports.models import Report
from phananh.workflow.services import transition
from tests.conftest import jpeg_bytes

# The workflow's named people and units.
from tests.workflow.conftest import act, people, phong_ht, road, so_xd, so_yt, submit  # noqa: F401

HOA_NAME = "Trần Thị Hoa"
HOA_PHONE = "0912345678"
HOA_EMAIL = "hoa.tran@example.vn"
HOA_IP = "203.0.113.77"
# Set on her report the way the Zalo channel stores it, to be erased with the rest.
HOA_ZALO = "zalo-8837261904"
# Every trace of Hoa that must go; her phone also as she typed it in her text.
HOA_TRACES = (HOA_NAME, HOA_PHONE, "0912 345 678", HOA_EMAIL, HOA_IP, HOA_ZALO)
LAM_EMAIL = "lam.pham@example.vn"
NAM = {"reporter_name": "Lê Văn Nam", "reporter_phone": "0987654321", "reporter_email": "nam.le@example.vn"}
STAFF_NOTE = f"Đã gọi cho chị {HOA_NAME} ({HOA_PHONE}) để hỏi thêm vị trí."
QUESTION = f"Chị {HOA_NAME} cho biết cống bị tắc từ bao giờ?"
ANSWER = "Cống tắc từ tuần trước, nước tràn ra đường."


@pytest.fixture(autouse=True)
def _fresh_cache():
    # The follow form's rate limit lives in the cache, which outlives a test.
    cache.clear()
    yield
    cache.clear()


def photo(name: str, colour_width: int = 64) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, jpeg_bytes(colour_width, 48), content_type="image/jpeg")


def api_submit(client: Client, values: dict, *, ip: str, photos=(), key: str = "") -> dict:
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    response = client.post(
        "/api/v1/reports", {**values, "consent": "true", "photos": list(photos)}, REMOTE_ADDR=ip, **headers
    )
    assert response.status_code == 201, response.content
    return response.json()


@pytest.fixture
def case(people, so_xd, django_capture_on_commit_callbacks):
    """Everything above, with what each task that follows a commit did."""
    lan = people["lan"]
    with django_capture_on_commit_callbacks(execute=True):
        hoa = api_submit(
            Client(),
            {
                "title": "Cống tắc ngõ 12 Bà Triệu",
                "description": f"Cống trước nhà số 5 ngõ 12 Bà Triệu bị tắc. Tôi là {HOA_NAME}, "
                "cần gì xin gọi 0912 345 678.",
                "reporter_name": HOA_NAME,
                "reporter_phone": HOA_PHONE,
                "reporter_email": HOA_EMAIL,
            },
            ip=HOA_IP,
            photos=[photo("cong.jpg")],
            key="hoa-phone-0001",
        )
    report = Report.objects.get(tracking_code=hoa["tracking_code"])
    Report.objects.filter(pk=report.pk).update(zalo_user_id=HOA_ZALO)

    # Hoa and Lâm follow the report by email, and confirm.
    for email, ip in ((HOA_EMAIL, HOA_IP), (LAM_EMAIL, "198.51.100.20")):
        with django_capture_on_commit_callbacks(execute=True):
            follow.follow_request(report=report, email=email, client=ip)
        follow.follow_confirm(token=follow.confirm_token(report.followers.get(email=email)))

    # Nam's report about the same drain is merged into Hoa's.
    with django_capture_on_commit_callbacks(execute=True):
        nam = api_submit(
            Client(), {"description": "Cống ngõ 12 Bà Triệu tắc, nước tràn.", **NAM}, ip="198.51.100.30"
        )
    nam_report = Report.objects.get(tracking_code=nam["tracking_code"])
    with django_capture_on_commit_callbacks(execute=True):
        transition(report=nam_report, actor=lan, action="merge", data={"into": report.tracking_code})

    # Lan accepts it with a note for her colleagues and dispatches it; Hưng, at Sở Xây dựng, asks
    # Hoa a question.
    with django_capture_on_commit_callbacks(execute=True):
        report.refresh_from_db()
        transition(
            report=report,
            actor=lan,
            action="accept",
            data={"category": "ha-tang-do-thi", "lead_unit": so_xd.pk, "note": STAFF_NOTE},
        )
    with django_capture_on_commit_callbacks(execute=True):
        report.refresh_from_db()
        transition(report=report, actor=people["hung"], action="request_info", data={"question": QUESTION})

    # Hoa answers through the API with a second photo.
    with django_capture_on_commit_callbacks(execute=True):
        response = Client().post(
            f"/api/v1/reports/{report.tracking_code}/info",
            {"secret": hoa["secret"], "text": ANSWER, "photos": [photo("cong-2.jpg", 80)]},
            REMOTE_ADDR=HOA_IP,
        )
    assert response.status_code == 200, response.content
    report.refresh_from_db()
    return {"hoa": hoa, "report": report, "nam": nam, "nam_report": nam_report}


def _dump_sqlite() -> str:
    return "\n".join(connection.connection.iterdump())


def _dump_tables() -> str:
    """Every row of every table, as text: what a dump of the database would hold."""
    lines = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608 (a table's own name)
            lines += [repr(row) for row in cursor.fetchall()]
    return "\n".join(lines)


def database_dump() -> str:
    """The whole database as text: SQLite's own dump, or every row of every table elsewhere."""
    connection.ensure_connection()
    return _dump_sqlite() if connection.vendor == "sqlite" else _dump_tables()


def traces_in_database(traces=HOA_TRACES) -> list[str]:
    """Which of `traces` the database still holds anywhere, as text or inside JSON (escaped)."""
    dump = database_dump().lower()
    found = []
    for trace in traces:
        forms = {trace.lower(), json.dumps(trace)[1:-1].lower(), json.dumps(trace)[1:-1]}
        if any(form in dump for form in forms):
            found.append(trace)
    return found
