"""What a client developer needs from the staff API to build a whole app on it.

Who the caller is (`/auth/me`), whom an assignment can name (`/staff/users`), the choices
each allowed action needs, the unit the routing rules suggest, the review queue of unsatisfied
ratings, the sorted and searchable `/units`, and the reporter's contact only when asked for.
The people are those of tests/workflow/conftest.py: lan (IOC), hung, binh and tuan (Sở Xây
dựng), charlie (Sở Y tế), who must not list Sở Xây dựng's staff.
"""

from __future__ import annotations

import pytest

from phananh.org.access import Reporter
from phananh.org.models import PersonalDataAccess, UnitKind
from phananh.org.services import unit_create
from phananh.workflow.models import RoutingRule
from phananh.workflow.services import transition

from . import test_api
from .test_api import STAFF, act_json, url

# The staff API's fixtures: signed-in clients by name, and six reports across the workflow.
api_as, province, environment = test_api.api_as, test_api.province, test_api.environment

pytestmark = pytest.mark.django_db


def entry(detail: dict, action: str) -> dict:
    return next(a for a in detail["allowed_actions"] if a["name"] == action)


@pytest.fixture
def unsatisfied(people, so_xd, submit, act, road):
    """A report handled to the end that its reporter rated "not satisfied"."""
    report = submit("Ổ gà trước chợ Đông Kinh")
    lan = people["lan"]
    act(report, lan, "accept", category=road.code, lead_unit=so_xd.pk)
    act(report, people["hung"], "assign", handler=people["tuan"].pk)
    act(report, people["tuan"], "submit_result", result="Đã vá ổ gà.")
    act(report, people["binh"], "approve_result")
    act(report, lan, "verify")
    act(report, lan, "close")
    report.refresh_from_db()
    transition(report=report, actor=Reporter(report.pk), action="rate", data={"value": "unsatisfied"})
    report.refresh_from_db()
    return report


def test_me_says_who_the_caller_is(api_as, people, so_xd):
    me = api_as("hung").get("/api/v1/auth/me").json()

    assert (me["id"], me["role"], me["unit"]) == (
        people["hung"].pk,
        "focal_point",
        {"id": so_xd.pk, "name": so_xd.name},
    )


def test_the_accept_action_carries_its_choices_and_the_suggested_unit(
    api_as, people, submit, road, so_xd, so_yt, ward
):
    # Given roads are usually Sở Y tế's by default, but Sở Xây dựng's in Phường Lương Văn Tri
    RoutingRule.objects.create(category=road, commune=None, unit=so_yt)
    RoutingRule.objects.create(category=road, commune=ward, unit=so_xd)
    report = submit("Ổ gà ở phường", category=road.code, commune=ward.pk)

    # When lan reads the new report
    accept = entry(api_as("lan").get(url(report)).json(), "accept")

    # Then the accept action offers the fields, and the units in groups, departments sorted by name
    assert {"code": road.code, "name": road.name} in accept["choices"]["category"]
    units = accept["choices"]["lead_unit"]
    departments = [u["name"] for u in units if u["group"] == "department"]
    assert departments[0] == "Sở Xây dựng" and "Sở Y tế" in departments
    assert {"id": ward.pk, "name": ward.name, "group": "local"} in units
    # And the commune's rule wins over the field's default
    assert accept["suggested"] == {
        "lead_unit": {"id": so_xd.pk, "name": "Sở Xây dựng", "group": "department"}
    }
    # And the suggestion is only that: nothing was dispatched
    report.refresh_from_db()
    assert report.lead_unit is None


def test_without_a_rule_for_the_commune_the_fields_default_is_suggested(api_as, submit, road, so_yt, ward):
    RoutingRule.objects.create(category=road, commune=None, unit=so_yt)
    report = submit("Ổ gà", category=road.code, commune=ward.pk)

    accept = entry(api_as("lan").get(url(report)).json(), "accept")

    assert accept["suggested"]["lead_unit"]["name"] == "Sở Y tế"


