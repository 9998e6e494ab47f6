"""The console shows what needs doing first: search without accents, deadlines coloured, thumbnails,
the chosen order and filters kept in the address, fresh counts; each role lands on its own page;
names read as Vietnamese officials write them.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from phananh.reports.files import Upload
from phananh.reports.intake import validate_submission
from phananh.reports.models import Attachment, Report
from phananh.workflow.models import Step, StepKind
from phananh.workflow.services import transition
from phananh.workflow.submission import report_submit
from tests.conftest import jpeg_bytes
from tests.staff import sign_in_on_page, token_body

from .conftest import listed_codes, page_text, report_url

pytestmark = pytest.mark.django_db

STREET = "Xe tải đỗ chắn lối đi trên phố Trần Đăng Ninh"


def dispatched(submit, act, people, road, unit, text="Ổ gà lớn trên đường Bà Triệu"):
    report = submit(text)
    act(report, people["lan"], "accept", category=road.code, urgency="normal", lead_unit=unit.pk)
    return report


def step_share_gone(report, share: float) -> None:
    """Move the handling step's start back so that `share` of its time has gone by now."""
    step = Step.objects.get(report=report, kind=StepKind.HANDLING)
    length = step.deadline - step.started_at
    Step.objects.filter(pk=step.pk).update(started_at=timezone.now() - length * share)
    Step.objects.filter(pk=step.pk).update(deadline=timezone.now() - length * share + length)


def row(response, code: str) -> str:
    """The HTML of one report's row in the list."""
    match = re.search(rf'<li class="item[^"]*" data-code="{code}">.*?</li>', page_text(response), re.S)
    assert match, f"{code} is listed"
    return match.group(0)


# 9. Search ignores accents and case, the same on the staff side as on the public side


@pytest.mark.parametrize(
    "query", ["tran dang ninh", "Trần Đăng Ninh", "TRAN DANG NINH", "  trần   ĐĂNG ninh "]
)
def test_lan_finds_the_same_report_however_she_types_the_street(people, login, submit, query):
    # Given a report on Trần Đăng Ninh street and one elsewhere
    street = submit(STREET)
    submit("Đèn đường hỏng ở ngõ 5 Lê Lợi")

    # When Lan searches the console in any spelling
    response = login(people["lan"]).get("/can-bo/", {"tab": "all", "q": query})

    # Then she finds that report, and only it
    assert listed_codes(response) == [street.tracking_code]


def test_o_ga_finds_o_ga_with_its_accents_on_the_list_and_the_api(people, login, submit):
    pothole = submit("Ổ gà sâu trước cổng trường")
    submit("Cây đổ chắn đường")
    token = Client().post("/api/v1/auth/token", token_body(people["lan"]), content_type="application/json")
    api = Client(headers={"Authorization": f"Bearer {token.json()['token']}"})

    listed = login(people["lan"]).get("/can-bo/", {"tab": "all", "q": "o ga"})
    answered = api.get("/api/v1/staff/reports", {"q": "O GA"})

    assert listed_codes(listed) == [pothole.tracking_code]
    assert [r["tracking_code"] for r in answered.json()["results"]] == [pothole.tracking_code]
    cache.clear()


def test_a_unit_searching_does_not_find_reports_out_of_its_sight(
    people, login, submit, act, road, so_xd, so_yt
):
    ours = dispatched(submit, act, people, road, so_xd, STREET)
    dispatched(submit, act, people, road, so_yt, STREET)

    response = login(people["hung"]).get("/can-bo/", {"tab": "all", "q": "tran dang ninh"})

    assert listed_codes(response) == [ours.tracking_code]


# 11. What needs doing first


def test_deadlines_are_coloured_on_time_due_soon_and_overdue(people, login, submit, act, road, so_xd):
    # Given three reports at Sở Xây dựng: one just dispatched, one with less than a quarter of
    # its handling time left, one past its deadline
    fresh = dispatched(submit, act, people, road, so_xd)
    soon = dispatched(submit, act, people, road, so_xd)
    late = dispatched(submit, act, people, road, so_xd)
    step_share_gone(soon, 0.8)
    Step.objects.filter(report=late, kind=StepKind.HANDLING).update(
        deadline=timezone.now() - timedelta(hours=1)
    )

    # When Hưng opens his inbox
    response = login(people["hung"]).get("/can-bo/", {"tab": "to_assign"})

    # Then each says how its deadline stands, in words and in colour
    assert "deadline-on_time" in row(response, fresh.tracking_code)
    assert "Đúng hạn" in row(response, fresh.tracking_code)
    assert "deadline-soon" in row(response, soon.tracking_code)
    assert "Sắp đến hạn" in row(response, soon.tracking_code)
    assert "deadline-overdue" in row(response, late.tracking_code)
    assert "Quá hạn" in row(response, late.tracking_code)


def test_a_report_with_a_photo_shows_its_thumbnail_in_the_list(people, login, submit, ioc):
    raw = {"description": "Ống nước vỡ", "consent": True, "reporter_phone": "0912345678"}
    with_photo = report_submit(
        submission=validate_submission(raw, channel="web"), photos=[Upload("ong.jpg", jpeg_bytes(320, 240))]
    ).report
    without = submit("Đèn đường hỏng")
    photo = Attachment.objects.get(report=with_photo)

    response = login(people["lan"]).get("/can-bo/", {"tab": "new"})

    assert f'src="/can-bo/tep/{photo.pk}/thumb/"' in row(response, with_photo.tracking_code)
    assert "item-thumb" not in row(response, without.tracking_code)
    assert login(people["lan"]).get(f"/can-bo/tep/{photo.pk}/thumb/").status_code == 200


