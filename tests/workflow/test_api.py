"""The staff API as a staff app sees it: lists, a report's detail, the workflow's actions, files.

Every request goes through the real endpoints with a bearer token obtained at
POST /api/v1/auth/token, and every check is on what the app would notice: status codes,
JSON bodies, files. The people and units are those of tests/workflow/conftest.py: lan at the
IOC, hung (focal point), binh (leader) and tuan (handler, in Phòng Hạ tầng) at Sở Xây dựng,
charlie at Sở Y tế, who must see nothing of Sở Xây dựng's.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from phananh.org.models import PersonalDataAccess
from phananh.reports.models import Category
from phananh.workflow.models import Step
from phananh.workflow.schemas import ACTION_SCHEMAS
from tests.conftest import jpeg_bytes
from tests.staff import token_body

pytestmark = pytest.mark.django_db

STAFF = "/api/v1/staff"
PHONE = "0912345678"


@pytest.fixture(autouse=True)
def _no_failures_counted():
    cache.clear()


@pytest.fixture
def api_as(people):
    """A client signed in through the API as one of the people, by name."""
    clients: dict[str, Client] = {}

    def api_as(name: str) -> Client:
        if name not in clients:
            response = Client().post("/api/v1/auth/token", token_body(name), content_type="application/json")
            assert response.status_code == 201, response.content
            clients[name] = Client(headers={"Authorization": f"Bearer {response.json()['token']}"})
        return clients[name]

    return api_as


def url(report, suffix: str = "") -> str:
    return f"{STAFF}/reports/{report.tracking_code}{suffix}"


def act_json(client: Client, report, action: str, **fields):
    return client.post(url(report, "/actions"), {"action": action, **fields}, content_type="application/json")


def listed(client: Client, query: str = "") -> list[str]:
    response = client.get(f"{STAFF}/reports{query}")
    assert response.status_code == 200, response.content
    return [item["tracking_code"] for item in response.json()["results"]]


def codes(*reports) -> set[str]:
    return {r.tracking_code for r in reports}


def same_moment(text: str, moment: datetime) -> bool:
    # JSON carries milliseconds; the database keeps microseconds.
    return abs(datetime.fromisoformat(text) - moment) < timedelta(milliseconds=1)


def kinds(detail: dict) -> list[str]:
    return [event["kind"] for event in detail["timeline"]]


def names(detail: dict) -> set[str]:
    return {action["name"] for action in detail["allowed_actions"]}


@pytest.fixture
def environment():
    return Category.objects.get(code="moi-truong")


@pytest.fixture
def province(people, so_xd, phong_ht, so_yt, submit, act, road, environment):
    """Six reports at different places in the workflow.

    - new: just submitted;
    - at_so_xd: a road report led by Sở Xây dựng;
    - at_division: a road report the IOC sent straight to Phòng Hạ tầng;
    - env_at_division: an environment report led by Phòng Hạ tầng;
    - assigned: an environment report of Sở Xây dựng that hung gave to tuan;
    - at_so_yt: an urgent food-safety report of Sở Y tế.
    tuan works on roads only.
    """
    lan, hung = people["lan"], people["hung"]
    people["tuan"].fields.add(road)
    food = Category.objects.get(code="an-toan-thuc-pham")

    def dispatched(description, unit, category, **values):
        report = submit(description, **values)
        act(report, lan, "accept", category=category.code, lead_unit=unit.pk)
        return report

    reports = {
        "new": submit("Đèn đường tắt cả tuần ở ngõ 5", title="Đèn đường tắt", address="Ngõ 5 Bà Triệu"),
        "at_so_xd": dispatched("Ổ gà lớn trên đường Trần Đăng Ninh", so_xd, road, title="Ổ gà"),
        "at_division": dispatched("Vỉa hè bị vỡ trước chợ", phong_ht, road, address="Chợ Đông Kinh"),
        "env_at_division": dispatched("Rác thải đổ trộm bên suối", phong_ht, environment),
        "assigned": dispatched("Cống bốc mùi hôi", so_xd, environment),
        "at_so_yt": submit("Quán ăn bán thực phẩm ôi thiu"),
    }
    act(reports["assigned"], hung, "assign", handler=people["tuan"].pk)
    act(reports["at_so_yt"], lan, "accept", category=food.code, urgency="urgent", lead_unit=so_yt.pk)
    for report in reports.values():
        report.refresh_from_db()
    return reports


# --- the list ------------------------------------------------------------------------------


def test_the_ioc_and_the_steering_committee_see_every_report_newest_first(api_as, province):
    newest_first = [r.tracking_code for r in reversed(province.values())]

    assert listed(api_as("lan")) == newest_first
    assert listed(api_as("quang")) == newest_first


def test_a_unit_sees_its_own_reports_and_those_of_its_divisions(api_as, province):
    p = province

    assert set(listed(api_as("hung"))) == codes(
        p["at_so_xd"], p["at_division"], p["env_at_division"], p["assigned"]
    )
    assert set(listed(api_as("binh"))) == set(listed(api_as("hung")))


def test_another_department_sees_none_of_sở_xây_dựngs_reports(api_as, province):
    assert listed(api_as("charlie")) == [province["at_so_yt"].tracking_code]
    assert listed(api_as("mai")) == []


def test_a_handler_sees_what_is_assigned_to_him_and_his_fields_in_his_division(api_as, province):
    # tuan works on roads in Phòng Hạ tầng: he sees the division's road report and what hung
    # gave him, not the division's environment report nor Sở Xây dựng's own road report.
    assert set(listed(api_as("tuan"))) == codes(province["at_division"], province["assigned"])


def test_a_list_item_says_where_the_report_is_and_nothing_about_the_reporter(api_as, province, so_xd):
    response = api_as("lan").get(f"{STAFF}/reports")

    assert PHONE not in response.content.decode()
    item = next(
        i for i in response.json()["results"] if i["tracking_code"] == province["at_so_xd"].tracking_code
    )
    handling = Step.objects.get(report=province["at_so_xd"], kind="handling")
    assert item["status"] == "dispatched"
    assert item["status_label"]
    assert item["category"] == {"code": "ha-tang-do-thi", "name": "Hạ tầng đô thị"}
    assert item["lead_unit"] == {"id": so_xd.pk, "name": so_xd.name}
    assert item["assignee"] is None
    assert item["title"] == "Ổ gà"
    assert item["excerpt"] == "Ổ gà lớn trên đường Trần Đăng Ninh"
    assert same_moment(item["deadline"], handling.deadline)
    assert item["overdue"] is False
    assert item["channel"] == "web"
    assert not {"reporter", "reporter_phone", "reporter_name", "reporter_email", "description"} & set(item)
    assigned = next(
        i for i in response.json()["results"] if i["tracking_code"] == province["assigned"].tracking_code
    )
    assert assigned["assignee"]["name"] == "tuan"


def test_a_long_description_is_cut_to_an_excerpt_in_the_list(api_as, people, submit):
    long_text = "Nước ngập sâu " * 40
    report = submit(long_text)

    item = api_as("lan").get(f"{STAFF}/reports").json()["results"][0]
    detail = api_as("lan").get(url(report)).json()

    assert len(item["excerpt"]) <= 200
    assert item["excerpt"].endswith("…")
    assert long_text.startswith(item["excerpt"][:-1])
    assert detail["description"] == long_text.strip()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?status=submitted", ["new"]),
        ("?status=submitted&status=in_progress", ["new", "assigned"]),
        ("?status=submitted,in_progress", ["new", "assigned"]),
        ("?field=moi-truong", ["env_at_division", "assigned"]),
        ("?urgency=urgent", ["at_so_yt"]),
        ("?q=Đèn đường", ["new"]),
        ("?q=Đông Kinh", ["at_division"]),
        ("?q=Ổ gà", ["at_so_xd"]),
        ("?status=dispatched&field=ha-tang-do-thi", ["at_so_xd", "at_division"]),
    ],
)
def test_the_list_can_be_filtered(api_as, province, query, expected):
    assert set(listed(api_as("lan"), query)) == codes(*(province[name] for name in expected))


def test_a_tracking_code_finds_its_report_whatever_the_case(api_as, province):
    code = province["at_division"].tracking_code

    assert listed(api_as("lan"), f"?q={code.lower()}") == [code]


def test_the_unit_filter_takes_the_units_whole_subtree(api_as, province, so_xd, phong_ht):
    p = province
    lan = api_as("lan")

    assert set(listed(lan, f"?unit={so_xd.pk}")) == codes(
        p["at_so_xd"], p["at_division"], p["env_at_division"], p["assigned"]
    )
    assert set(listed(lan, f"?unit={phong_ht.pk}")) == codes(p["at_division"], p["env_at_division"])
    # A filter never widens the caller's scope
    assert set(listed(api_as("tuan"), f"?unit={so_xd.pk}")) == codes(p["at_division"], p["assigned"])


def test_overdue_means_a_running_step_past_its_deadline(api_as, people, province, act):
    # Given Sở Xây dựng's handling deadline passed, and the new report's reception deadline
    # passed while the IOC waits for the reporter (the clock is paused)
    past = timezone.now() - timedelta(hours=2)
    Step.objects.filter(report=province["at_so_xd"], finished_at=None).update(deadline=past)
    act(province["new"], people["lan"], "request_info", question="Ngõ 5 ở phường nào?")
    Step.objects.filter(report=province["new"], finished_at=None).update(deadline=past)
    lan = api_as("lan")

    # Then only Sở Xây dựng's report is overdue
    assert listed(lan, "?overdue=true") == [province["at_so_xd"].tracking_code]
    assert set(listed(lan, "?overdue=false")) == codes(*province.values()) - codes(province["at_so_xd"])
    item = lan.get(f"{STAFF}/reports?overdue=true").json()["results"][0]
    assert item["overdue"] is True
    assert same_moment(item["deadline"], past)
    assert lan.get(url(province["at_so_xd"])).json()["overdue"] is True
    assert lan.get(url(province["new"])).json()["overdue"] is False


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("?status=lost", "status"),
        ("?status=submitted,lost", "status"),
        ("?urgency=very", "urgency"),
        ("?unit=999999", "unit"),
        ("?page=0", "page"),
        ("?page_size=101", "page_size"),
        ("?overdue=perhaps", "overdue"),
    ],
)
def test_a_bad_filter_is_refused_with_the_field_named(api_as, people, query, field):
    response = api_as("lan").get(f"{STAFF}/reports{query}")

    assert response.status_code == 422
    assert field in response.json()["fields"]


def test_the_list_comes_in_pages(api_as, people, submit):
    reports = [submit(f"Phản ánh số {n}") for n in range(25)]
    newest_first = [r.tracking_code for r in reversed(reports)]
    lan = api_as("lan")

    pages = [lan.get(f"{STAFF}/reports?page={n}&page_size=10").json() for n in (1, 2, 3, 4)]

    assert [p["count"] for p in pages] == [25, 25, 25, 25]
    assert [p["page"] for p in pages] == [1, 2, 3, 4]
    assert [len(p["results"]) for p in pages] == [10, 10, 5, 0]
    assert [i["tracking_code"] for p in pages for i in p["results"]] == newest_first
    default = lan.get(f"{STAFF}/reports").json()
    assert (default["page_size"], len(default["results"])) == (20, 20)


def test_the_list_costs_the_same_few_queries_for_twenty_reports(
    api_as, people, so_xd, submit, act, road, django_assert_max_num_queries
):
    # Given twenty reports, each with a field, a lead unit and a handler
    people["tuan"].fields.add(road)
    for n in range(20):
        report = submit(f"Ổ gà số {n}")
        act(report, people["lan"], "accept", category=road.code, lead_unit=so_xd.pk)
        act(report, people["hung"], "assign", handler=people["tuan"].pk)
    tuan, lan = api_as("tuan"), api_as("lan")
    tuan.get(f"{STAFF}/reports")  # the token's last use is written once a minute at most

    # Then the list takes a fixed handful of queries, not one per report
    with django_assert_max_num_queries(5):
        response = tuan.get(f"{STAFF}/reports")
    assert len(response.json()["results"]) == 20
    lan.get(f"{STAFF}/reports")
    with django_assert_max_num_queries(4):
        assert len(lan.get(f"{STAFF}/reports").json()["results"]) == 20


# --- the detail ----------------------------------------------------------------------------


def test_the_detail_has_the_whole_timeline_with_internal_events(api_as, people, province, so_xd):
    report = province["assigned"]

    detail = api_as("lan").get(url(report)).json()

    assert kinds(detail) == ["submitted", "accepted", "dispatched", "assigned"]
    assigned = detail["timeline"][-1]
    hung = people["hung"]
    assert assigned["actor"] == {"id": hung.pk, "name": "hung"}
    assert assigned["unit"] == {"id": so_xd.pk, "name": so_xd.name}
    assert assigned["is_public"] is False
    assert assigned["data"] == {"assignee": people["tuan"].pk}
    assert (assigned["status_before"], assigned["status_after"]) == ("dispatched", "in_progress")
    assert detail["timeline"][0]["actor"] is None
    assert detail["timeline"][0]["actor_label"] == "web"
    assert detail["assignee"] == {"id": people["tuan"].pk, "name": "tuan"}
    assert [(s["kind"], s["finished_at"] is not None) for s in detail["steps"]] == [
        ("reception", True),
        ("handling", False),
    ]
    assert detail["steps"][0]["on_time"] is True
    assert detail["deadline"] == detail["steps"][1]["deadline"]
    assert detail["dispatches"][0]["to_unit"] == {"id": so_xd.pk, "name": so_xd.name}
    assert detail["dispatches"][0]["role"] == "lead"
    assert detail["pending_extension"] is None
    assert detail["description"] == "Cống bốc mùi hôi"
    assert (detail["kind"], detail["wants_public"], detail["is_public"], detail["merged_into"]) == (
        "field",
        True,
        None,
        None,
    )


def test_what_a_caller_may_do_depends_on_who_they_are(api_as, province):
    new, at_so_xd = province["new"], province["at_so_xd"]

    lan_on_new = api_as("lan").get(url(new)).json()
    # The IOC may also let a unit see the reporter's contact, at any step
    assert names(lan_on_new) == {"accept", "reject", "merge", "request_info", "reveal_contact"}
    assert lan_on_new["rejection_reasons"]
    assert all(set(r) == {"code", "name"} for r in lan_on_new["rejection_reasons"])
    assert all(a["label"] for a in lan_on_new["allowed_actions"])
    assert names(api_as("minh").get(url(new)).json()) == set()
    assert names(api_as("quang").get(url(new)).json()) == set()

    hung_on_xd = api_as("hung").get(url(at_so_xd)).json()
    assert names(hung_on_xd) == {"dispatch", "return", "assign", "request_info", "request_extension"}
    assert hung_on_xd["rejection_reasons"] == []
    assert names(api_as("binh").get(url(at_so_xd)).json()) == names(hung_on_xd)
    assert names(api_as("lan").get(url(at_so_xd)).json()) == {"reveal_contact"}


def test_the_ioc_sees_the_reporters_contact_and_the_read_is_logged(api_as, people, province):
    detail = api_as("lan").get(url(province["new"], "?include=reporter")).json()

    assert detail["reporter"] == {"name": "", "phone": PHONE, "email": ""}
    log = PersonalDataAccess.objects.get()
    assert (log.user, log.report, log.via) == (people["lan"], province["new"], "api")


def test_a_unit_sees_the_contact_only_after_the_ioc_reveals_it(api_as, people, province, so_xd):
    report = province["at_so_xd"]
    hung = api_as("hung")

    # Given Sở Xây dựng does not see the reporter's contact
    assert hung.get(url(report, "?include=reporter")).json()["reporter"] is None
    assert not PersonalDataAccess.objects.filter(user=people["hung"]).exists()

    # When lan reveals it to Sở Xây dựng, with a reason
    response = api_as("lan").post(
        url(report, "/reveal"),
        {"unit": so_xd.pk, "reason": "Cần gọi người dân để xác định vị trí."},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json()["timeline"][-1]["kind"] == "contact_revealed"

    # Then hung and binh see it, and each read is logged
    assert hung.get(url(report, "?include=reporter")).json()["reporter"]["phone"] == PHONE
    assert api_as("binh").get(url(report, "?include=reporter")).json()["reporter"]["phone"] == PHONE
    assert PersonalDataAccess.objects.filter(user=people["hung"], report=report, via="api").count() == 1
    assert PersonalDataAccess.objects.filter(user=people["binh"], report=report).count() == 1
    # And the timeline says who revealed it, to whom
    revealed = hung.get(url(report)).json()["timeline"][-1]
    assert revealed["actor"]["id"] == people["lan"].pk
    assert revealed["data"] == {"unit": so_xd.pk}


def test_an_anonymous_reporter_has_no_contact_to_show(api_as, submit):
    report = submit("Có người đổ phế thải ra đường", anonymous=True, reporter_phone="")

    assert api_as("lan").get(url(report, "?include=reporter")).json()["reporter"] is None
    assert not PersonalDataAccess.objects.exists()


def test_only_the_ioc_can_reveal_a_contact(api_as, province, so_xd):
    body = {"unit": so_xd.pk, "reason": "Muốn gọi điện."}

    response = api_as("hung").post(
        url(province["at_so_xd"], "/reveal"), body, content_type="application/json"
    )

    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert api_as("hung").get(url(province["at_so_xd"], "?include=reporter")).json()["reporter"] is None


def test_a_reveal_names_an_existing_unit(api_as, province):
    body = {"unit": 999999, "reason": "Cần gọi người dân."}

    response = api_as("lan").post(url(province["at_so_xd"], "/reveal"), body, content_type="application/json")

    assert response.status_code == 422
    assert response.json()["code"] == "unknown_unit"


def test_a_reveal_needs_a_reason(api_as, province, so_xd):
    body = {"unit": so_xd.pk, "reason": "   "}

    response = api_as("lan").post(url(province["at_so_xd"], "/reveal"), body, content_type="application/json")

    assert response.status_code == 422
    assert response.json()["code"] == "reason_required"
    assert api_as("hung").get(url(province["at_so_xd"], "?include=reporter")).json()["reporter"] is None


# --- outsiders -----------------------------------------------------------------------------


def test_an_outsider_cannot_tell_that_a_report_exists(api_as, province, so_yt):
    charlie, report = api_as("charlie"), province["at_so_xd"]

    answers = [
        charlie.get(url(report)),
        act_json(charlie, report, "assign", handler=1),
        charlie.post(
            url(report, "/reveal"), {"unit": so_yt.pk, "reason": "x"}, content_type="application/json"
        ),
        charlie.get(f"{STAFF}/reports/PA-26-ZZZZZZ"),
        charlie.get(f"{STAFF}/reports/not-a-code"),
    ]

    assert [a.status_code for a in answers] == [404] * 5
    assert {a.json()["code"] for a in answers} == {"report_not_found"}
    assert answers[0].json() == answers[3].json()


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/reports"),
        ("get", "/reports/PA-26-ABCDEF"),
        ("post", "/reports/PA-26-ABCDEF/actions"),
        ("post", "/reports/PA-26-ABCDEF/reveal"),
        ("get", "/attachments/1"),
    ],
)
def test_every_staff_endpoint_needs_a_token(client, method, path):
    response = getattr(client, method)(f"{STAFF}{path}")

    assert response.status_code == 401
    assert response.json()["code"] == "unauthorised"


# --- actions -------------------------------------------------------------------------------


def test_a_report_goes_from_submission_to_closure_through_the_api_only(
    client, api_as, people, so_xd, media_files
):
    lan, hung, tuan, binh = api_as("lan"), api_as("hung"), api_as("tuan"), api_as("binh")

    # Given a citizen submitted a report through the public API
    submitted = client.post(
        "/api/v1/reports",
        {"description": "Ổ gà lớn trước số 12 Trần Đăng Ninh", "reporter_phone": PHONE, "consent": True},
        content_type="application/json",
    )
    code = submitted.json()["tracking_code"]
    path = f"{STAFF}/reports/{code}"
    assert lan.get(path).json()["status"] == "submitted"

    def step(who: Client, action: str, **fields) -> dict:
        response = who.post(f"{path}/actions", {"action": action, **fields}, content_type="application/json")
        assert response.status_code == 200, response.content
        return response.json()

    # When the IOC accepts and classifies it
    detail = step(lan, "accept", category="ha-tang-do-thi", urgency="normal")
    assert (detail["status"], kinds(detail)[-1]) == ("accepted", "accepted")
    assert detail["category"]["code"] == "ha-tang-do-thi"

    # And dispatches it to Sở Xây dựng
    detail = step(lan, "dispatch", unit=so_xd.pk, note="Đề nghị xử lý trong tuần.")
    assert (detail["status"], kinds(detail)[-1]) == ("dispatched", "dispatched")
    assert detail["lead_unit"]["id"] == so_xd.pk
    assert detail["timeline"][-1]["note"] == "Đề nghị xử lý trong tuần."
    assert "assign" in names(hung.get(path).json())

    # And hung gives it to tuan
    detail = step(hung, "assign", handler=people["tuan"].pk)
    assert (detail["status"], detail["assignee"]["id"]) == ("in_progress", people["tuan"].pk)
    assert names(tuan.get(path).json()) >= {"submit_result", "request_extension"}

    # And tuan submits the result with a photo, as a form
    response = tuan.post(
        f"{path}/actions",
        {
            "action": "submit_result",
            "result": "Đã vá ổ gà bằng bê tông nhựa.",
            "photos": SimpleUploadedFile("sau-khi-va.jpg", jpeg_bytes(), content_type="image/jpeg"),
        },
    )
    assert response.status_code == 200, response.content
    detail = response.json()
    assert (detail["status"], kinds(detail)[-1]) == ("result_submitted", "result_submitted")
    result = detail["timeline"][-1]
    assert result["note"] == "Đã vá ổ gà bằng bê tông nhựa."
    [photo] = result["attachments"]
    assert (photo["kind"], photo["content_type"]) == ("photo", "image/jpeg")
    assert photo["url"] == f"http://testserver{STAFF}/attachments/{photo['id']}"
    assert len(media_files()) == 2  # the photo and its thumbnail

    # And its photo can be downloaded by those who see the report, and only by them
    download = binh.get(photo["url"])
    assert download.status_code == 200
    assert download["Content-Type"] == "image/jpeg"
    body = b"".join(download.streaming_content)
    assert body.startswith(b"\xff\xd8") and len(body) == photo["size"]
    thumbnail = binh.get(photo["thumbnail_url"])
    assert (thumbnail.status_code, thumbnail["Content-Type"]) == (200, "image/jpeg")
    assert api_as("charlie").get(photo["url"]).status_code == 404
    assert Client().get(photo["url"]).status_code == 401

    # And binh approves it, the IOC verifies, publishes and closes it
    detail = step(binh, "approve_result")
    assert (detail["status"], kinds(detail)[-1]) == ("result_approved", "result_approved")
    detail = step(lan, "verify", note="Đã kiểm tra qua ảnh.")
    assert (detail["status"], kinds(detail)[-1]) == ("resolved", "verified")
    # (the house number is personal data: the public reads the redacted copy)
    detail = step(lan, "publish", public=True, redacted={"description": "Ổ gà lớn trước [địa chỉ]"})
    assert (detail["status"], detail["is_public"], kinds(detail)[-1]) == ("resolved", True, "published")
    detail = step(lan, "close")

    # Then the report is closed, with every step on its timeline
    assert detail["status"] == "closed"
    assert kinds(detail) == [
        "submitted",
        "accepted",
        "dispatched",
        "assigned",
        "result_submitted",
        "result_approved",
        "verified",
        "published",
        "closed",
    ]
    assert all(s["finished_at"] for s in detail["steps"])
    assert detail["deadline"] is None
    assert names(detail) == {"publish", "reopen", "reveal_contact"}
    assert lan.get(f"{STAFF}/reports?status=closed").json()["count"] == 1


def test_a_form_can_name_several_cooperating_units(api_as, people, province, so_xd, so_yt, ward, act, road):
    report = province["new"]
    act(report, people["lan"], "accept", category=road.code)

    response = api_as("lan").post(
        url(report, "/actions"),
        {
            "action": "dispatch",
            "unit": str(so_xd.pk),
            "cooperating_units": [str(so_yt.pk), str(ward.pk)],
            "note": "",
        },
    )

    assert response.status_code == 200, response.content
    dispatches = {(d["to_unit"]["id"], d["role"]) for d in response.json()["dispatches"]}
    assert dispatches == {(so_xd.pk, "lead"), (so_yt.pk, "cooperating"), (ward.pk, "cooperating")}


def test_an_action_the_status_does_not_allow_is_a_conflict(api_as, province):
    report = province["new"]

    response = act_json(api_as("lan"), report, "verify")

    assert response.status_code == 409
    assert response.json()["code"] == "invalid_status"
    assert response.json()["status"] == "submitted"
    assert api_as("lan").get(url(report)).json()["status"] == "submitted"


@pytest.mark.parametrize(
    ("who", "report", "action"),
    [("hung", "at_so_xd", "verify"), ("quang", "new", "accept"), ("tuan", "assigned", "approve_result")],
)
def test_an_action_the_role_does_not_allow_is_forbidden(api_as, province, who, report, action):
    before = api_as("lan").get(url(province[report])).json()

    response = act_json(api_as(who), province[report], action)

    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    after = api_as("lan").get(url(province[report])).json()
    assert (after["status"], len(after["timeline"])) == (before["status"], len(before["timeline"]))


def test_a_dispatch_without_a_unit_is_invalid(api_as, people, province, act, road):
    report = province["new"]
    act(report, people["lan"], "accept", category=road.code)

    response = act_json(api_as("lan"), report, "dispatch", note="Chuyển Sở Xây dựng")

    assert response.status_code == 422
    assert response.json()["code"] == "invalid_input"
    assert list(response.json()["fields"]) == ["unit"]
    assert api_as("lan").get(url(report)).json()["status"] == "accepted"


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        ({"action": "teleport"}, "unknown_action", "action"),
        ({"note": "no action"}, "unknown_action", "action"),
        ({"action": ["accept"]}, "unknown_action", "action"),
        (
            {"action": "accept", "category": "ha-tang-do-thi", "urgency": "whenever"},
            "invalid_input",
            "urgency",
        ),
        (
            {"action": "accept", "category": "ha-tang-do-thi", "lead_unit": "Sở Xây dựng"},
            "invalid_input",
            "lead_unit",
        ),
        ({"action": "accept", "category": "khong-co"}, "unknown_category", "category"),
    ],
)
def test_a_bad_payload_is_invalid_with_the_field_named(api_as, province, body, code, field):
    response = api_as("lan").post(url(province["new"], "/actions"), body, content_type="application/json")

    assert response.status_code == 422
    assert response.json()["code"] == code
    assert field in response.json()["fields"]


def test_form_fields_are_checked_like_json(api_as, people, province, act, road):
    report = province["new"]
    act(report, people["lan"], "accept", category=road.code)

    response = api_as("lan").post(url(report, "/actions"), {"action": "dispatch", "unit": "Sở Xây dựng"})

    assert response.status_code == 422
    assert response.json()["code"] == "invalid_input"
    assert "unit" in response.json()["fields"]


def test_files_sent_with_an_action_that_takes_none_are_refused(api_as, province, media_files):
    response = api_as("lan").post(
        url(province["new"], "/actions"),
        {
            "action": "accept",
            "category": "ha-tang-do-thi",
            "photos": SimpleUploadedFile("a.jpg", jpeg_bytes(), content_type="image/jpeg"),
        },
    )

    assert response.status_code == 422
    assert response.json()["code"] == "files_not_accepted"
    assert media_files() == []
    assert api_as("lan").get(url(province["new"])).json()["status"] == "submitted"


def test_an_action_sent_as_a_form_is_taken_as_json_would_be(api_as, province, so_xd, road):
    response = api_as("lan").post(
        url(province["new"], "/actions"),
        {"action": "accept", "category": road.code, "lead_unit": str(so_xd.pk), "cooperating_units": ""},
    )

    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["lead_unit"]["id"]) == ("dispatched", so_xd.pk)


def test_text_sent_where_a_file_belongs_is_refused_not_lost(api_as, province):
    report = province["assigned"]
    before = api_as("tuan").get(url(report)).json()

    response = api_as("tuan").post(
        url(report, "/actions"), {"action": "submit_result", "result": "Đã sửa.", "photos": "anh.jpg"}
    )

    assert response.status_code == 422
    assert response.json()["code"] == "not_a_file"
    after = api_as("tuan").get(url(report)).json()
    assert (after["status"], len(after["timeline"])) == (before["status"], len(before["timeline"]))


@pytest.mark.parametrize(
    "params",
    [{"unit": 0}, {"page": 10**22}, {"status": "submitted,nope"}],
)
def test_a_list_question_outside_the_documented_range_is_a_422(api_as, province, params):
    response = api_as("lan").get("/api/v1/staff/reports", params)

    assert response.status_code == 422
    assert response.json()["code"] == "invalid_input"


def test_a_body_that_is_not_json_is_a_bad_request(api_as, province):
    response = api_as("lan").post(
        url(province["new"], "/actions"), "{action:", content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json()["code"] == "malformed_json"


def test_an_extension_request_shows_on_the_detail_until_it_is_decided(api_as, people, province):
    report = province["assigned"]
    wanted = (timezone.now() + timedelta(days=30)).replace(microsecond=0)

    detail = act_json(
        api_as("tuan"), report, "request_extension", deadline=wanted.isoformat(), reason="Chờ vật tư."
    ).json()

    assert detail["pending_extension"]["reason"] == "Chờ vật tư."
    assert detail["pending_extension"]["requested_by"]["id"] == people["tuan"].pk
    assert "decide_extension" in names(api_as("lan").get(url(report)).json())
    detail = act_json(api_as("lan"), report, "decide_extension", approve=True).json()
    assert detail["pending_extension"] is None
    handling = next(s for s in detail["steps"] if s["kind"] == "handling")
    assert handling["extended"] is True


# --- documentation -------------------------------------------------------------------------


def test_the_openapi_documents_every_action_and_every_error(client):
    schema = client.get("/api/v1/openapi.json").json()
    components = schema["components"]["schemas"]

    # The actions endpoint takes the discriminated union, as JSON or as a form with files
    action = schema["paths"]["/api/v1/staff/reports/{tracking_code}/actions"]["post"]
    content = action["requestBody"]["content"]
    assert content["application/json"]["schema"] == {"$ref": "#/components/schemas/ActionIn"}
    form = content["multipart/form-data"]["schema"]
    assert {"photos", "documents"} <= set(form["properties"])
    # One form per action, with that action's own required fields (a dispatch needs its unit)
    dispatch = next(f for f in form["oneOf"] if f["properties"]["action"].get("const") == "dispatch")
    assert {"action", "unit"} <= set(dispatch["required"])
    assert len(form["oneOf"]) == len(ACTION_SCHEMAS)
    union = components["ActionIn"]
    assert union["discriminator"]["propertyName"] == "action"
    assert len(union["oneOf"]) == len(ACTION_SCHEMAS) == 20
    for name, model in ACTION_SCHEMAS.items():
        documented = components[model.__name__]
        assert documented["properties"]["action"]["const"] == name
        assert set(documented["properties"]) == set(model.model_fields)
    assert set(components["DispatchIn"]["required"]) == {"action", "unit"}

    # Errors are documented, the conflict with the current status
    assert set(action["responses"]) >= {"200", "401", "403", "404", "409", "422"}
    conflict = action["responses"]["409"]["content"]["application/json"]["schema"]["$ref"]
    assert set(components[conflict.rsplit("/", 1)[1]]["properties"]) == {
        "code",
        "message",
        "fields",
        "errors",
        "status",
    }
    # And every staff endpoint says it needs the bearer token
    for path, operations in schema["paths"].items():
        if path.startswith("/api/v1/staff/"):
            for operation in operations.values():
                assert operation["security"] == [{"StaffTokenAuth": []}]
                assert operation["summary"]
                assert "401" in operation["responses"]
