"""Givens shared by the public side's tests (this module has no tests of its own).

Reports reach the public side two ways here: `handle` takes one through the real workflow
(photos before, a result with photos after, verification, publication, closure), and
`publish_directly` sets the publication fields of many at once where only they matter (lists,
search, the map).
"""

# The shared fixtures are imported by name, then asked for by name: not redefinitions.
# ruff: noqa: F811

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db.models import F
from django.utils import timezone

from phananh.reports.files import Upload
from phananh.reports.intake import validate_submission
from phananh.reports.models import Rating, Report
from phananh.reports.statuses import Status
from phananh.workflow.services import transition
from phananh.workflow.submission import report_submit
from tests.conftest import jpeg_bytes

# The workflow's people and units.
from tests.workflow.conftest import act, people, phong_ht, road, so_xd, so_yt, submit  # noqa: F401

# Someone whose details must never be seen on the public side.
REPORTER = {
    "reporter_name": "Trần Thị Bích Ngọc",
    "reporter_phone": "0987 654 321",
    "reporter_email": "bichngoc.tran@example.vn",
}
# Every form the details could take on a page: as typed, as stored, folded for search.
PERSONAL = [
    "Trần Thị Bích Ngọc",
    "Bích Ngọc",
    "tran thi bich ngoc",
    "0987654321",
    "0987 654 321",
    "987654321",
    "bichngoc.tran",
    "bichngoc.tran@example.vn",
]
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def send(description: str = "Ổ gà lớn trên đường Bà Triệu", *, photos: int = 0, **values) -> Report:
    """A citizen sends a report from the web, with this many photos."""
    raw = {"description": description, "consent": True, **REPORTER, **values}
    uploads = [Upload(f"truoc-{i}.jpg", jpeg_bytes()) for i in range(photos)]
    return report_submit(submission=validate_submission(raw, channel="web"), photos=uploads).report


def handle(
    report: Report,
    people: dict,
    unit,
    category: str = "ha-tang-do-thi",
    *,
    result: str = "Đã vá ổ gà, mặt đường đã phẳng.",
    after_photos: int = 1,
    documents: int = 0,
    publish: bool = True,
    close: bool = True,
) -> Report:
    """The report goes through the whole workflow: accepted, dispatched, handled, verified, published."""
    lan, hung, tuan, binh = people["lan"], people["hung"], people["tuan"], people["binh"]
    transition(report=report, actor=lan, action="accept", data={"category": category, "urgency": "normal"})
    transition(
        report=report, actor=lan, action="dispatch", data={"unit": unit.pk, "note": "Nội bộ: xử lý gấp"}
    )
    transition(report=report, actor=hung, action="assign", data={"handler": tuan.pk})
    transition(
        report=report,
        actor=tuan,
        action="submit_result",
        data={"result": result},
        photos=[Upload(f"sau-{i}.jpg", jpeg_bytes()) for i in range(after_photos)],
        documents=[Upload(f"bien-ban-{i}.pdf", PDF) for i in range(documents)],
    )
    transition(report=report, actor=binh, action="approve_result", data={})
    transition(report=report, actor=lan, action="verify", data={"note": "Nội bộ: đã kiểm tra"})
    if publish:
        # lan looked at what the redaction highlights (here the house in the address) and
        # publishes the texts as written: the redaction's own tests take such things out.
        transition(
            report=report, actor=lan, action="publish", data={"public": True, "confirm_personal_data": True}
        )
    if close:
        transition(report=report, actor=lan, action="close", data={})
    report.refresh_from_db()
    return report


def rate(report: Report, value: str, comment: str = "", closure: int = 1) -> Rating:
    return Rating.objects.create(report=report, closure=closure, value=value, comment=comment)


def publish_directly(report: Report, *, status: str = Status.CLOSED, when=None, **changes) -> Report:
    """Mark the report published as the workflow leaves it, without walking the workflow.

    Its public copy is its own text, as an operator who found nothing to redact leaves it.
    """
    when = when or timezone.now()
    fields = {
        "status": status,
        "is_public": True,
        "published_at": when,
        "resolved_at": when - timedelta(hours=1),
        "public_title": F("title"),
        "public_description": F("description"),
        "public_address": F("address"),
        **changes,
    }
    Report.objects.filter(pk=report.pk).update(**fields)
    report.refresh_from_db()
    return report


def at(lat: str, lon: str) -> dict:
    """A place as the intake form sends it."""
    return {"latitude": lat, "longitude": lon}


@pytest.fixture
def handled(people, so_xd, road):
    """A report sent with two photos, handled with one photo and a PDF, published, closed, rated."""
    report = send(
        "Đường Trần Đăng Ninh ngập nước sau mưa, xe máy chết máy giữa đường.",
        photos=2,
        title="Ngập nước đường Trần Đăng Ninh",
        latitude="21.846912",
        longitude="106.757648",
        address="Số 15 Trần Đăng Ninh",
    )
    report = handle(report, people, so_xd, documents=1)
    rate(report, "satisfied", comment="Cảm ơn, tôi là Bích Ngọc ở số 15")
    return report
