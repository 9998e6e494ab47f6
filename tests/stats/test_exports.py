"""Excel exports, read back as the steering committee's secretary would open them.

Given this year: r1 at Sở Xây dựng (passed down to its Phòng Hạ tầng), r2 at Sở Y tế and overdue,
r3 rejected, r4 waiting, r5 resolved on time by Sở Xây dựng and rated satisfied. Đinh Văn Quang
(steering committee) exports the province; hung (Sở Xây dựng) his subtree; charlie (Sở Y tế)
must not export Sở Xây dựng's.
"""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from phananh.reports.models import Rating
from phananh.stats.facts import catch_up
from phananh.stats.selectors import Period
from phananh.stats.summary import summary
from phananh.workflow.models import Step, StepKind
from tests.staff import signed_in

pytestmark = pytest.mark.django_db
PHONE = "0912345678"


@pytest.fixture
def province(people, so_xd, so_yt, phong_ht, road, submit, act):
    lan, hung, tuan, binh = people["lan"], people["hung"], people["tuan"], people["binh"]
    r = {
        i: submit(
            f"Phản ánh số {i}",
            reporter_name="Nguyễn Thị Hoa",
            latitude=f"{21.846 + i * 0.004:.6f}",
            longitude=f"{106.757 + (i % 2) * 0.01:.6f}",
        )
        for i in range(1, 6)
    }
    act(r[1], lan, "accept", category=road.code, urgency="normal", lead_unit=so_xd.pk)
    act(r[1], hung, "dispatch", unit=phong_ht.pk)
    act(r[2], lan, "accept", category=road.code, urgency="normal", lead_unit=so_yt.pk)
    Step.objects.filter(report=r[2], kind=StepKind.HANDLING).update(
        deadline=timezone.now() - timedelta(days=3)
    )
    act(r[3], lan, "reject", reason="ngoai-dia-ban")
    act(r[5], lan, "accept", category=road.code, urgency="normal", lead_unit=so_xd.pk)
    act(r[5], hung, "assign", handler=tuan.pk)
    act(r[5], tuan, "submit_result", result="Đã vá ổ gà")
    act(r[5], binh, "approve_result")
    act(r[5], lan, "verify")
    act(r[5], lan, "close")
    Rating.objects.create(report=r[5], closure=1, value="satisfied")
    # The test's transaction never commits, so the event tasks do not run: the periodic job does.
    catch_up()
    return r


def this_year() -> Period:
    return Period.this_year()


def download(user, kind: str, **params):
    client = signed_in(Client(), user)
    year = this_year()
    query = {"from": year.start.isoformat(), "to": year.end.isoformat(), **params}
    return client.get(reverse("backoffice:dashboard_export", args=[kind]), query)


def sheet(response) -> list[tuple]:
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    return [tuple(row) for row in book.active.iter_rows(values_only=True)]


def test_the_summary_names_its_period_and_holds_summarys_numbers(province, people):
    rows = sheet(download(people["quang"], "tong-hop"))
    year = this_year()
    figures = summary(period=year)

    assert rows[0][0] == f"Phản ánh hiện trường, từ {year.start:%d/%m/%Y} đến {year.end:%d/%m/%Y}"
    assert rows[1][0] == "Toàn tỉnh; Mọi lĩnh vực; Mọi kênh"
    assert rows[2] == ("Chỉ tiêu", "Giá trị")
    values = dict(rows[3:])
    assert values["Tiếp nhận"] == figures.received == 5
    assert values["Đã xử lý"] == figures.resolved == 1
    assert values["Quá hạn hiện tại"] == figures.overdue_open == 1
    assert values["Tỷ lệ đúng hạn"] == figures.on_time_rate == 1.0
    assert values["Hài lòng"] == 1.0


def test_the_unit_table_has_vietnamese_headers_and_formats(province, people):
    response = download(people["quang"], "don-vi")
    rows = sheet(response)

    assert rows[2][:6] == (
        "Đơn vị",
        "Tiếp nhận",
        "Đã xử lý",
        "Tỷ lệ đúng hạn",
        "Xử lý trễ hạn",
        "Quá hạn hiện tại",
    )
    assert rows[2][-2:] == ("Hài lòng", "Chuyển trả")
    by_unit = {row[0]: row for row in rows[3:]}
    assert by_unit["Sở Xây dựng"][1:4] == (2, 1, 1.0)
    assert by_unit["Sở Y tế"][1:6] == (1, 0, None, 0, 1)


def test_shares_and_times_carry_their_number_formats(province, people):
    response = download(people["quang"], "don-vi")
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    ws = book.active
    xd = next(row for row in ws.iter_rows(min_row=4) if row[0].value == "Sở Xây dựng")

    assert xd[1].number_format == "#,##0"
    assert xd[3].number_format == "0.0%"
    assert ws["A1"].font.bold


def test_the_report_list_holds_every_report_received_and_no_personal_data(province, people):
    rows = sheet(download(people["quang"], "phan-anh"))

    assert rows[2][:3] == ("Mã tra cứu", "Thời gian gửi", "Lĩnh vực")
    codes = [row[0] for row in rows[3:]]
    assert sorted(codes) == sorted(r.tracking_code for r in province.values())
    assert len(codes) == summary(period=this_year()).received
    text = repr(rows)
    assert "Nguyễn Thị Hoa" not in text and PHONE not in text and "Phản ánh số" not in text
    overdue = next(row for row in rows[3:] if row[0] == province[2].tracking_code)
    assert overdue[6:8] == ("Đang xử lý", "Có")


def test_a_units_staff_export_their_subtree_only(province, people, so_yt):
    rows = sheet(download(people["hung"], "phan-anh"))

    assert sorted(row[0] for row in rows[3:]) == sorted(
        [province[1].tracking_code, province[5].tracking_code]
    )
    assert download(people["hung"], "phan-anh", unit=so_yt.pk).status_code == 403
    assert download(people["hung"], "don-vi", unit=so_yt.pk).status_code == 403


def test_the_scores_export_ranks_the_units(province, people):
    rows = sheet(download(people["quang"], "diem", score_year=timezone.localdate().year))

    assert rows[0][0] == f"Điểm đơn vị năm {timezone.localdate().year}"
    assert rows[2] == (
        "Xếp hạng",
        "Đơn vị",
        "Điểm",
        "Đúng hạn",
        "Hài lòng",
        "Không chuyển trả",
        "Không quá hạn",
        "Tiếp nhận đúng hạn",
    )
    # Sở Y tế resolved nothing and its one open report is overdue: only returns (10) and
    # overdue (15) count, (10 × 1 + 15 × 0) / 25.
    assert [row[:3] for row in rows[3:]] == [(1, "Sở Xây dựng", 100.0), (2, "Sở Y tế", 40.0)]


def test_an_unknown_export_is_not_found(province, people):
    assert download(people["quang"], "mat-khau").status_code == 404
