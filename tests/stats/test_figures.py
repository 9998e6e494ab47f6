"""Public statistics on a small data set whose every number is known.

Received this year: 9 reports.
- r1 waits for reception; r8 was asked for information before it was accepted (still waiting).
- r2 and r3 were rejected (a duplicate, out of the province).
- r7 was merged into r4.
- r4 is at Sở Xây dựng; r9 was passed down to its Phòng Hạ tầng and waits for the reporter.
- r5 was resolved on time and closed, rated satisfied.
- r6 was resolved late (its handling ran past the deadline), rated unsatisfied, then, after a
  second closure, acceptable.
r10 was received last year.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone

from phananh.reports.models import Rating, Report
from phananh.stats.facts import catch_up
from phananh.stats.selectors import Period, headline, public_figures
from phananh.workflow.models import Step, StepKind
from tests.portal.test_pages import Page

pytestmark = pytest.mark.django_db

NOT_CLASSIFIED = "Chưa phân loại"


@pytest.fixture
def year(people, so_xd, phong_ht, road, submit, act):
    lan, hung, tuan, binh = people["lan"], people["hung"], people["tuan"], people["binh"]

    def accepted(report, unit=so_xd):
        act(report, lan, "accept", category=road.code, urgency="normal")
        act(report, lan, "dispatch", unit=unit.pk)
        return report

    def resolved(report, *, late=False):
        accepted(report)
        act(report, hung, "assign", handler=tuan.pk)
        if late:
            # The handling deadline passed before the result came.
            Step.objects.filter(report=report, kind=StepKind.HANDLING).update(
                deadline=timezone.now() - timedelta(hours=1)
            )
        act(report, tuan, "submit_result", result="Đã xử lý")
        act(report, binh, "approve_result")
        act(report, lan, "verify")
        act(report, lan, "close")
        return report

    r = {i: submit(f"Phản ánh số {i}") for i in range(1, 11)}
    act(r[2], lan, "reject", reason="trung-lap")
    act(r[3], lan, "reject", reason="ngoai-dia-ban")
    accepted(r[4])
    resolved(r[5])
    resolved(r[6], late=True)
    act(r[7], lan, "merge", into=r[4].tracking_code)
    act(r[8], lan, "request_info", question="Ở đâu?")
    accepted(r[9])
    act(r[9], hung, "dispatch", unit=phong_ht.pk)
    act(r[9], hung, "request_info", question="Số nhà?")
    Rating.objects.create(report=r[5], closure=1, value="satisfied")
    Rating.objects.create(report=r[6], closure=1, value="unsatisfied", comment="Chưa xong")
    Rating.objects.create(report=r[6], closure=2, value="acceptable")
    last_year = timezone.now().replace(year=timezone.now().year - 1)
    Report.objects.filter(pk=r[10].pk).update(created_at=last_year)
    # The ratings and the dates above were written directly: the figures are read again
    # from the raw rows, as the periodic job does.
    catch_up()
    return r


def test_the_counts_of_the_year_add_up(year):
    c = public_figures(Period.this_year()).counts

    assert (c.received, c.waiting, c.accepted, c.dispatched) == (9, 2, 4, 4)
    assert (c.rejected.total, c.merged, c.in_progress, c.resolved, c.resolved_late) == (2, 1, 2, 2, 1)
    assert c.waiting + c.rejected.total + c.merged + c.accepted == c.received
    assert (c.resolved_on_time, c.on_time_rate) == (1, 0.5)


def test_rejections_are_counted_by_reason(year):
    assert public_figures(Period.this_year()).rejected_by_reason == [
        ("Ngoài địa bàn tỉnh", 1),
        ("Trùng lặp", 1),
    ]


def test_satisfaction_counts_each_reports_latest_rating(year):
    ratings = public_figures(Period.this_year()).counts.ratings

    assert (ratings.satisfied.count, ratings.acceptable.count, ratings.unsatisfied.count) == (1, 1, 0)
    assert ratings.total == 2
    assert ratings.satisfied.share == 0.5


def test_the_breakdowns_by_field_and_by_unit(year, road, so_xd):
    figures = public_figures(Period.this_year())

    by_field = {row.label: row.counts for row in figures.by_field}
    assert set(by_field) == {road.name, NOT_CLASSIFIED}
    assert (
        by_field[road.name].received,
        by_field[road.name].resolved,
        by_field[road.name].resolved_late,
    ) == (
        4,
        2,
        1,
    )
    assert by_field[NOT_CLASSIFIED].received == 5
    # The report passed down to the division counts for the department that answers for it
    assert [(row.label, row.counts.received, row.counts.in_progress) for row in figures.by_unit] == [
        (so_xd.name, 4, 2)
    ]


def test_a_period_counts_the_reports_received_in_it(year):
    this_year = timezone.localdate().year
    last = Period(date(this_year - 1, 1, 1), date(this_year - 1, 12, 31))
    both = Period(date(this_year - 1, 1, 1), timezone.localdate())

    assert public_figures(last).counts.received == 1
    assert public_figures(last).counts.waiting == 1
    assert public_figures(both).counts.received == 10


def test_a_day_is_the_deployments_day(db, settings):
    # 00:30 on 1 January in Vietnam is still 31 December in UTC
    zone = timezone.get_current_timezone()
    new_year = datetime(2026, 1, 1, 0, 30, tzinfo=zone)
    start, end = Period(date(2026, 1, 1), date(2026, 1, 1)).bounds()

    assert start <= new_year < end
    assert start.utcoffset() == timedelta(hours=7)


def test_the_home_page_headline_is_the_same_as_the_statistics(year):
    counts, satisfaction = headline(Period.this_year())
    full = public_figures(Period.this_year()).counts

    assert (counts.received, counts.resolved, counts.resolved_late) == (9, 2, 1)
    assert satisfaction.counts == {"satisfied": 1, "acceptable": 1, "unsatisfied": 0}
    assert counts == full


def test_the_statistics_page_shows_the_numbers_in_tables(client, year, so_xd):
    page = Page(client.get("/thong-ke/"))

    summary = {
        tr.attrs["data-key"]: [td.text for td in tr.iter() if td.tag == "td"][0]
        for tr in page.get("table-summary").iter()
        if tr.tag == "tr" and "data-key" in tr.attrs
    }
    assert summary == {
        "received": "9",
        "waiting": "2",
        "accepted": "4",
        "dispatched": "4",
        "rejected": "2",
        "merged": "1",
        "in_progress": "2",
        "overdue_open": "0",
        "resolved": "2",
        "resolved_on_time": "1",
        "resolved_late": "1",
        "on_time_rate": "50%",
        # Sở Xây dựng and its Phòng Hạ tầng each lead one
        "participating_units": "2",
    }
    satisfaction = {
        tr.attrs["data-key"]: [td.text for td in tr.iter() if td.tag == "td"]
        for tr in page.get("table-satisfaction").iter()
        if tr.tag == "tr" and "data-key" in tr.attrs
    }
    assert satisfaction == {"satisfied": ["1", "50%"], "acceptable": ["1", "50%"], "unsatisfied": ["0", "0%"]}
    units = [
        [cell.text for cell in tr.iter() if cell.tag in ("th", "td")]
        for tr in page.get("table-units").iter()
        if tr.tag == "tr"
    ]
    assert units[1] == [so_xd.name, "4", "2", "2", "1", "1", "50%"]
    assert "Trùng lặp" in page.get("table-rejected").text
    # The charts get the same numbers
    charts = json.loads(page.get("chart-data").text)
    assert {item["key"]: item["value"] for item in charts["status"]} == {
        "waiting": 2,
        "rejected": 2,
        "merged": 1,
        "in_progress": 2,
        "resolved": 2,
    }
    assert charts["units"]["labels"] == [so_xd.name]
    assert {s["key"]: s["values"] for s in charts["units"]["series"]} == {
        "resolved": [2],
        "in_progress": [2],
        "other": [0],
    }


def summary_value(page: Page, key: str) -> str:
    row = next(tr for tr in page.get("table-summary").iter() if tr.attrs.get("data-key") == key)
    return next(td for td in row.iter() if td.tag == "td").text


def test_the_statistics_page_takes_a_period(client, year):
    this_year = timezone.localdate().year

    page = Page(client.get("/thong-ke/", {"from": f"{this_year - 1}-01-01", "to": f"{this_year - 1}-12-31"}))

    assert summary_value(page, "received") == "1"
    assert f"01/01/{this_year - 1}" in page.get("period").text
    assert f"31/12/{this_year - 1}" in page.get("period").text


def test_a_wrong_period_falls_back_to_this_year_and_says_what_is_wrong(client, year):
    page = Page(client.get("/thong-ke/", {"from": "2026-13-45"}))

    assert page.status == 200
    assert page.find("from-errors") is not None
    assert summary_value(page, "received") == "9"


def test_statistics_are_counts_only(client, year):
    html = client.get("/thong-ke/").content.decode()

    for report in Report.objects.all():
        assert report.tracking_code not in html
        assert report.description not in html
    assert "0912345678" not in html


def test_an_empty_year_has_no_rates(db):
    figures = public_figures(Period.this_year())

    assert figures.counts.received == 0
    assert figures.counts.on_time_rate is None
    assert figures.counts.ratings.satisfied.share is None
    assert (figures.by_field, figures.by_unit, figures.rejected_by_reason) == ([], [], [])


def test_the_page_names_what_it_counts_and_how_fresh_it_is(client, year):
    page = Page(client.get("/thong-ke/"))

    received = next(tr for tr in page.get("table-summary").iter() if tr.attrs.get("data-key") == "received")
    assert next(th for th in received.iter() if th.tag == "th").text == "Phản ánh nhận được"
    html = page.html
    assert "phản ánh nhận được" in html
    assert "Thời gian gửi" not in html
    assert "Số liệu tính đến" in page.get("as-of").text