def test_a_long_list_of_units_is_a_link_to_the_searchable_list(api_as, people, submit, ioc):
    for n in range(40):
        unit_create(code=f"xa-{n}", name=f"UBND Xã Số {n}", kind=UnitKind.COMMUNE, parent=ioc)

    accept = entry(api_as("lan").get(url(submit())).json(), "accept")

    assert accept["choices"]["lead_unit"] == {"href": f"/api/v1/units?within={ioc.pk}"}
    listed = api_as("lan").get(accept["choices"]["lead_unit"]["href"]).json()
    assert ioc.pk not in {u["id"] for u in listed}
    assert len(listed) > 40


def test_assign_names_the_staff_of_the_lead_unit_and_reject_its_reasons(api_as, people, province):
    hung_detail = api_as("hung").get(url(province["at_so_xd"])).json()
    handlers = entry(hung_detail, "assign")["choices"]["handler"]

    assert {h["id"] for h in handlers} == {people[n].pk for n in ("hung", "binh", "tuan")}
    assert all(h["unit"]["name"] in ("Sở Xây dựng", "Phòng Hạ tầng") for h in handlers)
    reasons = entry(api_as("lan").get(url(province["new"])).json(), "reject")["choices"]["reason"]
    assert {"code": "trung-lap", "name": "Trùng lặp"} in reasons


def test_staff_users_lists_whom_an_assignment_can_name(api_as, people, so_xd, phong_ht):
    listed = api_as("hung").get(f"{STAFF}/users", {"unit": so_xd.pk})

    assert listed.status_code == 200
    assert {p["name"] for p in listed.json()} == {"hung", "binh", "tuan"}
    tuan = next(p for p in listed.json() if p["id"] == people["tuan"].pk)
    assert (tuan["role"], tuan["unit"]) == ("handler", {"id": phong_ht.pk, "name": "Phòng Hạ tầng"})
    # The IOC may look at any unit; hung's own unit is the default
    assert api_as("lan").get(f"{STAFF}/users", {"unit": so_xd.pk}).json() == listed.json()
    assert api_as("hung").get(f"{STAFF}/users").json() == listed.json()


def test_another_department_cannot_list_sở_xây_dựngs_staff(api_as, so_xd):
    response = api_as("charlie").get(f"{STAFF}/users", {"unit": so_xd.pk})

    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert api_as("charlie").get(f"{STAFF}/users", {"unit": 999999}).status_code == 422


def test_an_actions_answer_never_carries_the_reporters_contact(api_as, people, province, so_xd, road):
    response = act_json(api_as("lan"), province["new"], "accept", category=road.code)

    assert response.status_code == 200
    assert response.json()["reporter"] is None
    assert api_as("lan").get(url(province["new"])).json()["reporter"] is None
    # Nothing was read, so nothing is logged
    assert not PersonalDataAccess.objects.exists()


def test_the_review_queue_lists_unsatisfied_ratings_with_their_actions(api_as, people, province, unsatisfied):
    lan = api_as("lan")

    queue = lan.get(f"{STAFF}/reports", {"review": "unsatisfied"}).json()

    assert [r["tracking_code"] for r in queue["results"]] == [unsatisfied.tracking_code]
    assert {"reopen", "dismiss_review"} <= {
        a["name"] for a in lan.get(url(unsatisfied)).json()["allowed_actions"]
    }
    # When lan keeps it closed with a note, it leaves the queue
    kept = act_json(lan, unsatisfied, "dismiss_review", note="Đã kiểm tra tại chỗ, mặt đường ổn.")
    assert kept.status_code == 200
    assert kept.json()["status"] == "closed"
    assert lan.get(f"{STAFF}/reports", {"review": "unsatisfied"}).json()["results"] == []


def test_the_review_filter_takes_only_its_one_value(api_as, people):
    response = api_as("lan").get(f"{STAFF}/reports", {"review": "happy"})

    assert response.status_code == 422


def test_units_are_found_without_accents_sorted_and_paged(client, people, so_xd, so_yt, ward):
    found = client.get("/api/v1/units", {"q": "xay dung"})

    assert [u["name"] for u in found.json()] == ["Sở Xây dựng"]
    everything = client.get("/api/v1/units").json()
    names = [u["name"] for u in everything]
    assert names.index("Sở Xây dựng") < names.index("Phòng Hạ tầng") < names.index("Sở Y tế")
    first = client.get("/api/v1/units", {"page_size": 2})
    assert len(first.json()) == 2
    assert first["X-Total-Count"] == str(len(everything))
    assert 'rel="next"' in first["Link"] and "page=2" in first["Link"]
