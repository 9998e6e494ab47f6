"""The IOC console and the unit inboxes: who lands where, who sees what, in which order."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from django.utils import timezone

from phananh.reports.models import Report
from phananh.workflow.models import Step, StepKind

from .conftest import listed_codes, page_text

pytestmark = pytest.mark.django_db


def current_tab(response) -> str:
    match = re.search(r'data-tab="(\w+)" aria-current="page"', page_text(response))
    assert match, "one tab is the current one"
    return match.group(1)


def tabs_offered(response) -> list[str]:
    return re.findall(r'id="tab-(\w+)"', page_text(response))


def dispatched(submit, act, people, road, unit, **values):
    report = submit(**values)
    act(report, people["lan"], "accept", category=road.code, urgency="normal", lead_unit=unit.pk)
    return report


def age(report, hours: float) -> None:
    Report.objects.filter(pk=report.pk).update(created_at=timezone.now() - timedelta(hours=hours))


@pytest.mark.parametrize(
    "name, tab",
    [
        ("lan", "new"),
        ("minh", "new"),
        ("quang", "overdue"),
        ("an", "all"),
        ("hung", "to_assign"),
        ("binh", "waiting_approval"),
        ("tuan", "mine"),
        ("charlie", "to_assign"),
    ],
)
def test_each_role_lands_on_the_list_of_its_own_work(people, login, name, tab):
    response = login(people[name]).get("/can-bo/")
    assert response.status_code == 200
    assert current_tab(response) == tab


def test_the_ioc_gets_the_console_and_units_get_their_inbox(people, login):
    console = login(people["lan"]).get("/can-bo/")
    inbox = login(people["hung"]).get("/can-bo/")
    handler = login(people["tuan"]).get("/can-bo/")

    assert tabs_offered(console) == ["new", "at_risk", "overdue", "returned", "verify", "unsatisfied", "all"]
    inbox_tabs = ["to_assign", "in_progress", "waiting_approval", "at_risk", "overdue", "all"]
    assert tabs_offered(inbox) == inbox_tabs
    assert tabs_offered(handler) == ["mine", "at_risk", "overdue", "all"]
    assert "Sở Xây dựng" in page_text(inbox)


def test_an_unknown_tab_falls_back_to_the_default_one(people, login):
    assert current_tab(login(people["lan"]).get("/can-bo/?tab=nonsense")) == "new"
    # A tab of another audience is not offered either.
    assert current_tab(login(people["hung"]).get("/can-bo/?tab=verify")) == "to_assign"


def test_each_person_sees_only_the_reports_of_their_scope(people, login, submit, act, road, so_xd, so_yt):
    # Given a report dispatched to Sở Xây dựng, one to Sở Y tế, and a new one
    to_xd = dispatched(submit, act, people, road, so_xd)
    to_yt = dispatched(submit, act, people, road, so_yt)
    new = submit()

    def seen(name):
        return set(listed_codes(login(people[name]).get("/can-bo/?tab=all")))

    # Then the IOC, the steering committee and the administrator see everything
    for name in ("lan", "minh", "quang", "an"):
        assert seen(name) == {to_xd.tracking_code, to_yt.tracking_code, new.tracking_code}, name
    # And each unit sees its own reports only; charlie sees none of Sở Xây dựng's
    assert seen("hung") == seen("binh") == {to_xd.tracking_code}
    assert seen("charlie") == {to_yt.tracking_code}
    # And a handler with no report assigned sees nothing yet
    assert seen("tuan") == set()


def test_the_new_tab_lists_urgent_reports_first_then_the_oldest_first(people, login, submit):
    older = submit("Cây đổ chắn ngang vỉa hè đường Trần Đăng Ninh")
    newer = submit("Rác thải tập kết bên đường Lê Lợi")
    urgent = submit("Cháy lớn tại kho hàng gần chợ Đông Kinh")
    age(older, 5)
    age(newer, 2)
    age(urgent, 1)

    response = login(people["lan"]).get("/can-bo/?tab=new")

    assert listed_codes(response) == [urgent.tracking_code, older.tracking_code, newer.tracking_code]
    assert 'class="badge urgency-urgent"' in page_text(response)


def test_the_overdue_tab_shows_a_report_whose_step_deadline_passed(people, login, submit, act, road, so_xd):
    # Given two reports at Sở Xây dựng, one of which is past its handling deadline
    late = dispatched(submit, act, people, road, so_xd)
    on_time = dispatched(submit, act, people, road, so_xd)
    Step.objects.filter(report=late, kind=StepKind.HANDLING).update(
        deadline=timezone.now() - timedelta(hours=3)
    )

    for name in ("lan", "quang", "hung"):
        # When the IOC, the steering committee or the unit opens the overdue tab
        response = login(people[name]).get("/can-bo/?tab=overdue")
        # Then only the late report is there, marked overdue
        assert listed_codes(response) == [late.tracking_code], name
        assert 'class="deadline-mark overdue-mark"' in page_text(response)
    # And the report also carries the mark in the other lists
    inbox = login(people["hung"]).get("/can-bo/?tab=to_assign")
    assert listed_codes(inbox) == [late.tracking_code, on_time.tracking_code]
    assert page_text(inbox).count('class="deadline-mark overdue-mark"') == 1
    # And charlie, who does not see the report, does not see it late either
    assert listed_codes(login(people["charlie"]).get("/can-bo/?tab=overdue")) == []


def test_a_paused_deadline_is_not_overdue(people, login, submit, act, road, so_xd):
    report = dispatched(submit, act, people, road, so_xd)
    act(report, people["hung"], "request_info", question="Xin vị trí chính xác?")
    Step.objects.filter(report=report, kind=StepKind.HANDLING).update(
        deadline=timezone.now() - timedelta(hours=3)
    )

    response = login(people["lan"]).get("/can-bo/?tab=overdue")

    assert listed_codes(response) == []


def test_the_console_tabs_follow_the_workflow(people, login, submit, act, road, so_xd):
    lan, hung, tuan, binh = people["lan"], people["hung"], people["tuan"], people["binh"]
    returned = dispatched(submit, act, people, road, so_xd)
    act(returned, hung, "return", reason="Không thuộc thẩm quyền của Sở Xây dựng.")
    to_verify = dispatched(submit, act, people, road, so_xd)
    act(to_verify, hung, "assign", handler=tuan.pk)
    act(to_verify, tuan, "submit_result", result="Đã vá ổ gà.")
    act(to_verify, binh, "approve_result")
    to_approve = dispatched(submit, act, people, road, so_xd)
    act(to_approve, hung, "assign", handler=tuan.pk)
    act(to_approve, tuan, "submit_result", result="Đã dọn rác.")
    in_progress = dispatched(submit, act, people, road, so_xd)
    act(in_progress, hung, "assign", handler=tuan.pk)
    to_assign = dispatched(submit, act, people, road, so_xd)

    ioc = login(lan)
    assert listed_codes(ioc.get("/can-bo/?tab=returned")) == [returned.tracking_code]
    assert listed_codes(ioc.get("/can-bo/?tab=verify")) == [to_verify.tracking_code]
    assert listed_codes(ioc.get("/can-bo/?tab=new")) == []

    unit = login(hung)
    assert listed_codes(unit.get("/can-bo/?tab=to_assign")) == [to_assign.tracking_code]
    assert listed_codes(unit.get("/can-bo/?tab=in_progress")) == [in_progress.tracking_code]
    assert listed_codes(unit.get("/can-bo/?tab=waiting_approval")) == [to_approve.tracking_code]

    leader = login(binh).get("/can-bo/")
    assert listed_codes(leader) == [to_approve.tracking_code]

    # The handler follows every open report assigned to him, the results he sent included
    mine = login(tuan).get("/can-bo/")
    assert set(listed_codes(mine)) == {
        in_progress.tracking_code,
        to_approve.tracking_code,
        to_verify.tracking_code,
    }


def test_the_all_tab_filters_by_status_field_unit_urgency_and_text(
    people, login, submit, act, road, so_xd, so_yt
):
    pothole = dispatched(submit, act, people, road, so_xd, description="Ổ gà trên đường Bà Triệu")
    clinic = dispatched(submit, act, people, road, so_yt, description="Trạm y tế đóng cửa giờ hành chính")
    fire = submit("Cháy rừng tại xã Mẫu Sơn", title="Cháy rừng")
    client = login(people["lan"])

    def found(**query):
        return set(listed_codes(client.get("/can-bo/", {"tab": "all", **query})))

    assert found(status="submitted") == {fire.tracking_code}
    assert found(status="dispatched") == {pothole.tracking_code, clinic.tracking_code}
    assert found(field="ha-tang-do-thi") == {pothole.tracking_code, clinic.tracking_code}
    assert found(field="moi-truong") == set()
    assert found(unit=so_yt.pk) == {clinic.tracking_code}
    assert found(urgency="urgent") == {fire.tracking_code}
    assert found(q="bà triệu") == {pothole.tracking_code}
    assert found(q="Cháy rừng") == {fire.tracking_code}
    assert found(q=f" {clinic.tracking_code.lower()} ") == {clinic.tracking_code}
    assert found(status="closed") == set()
    # A unit filters inside its own subtree only
    assert set(listed_codes(login(people["hung"]).get("/can-bo/", {"tab": "all", "unit": so_yt.pk}))) == set()


def test_long_lists_are_paginated_by_25(people, login, submit):
    reports = [submit(f"Phản ánh số {n} về đèn chiếu sáng hỏng") for n in range(30)]
    client = login(people["lan"])

    first = client.get("/can-bo/?tab=all")
    second = client.get("/can-bo/?tab=all&page=2")

    assert len(listed_codes(first)) == 25
    assert len(listed_codes(second)) == 5
    assert set(listed_codes(first)) | set(listed_codes(second)) == {r.tracking_code for r in reports}
    assert 'href="?tab=all&amp;page=2"' in page_text(first)


def test_the_map_gives_the_open_visible_reports_without_personal_data(
    people, login, submit, act, road, so_xd, so_yt
):
    # Given reports with a place: one at Sở Xây dựng, one at Sở Y tế, one closed, one without place
    place = {"latitude": "21.846870", "longitude": "106.757560", "reporter_name": "Nguyễn Văn Nam"}
    at_xd = dispatched(submit, act, people, road, so_xd, **place)
    at_yt = dispatched(submit, act, people, road, so_yt, **place)
    closed = submit(**place)
    act(closed, people["lan"], "reject", reason="ngoai-dia-ban")
    dispatched(submit, act, people, road, so_xd)

    ioc = login(people["lan"]).get("/can-bo/ban-do.json")
    unit = login(people["hung"]).get("/can-bo/ban-do.json")
    outsider = login(people["charlie"]).get("/can-bo/ban-do.json")

    assert ioc.status_code == 200
    data = ioc.json()
    assert data["type"] == "FeatureCollection"
    assert {f["properties"]["tracking_code"] for f in data["features"]} == {
        at_xd.tracking_code,
        at_yt.tracking_code,
    }
    feature = data["features"][0]
    assert feature["geometry"] == {"type": "Point", "coordinates": [106.75756, 21.84687]}
    assert set(feature["properties"]) == {
        "tracking_code",
        "status",
        "status_label",
        "colour",
        "urgency",
        "url",
    }
    assert feature["properties"]["status_label"] == "Đã chuyển xử lý"
    body = json.dumps(data, ensure_ascii=False)
    assert "0912345678" not in body and "Nguyễn Văn Nam" not in body
    assert [f["properties"]["tracking_code"] for f in unit.json()["features"]] == [at_xd.tracking_code]
    assert [f["properties"]["tracking_code"] for f in outsider.json()["features"]] == [at_yt.tracking_code]