def test_lan_sorts_by_deadline_or_by_time_received(people, login, submit, act, road, so_xd):
    first = dispatched(submit, act, people, road, so_xd)
    second = dispatched(submit, act, people, road, so_xd)
    Report.objects.filter(pk=first.pk).update(created_at=timezone.now() - timedelta(days=2))
    # The report received later is due sooner.
    Step.objects.filter(report=second, kind=StepKind.HANDLING).update(
        deadline=timezone.now() + timedelta(hours=2)
    )
    lan = login(people["lan"])

    by_deadline = lan.get("/can-bo/", {"tab": "all", "sort": "deadline"})
    newest = lan.get("/can-bo/", {"tab": "all", "sort": "newest"})
    oldest = lan.get("/can-bo/", {"tab": "all", "sort": "oldest"})

    assert listed_codes(by_deadline) == [second.tracking_code, first.tracking_code]
    assert listed_codes(newest) == [second.tracking_code, first.tracking_code]
    assert listed_codes(oldest) == [first.tracking_code, second.tracking_code]
    assert '<option value="deadline" selected>' in page_text(by_deadline)


def test_the_tabs_keep_the_filters_and_count_under_them(people, login, submit, act, road, so_xd, so_yt):
    # Given two new reports, one on Trần Đăng Ninh
    submit(STREET)
    submit("Cây đổ chắn đường")

    # When Lan searches and then looks at the tabs
    response = login(people["lan"]).get("/can-bo/", {"tab": "all", "q": "tran dang ninh", "sort": "newest"})
    tabs = page_text(response).split('id="tabs"')[1].split("</nav>")[0]

    # Then the tab "new" keeps her search and order in its address, and counts the one match
    new_tab = re.search(r'<a href="\?([^"]+)" id="tab-new"[^>]*>[^<]*<span class="count">(\d+)</span>', tabs)
    assert new_tab, tabs
    assert "q=tran+dang+ninh" in new_tab.group(1)
    assert "sort=newest" in new_tab.group(1)
    assert new_tab.group(2) == "1"


def test_the_counts_refresh_without_reloading_the_page(people, login, submit):
    lan = login(people["lan"])
    page = lan.get("/can-bo/")
    assert 'hx-trigger="every 60s"' in page_text(page)
    # Given a report arrives after the page was drawn
    submit("Cây đổ chắn đường")

    fresh = lan.get("/can-bo/dem.html", {"tab": "new"}, headers={"HX-Request": "true"})

    assert fresh.status_code == 200
    assert re.search(
        r'id="tab-new"[^>]*aria-current="page">[^<]*<span class="count">1</span>', page_text(fresh)
    )
    assert "no-cache" in fresh["Cache-Control"]


def test_charlie_counts_nothing_of_another_department(people, login, submit, act, road, so_xd):
    dispatched(submit, act, people, road, so_xd)

    fresh = login(people["charlie"]).get("/can-bo/dem.html", {"tab": "all"})

    assert re.search(r'id="tab-all"[^>]*>[^<]*<span class="count">0</span>', page_text(fresh))


def test_the_console_has_the_map_beside_the_list(people, login):
    response = login(people["lan"]).get("/can-bo/")

    html = page_text(response)
    assert '<body class="bo wide"' in html
    assert (
        html.index('class="console-list"')
        < html.index('class="console-map"')
        < html.index('id="reports-map"')
    )


# 14. Landing per role


@pytest.mark.parametrize(
    "name, landing",
    [
        ("lan", "/can-bo/"),
        ("quang", "/can-bo/thong-ke/"),
        ("minh", "/can-bo/tong-dai/"),
        ("hung", "/can-bo/"),
        ("tuan", "/can-bo/"),
        ("an", "/can-bo/"),
    ],
)
def test_each_role_lands_on_its_own_page_after_signing_in(people, name, landing):
    client = Client()

    response = sign_in_on_page(client, name, next_url="/can-bo/")

    assert response.status_code == 302
    assert response["Location"] == landing


def test_a_page_asked_for_before_signing_in_wins_over_the_landing(people, submit):
    report = submit()

    response = Client().post(
        "/can-bo/dang-nhap/", {"username": "quang", "password": "x", "next": report_url(report)}
    )

    assert response["Location"] == report_url(report)


def test_a_link_to_another_site_is_not_followed_after_signing_in(people):
    response = Client().post(
        "/can-bo/dang-nhap/", {"username": "quang", "password": "x", "next": "https://evil.example/"}
    )

    assert response["Location"] == "/can-bo/thong-ke/"


# 8. Names in Vietnamese order


def test_hoang_thi_lan_shows_as_such_in_the_header_the_timeline_and_the_api(people, login, submit, road):
    lan = people["lan"]
    lan.full_name = "Hoàng Thị Lan"
    lan.first_name, lan.last_name = "Lan", "Hoàng Thị"  # left over from an older account form
    lan.save()
    report = submit()
    transition(report=report, actor=lan, action="accept", data={"category": road.code})
    cache.clear()
    token = Client().post("/api/v1/auth/token", token_body(people["lan"]), content_type="application/json")
    api = Client(headers={"Authorization": f"Bearer {token.json()['token']}"})

    page = page_text(login(lan).get(report_url(report)))
    header = page.split('id="who">')[1].split("</span>")[0]
    timeline = page.split('id="timeline"')[1]
    me = api.get("/api/v1/auth/me").json()
    detail = api.get(f"/api/v1/staff/reports/{report.tracking_code}").json()

    assert header.startswith("Hoàng Thị Lan · ")
    assert '<p class="who">Hoàng Thị Lan' in timeline
    assert "Lan Hoàng Thị" not in page
    assert me["name"] == "Hoàng Thị Lan"
    assert {e["actor"]["name"] for e in detail["timeline"] if e["actor"]} == {"Hoàng Thị Lan"}
