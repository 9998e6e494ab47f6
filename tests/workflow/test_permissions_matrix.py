"""Who may take which action on whose report: the whole matrix, written out as a table.

Each row is an action in a status where it is possible, reached along the normal path for a
report of Sở Xây dựng and for one of Sở Y tế. Each cell is what one person gets, written
"on Sở Xây dựng's report / on Sở Y tế's report":

    ok   the action goes through
    403  Forbidden: the person sees the report but may not take this action
    404  NotFound: the report is outside the person's scope

The people: lan (IOC operator), minh (call-centre agent), quang (steering committee), an
(administrator) work for the province; hung (focal point), binh (leader) and tuan (handler in the
division Phòng Hạ tầng) for Sở Xây dựng; charlie is Sở Y tế's focal point. Sở Y tế also has a
leader (dung), a division (Phòng Nghiệp vụ) and a handler there (yen), so that its reports can
travel the same path; they are not in the table.

For every cell the test checks that `check_action` says it, that `allowed_actions` agrees, and
that `transition` really does it (or refuses the same way).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction

from phananh.core.errors import ApplicationError, Conflict, Forbidden, NotFound, ValidationFailed
from phananh.org.access import Reporter, System
from phananh.org.models import Role, UnitKind, User
from phananh.org.services import unit_create
from phananh.reports.codes import hash_secret
from phananh.reports.models import Report
from phananh.workflow.actions import ACTIONS
from phananh.workflow.models import StepKind
from phananh.workflow.services import allowed_actions, check_action, transition

pytestmark = pytest.mark.django_db

PEOPLE = ["lan", "minh", "quang", "an", "hung", "binh", "tuan", "charlie", "reporter", "stranger", "system"]

EXPECTED = """
scenario                              lan      minh     quang    an       hung     binh     tuan     charlie  reporter stranger system
accept@submitted                      ok/ok    403/403  403/403  403/403  404/404  404/404  404/404  404/404  403/403  404/404  403/403
reject@returned                       ok/ok    403/403  403/403  403/403  403/404  403/404  404/404  404/403  403/403  404/404  403/403
merge@returned                        ok/ok    403/403  403/403  403/403  403/404  403/404  404/404  404/403  403/403  404/404  403/403
request_info@submitted                ok/ok    403/403  403/403  403/403  404/404  404/404  404/404  404/404  403/403  404/404  403/403
request_info@in_progress              403/403  403/403  403/403  403/403  ok/404   ok/404   ok/404   404/ok   403/403  404/404  403/403
dispatch@accepted                     ok/ok    403/403  403/403  403/403  404/404  404/404  404/404  404/404  403/403  404/404  403/403
dispatch@dispatched                   403/403  403/403  403/403  403/403  ok/404   ok/404   404/404  404/ok   403/403  404/404  403/403
return@dispatched                     403/403  403/403  403/403  403/403  ok/404   ok/404   404/404  404/ok   403/403  404/404  403/403
assign@dispatched                     403/403  403/403  403/403  403/403  ok/404   ok/404   404/404  404/ok   403/403  404/404  403/403
request_extension@in_progress         403/403  403/403  403/403  403/403  ok/404   ok/404   ok/404   404/ok   403/403  404/404  403/403
decide_extension@in_progress:by_ioc   ok/ok    403/403  403/403  403/403  403/404  403/404  403/404  404/403  403/403  404/404  403/403
decide_extension@in_progress:by_unit  403/403  403/403  403/403  403/403  ok/404   ok/404   403/404  404/ok   403/403  404/404  403/403
submit_result@in_progress             403/403  403/403  403/403  403/403  ok/404   ok/404   ok/404   404/ok   403/403  404/404  403/403
approve_result@result_submitted       403/403  403/403  403/403  403/403  403/404  ok/404   403/404  404/403  403/403  404/404  403/403
verify@result_approved                ok/ok    403/403  403/403  403/403  403/404  403/404  403/404  404/403  403/403  404/404  403/403
rework@result_approved                ok/ok    403/403  403/403  403/403  403/404  403/404  403/404  404/403  403/403  404/404  403/403
publish@resolved                      ok/ok    403/403  403/403  403/403  403/404  403/404  403/404  404/403  403/403  404/404  403/403
close@resolved                        ok/ok    403/403  403/403  403/403  403/404  403/404  403/404  404/403  403/403  404/404  ok/ok
reopen@closed                         ok/ok    403/403  403/403  403/403  403/404  403/404  403/404  404/403  403/403  404/404  403/403
reveal_contact@dispatched             ok/ok    403/403  403/403  403/403  403/404  403/404  404/404  404/403  403/403  404/404  403/403
dismiss_review@closed:unsatisfied     ok/ok    403/403  403/403  403/403  403/404  403/404  403/404  404/403  403/403  404/404  403/403
provide_info@info_requested           403/403  403/403  403/403  403/403  403/404  403/404  403/404  404/403  ok/ok    404/404  403/403
rate@closed                           403/403  403/403  403/403  403/403  403/404  403/404  403/404  404/403  ok/ok    404/404  403/403
rate@resolved:sent                    403/403  403/403  403/403  403/403  403/404  403/404  403/404  404/403  ok/ok    404/404  403/403
"""
# The last two columns are not accounts: "reporter" is the report's own reporter, proved by its
# secret (the tracking page and the API build that actor only after checking the secret; a wrong
# or missing secret never reaches the service, see test_the_reporter_door_needs_the_secret);
# "stranger" is the reporter of another report, who sees nothing of this one; "system" is the
# periodic task that closes a result nobody rated in time, and may do nothing else.
# Reading a few rows: the IOC asks the reporter before dispatch, the unit after
# (request_info); an extension is decided by whoever dispatched to the unit that holds the
# report, the IOC (by_ioc) or Sở Xây dựng when it passed the report down to its division
# (by_unit); a unit that returned a report still sees it but cannot reject it; a handler sees
# only what is assigned to him or led by his division.


def _parse(table: str) -> dict[str, dict[str, tuple[str, str]]]:
    header, *lines = table.strip().splitlines()
    assert header.split()[1:] == PEOPLE
    rows = {}
    for line in lines:
        scenario, *cells = line.split()
        assert len(cells) == len(PEOPLE), line
        rows[scenario] = {person: tuple(cell.split("/")) for person, cell in zip(PEOPLE, cells, strict=True)}
    return rows


TABLE = _parse(EXPECTED)
UNITS = ["so_xd", "so_yt"]  # the column of each cell: "so_xd/so_yt"


# How each scenario's report is prepared (steps of the normal path, taken by the unit's own
# people), which action is tried and with which payload.
SCENARIOS = {
    "accept@submitted": ([], "accept", lambda u: {"category": "ha-tang-do-thi"}),
    "reject@returned": (["accept", "dispatch", "return"], "reject", lambda u: {"reason": "ngoai-pham-vi"}),
    "merge@returned": (
        ["accept", "dispatch", "return", "original"],
        "merge",
        lambda u: {"into": u["original"].tracking_code},
    ),
    "request_info@submitted": ([], "request_info", lambda u: {"question": "Ở đâu?"}),
    "request_info@in_progress": (
        ["accept", "dispatch", "assign"],
        "request_info",
        lambda u: {"question": "Ở đâu?"},
    ),
    "dispatch@accepted": (["accept"], "dispatch", lambda u: {"unit": u["unit"].pk}),
    "dispatch@dispatched": (["accept", "dispatch"], "dispatch", lambda u: {"unit": u["division"].pk}),
    "return@dispatched": (["accept", "dispatch"], "return", lambda u: {"reason": "Không thuộc thẩm quyền"}),
    "assign@dispatched": (["accept", "dispatch"], "assign", lambda u: {"handler": u["handler"].pk}),
    "request_extension@in_progress": (
        ["accept", "dispatch", "assign"],
        "request_extension",
        lambda u: {"deadline": u["later"](), "reason": "Chờ vật liệu"},
    ),
    "decide_extension@in_progress:by_ioc": (
        ["accept", "dispatch", "assign", "extension"],
        "decide_extension",
        lambda u: {"approve": True},
    ),
    "decide_extension@in_progress:by_unit": (
        ["accept", "dispatch", "down", "assign", "extension"],
        "decide_extension",
        lambda u: {"approve": True},
    ),
    "submit_result@in_progress": (
        ["accept", "dispatch", "assign"],
        "submit_result",
        lambda u: {"result": "Xong"},
    ),
    "approve_result@result_submitted": (
        ["accept", "dispatch", "assign", "result"],
        "approve_result",
        lambda u: {"approve": True},
    ),
    "verify@result_approved": (["accept", "dispatch", "assign", "result", "approve"], "verify", lambda u: {}),
    "rework@result_approved": (
        ["accept", "dispatch", "assign", "result", "approve"],
        "rework",
        lambda u: {"reason": "Làm lại"},
    ),
    "publish@resolved": (
        ["accept", "dispatch", "assign", "result", "approve", "verify"],
        "publish",
        lambda u: {"public": True},
    ),
    "close@resolved": (
        ["accept", "dispatch", "assign", "result", "approve", "verify"],
        "close",
        lambda u: {},
    ),
    "reopen@closed": (
        ["accept", "dispatch", "assign", "result", "approve", "verify", "close"],
        "reopen",
        lambda u: {"reason": "Không hài lòng"},
    ),
    "reveal_contact@dispatched": (
        ["accept", "dispatch"],
        "reveal_contact",
        lambda u: {"unit": u["unit"].pk, "reason": "Cần gọi người dân để xác định vị trí"},
    ),
    "dismiss_review@closed:unsatisfied": (
        ["accept", "dispatch", "assign", "result", "approve", "verify", "close", "unsatisfied"],
        "dismiss_review",
        lambda u: {"note": "Đã xử lý đúng quy định"},
    ),
    "provide_info@info_requested": (
        ["accept", "dispatch", "assign", "ask"],
        "provide_info",
        lambda u: {"text": "Trước số nhà 12"},
    ),
    "rate@resolved:sent": (
        ["accept", "dispatch", "assign", "result", "approve", "verify", "publish"],
        "rate",
        lambda u: {"value": "acceptable"},
    ),
    "rate@closed": (
        ["accept", "dispatch", "assign", "result", "approve", "verify", "close"],
        "rate",
        lambda u: {"value": "satisfied"},
    ),
}


def test_the_table_covers_every_action_and_every_scenario():
    assert set(TABLE) == set(SCENARIOS)
    assert {action for _steps, action, _payload in SCENARIOS.values()} == set(ACTIONS)
    for scenario, (_steps, action, _payload) in SCENARIOS.items():
        assert scenario.split("@")[0] == action


def _actor(staff, person, report):
    if person == "reporter":
        return Reporter(report_id=report.pk)
    if person == "stranger":
        return Reporter(report_id=staff["elsewhere"].pk)
    if person == "system":
        return System()
    return staff[person]


@pytest.fixture
def staff(people, so_xd, phong_ht, so_yt, submit):
    """The table's people, and each unit's path through the workflow."""
    phong_nv = unit_create(code="so-yt-nv", name="Phòng Nghiệp vụ", kind=UnitKind.DIVISION, parent=so_yt)
    dung = User.objects.create_user(username="dung", password="x", role=Role.LEADER, unit=so_yt)
    yen = User.objects.create_user(username="yen", password="x", role=Role.HANDLER, unit=phong_nv)
    units = {
        "so_xd": {"unit": so_xd, "division": phong_ht, "desk": people["hung"], "leader": people["binh"]},
        "so_yt": {"unit": so_yt, "division": phong_nv, "desk": people["charlie"], "leader": dung},
    }
    units["so_xd"]["handler"] = people["tuan"]
    units["so_yt"]["handler"] = yen
    elsewhere = submit("Đèn đường hỏng ở phố Kỳ Lừa")
    return {**people, **units, "elsewhere": elsewhere}


def _prepare(report, steps, u, lan, act, submit):
    def later():
        handling = report.steps.filter(kind=StepKind.HANDLING, finished_at__isnull=True).get()
        return (handling.deadline + timedelta(days=3)).isoformat()

    u = {**u, "later": later}
    do = {
        "accept": lambda: act(report, lan, "accept", category="ha-tang-do-thi"),
        "dispatch": lambda: act(report, lan, "dispatch", unit=u["unit"].pk),
        "down": lambda: act(report, u["desk"], "dispatch", unit=u["division"].pk),
        "assign": lambda: act(report, u["desk"], "assign", handler=u["handler"].pk),
        "return": lambda: act(report, u["desk"], "return", reason="Không thuộc thẩm quyền"),
        "extension": lambda: act(report, u["handler"], "request_extension", deadline=later(), reason="Chờ"),
        "result": lambda: act(report, u["handler"], "submit_result", result="Đã xử lý"),
        "approve": lambda: act(report, u["leader"], "approve_result"),
        "verify": lambda: act(report, lan, "verify"),
        "close": lambda: act(report, lan, "close"),
        "publish": lambda: act(report, lan, "publish", public=True),
        "ask": lambda: act(report, u["desk"], "request_info", question="Ở số nhà nào?"),
        "unsatisfied": lambda: act(report, Reporter(report_id=report.pk), "rate", value="unsatisfied"),
        "original": lambda: u.update(original=submit("Ổ gà đường Bà Triệu, đã báo trước")),
    }
    for name in steps:
        do[name]()
    return u


class _Undo(Exception):
    """Raised to roll back an action that went through, so that the next person finds the
    report as it was."""


def _code(error: ApplicationError) -> str:
    return {NotFound: "404", Forbidden: "403", Conflict: "409", ValidationFailed: "422"}[type(error)]


def _checked(report, actor, action) -> str:
    try:
        check_action(report=report, actor=actor, action=action)
    except ApplicationError as error:
        return _code(error)
    return "ok"


def _outcome(report_pk, actor, action, data) -> str:
    """What `actor` gets for `action`: check_action, allowed_actions and transition agree."""
    report = Report.objects.get(pk=report_pk)
    checked = _checked(report, actor, action)
    listed = action in allowed_actions(report=report, actor=actor)
    assert listed == (checked == "ok"), (
        f"{actor}: allowed_actions lists it: {listed}; check_action: {checked}"
    )
    try:
        with transaction.atomic():
            transition(report=report, actor=actor, action=action, data=data)
            raise _Undo
    except _Undo:
        done = "ok"
    except ApplicationError as error:
        done = _code(error)
    assert done == checked, f"{actor}: transition gives {done}, check_action {checked}"
    return done


@pytest.mark.parametrize("unit", UNITS)
@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_who_may_take_each_action(scenario, unit, staff, act, submit):
    steps, action, payload = SCENARIOS[scenario]
    report = submit()
    u = _prepare(report, steps, staff[unit], staff["lan"], act, submit)
    column = UNITS.index(unit)
    data = payload(u)

    outcomes = {person: _outcome(report.pk, _actor(staff, person, report), action, data) for person in PEOPLE}

    assert outcomes == {person: TABLE[scenario][person][column] for person in PEOPLE}


@pytest.mark.parametrize("unit", UNITS)
@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_allowed_actions_agrees_with_check_action_for_every_action(scenario, unit, staff, act, submit):
    # Not just the action of the row: every action, for every person, in this status.
    steps, _action, _payload = SCENARIOS[scenario]
    report = submit()
    _prepare(report, steps, staff[unit], staff["lan"], act, submit)
    report.refresh_from_db()
    for person in PEOPLE:
        actor = _actor(staff, person, report)
        listed = set(allowed_actions(report=report, actor=actor))
        possible = {name for name in ACTIONS if _checked(report, actor, name) == "ok"}
        assert listed == possible, person


# --- The reporter's door ------------------------------------------------------------------------


@pytest.fixture
def waiting(client, people, act, submit, so_xd):
    """A report with a question waiting for its reporter, and its secret."""

    report = submit()
    secret = "bi-mat-cua-nguoi-dan"
    Report.objects.filter(pk=report.pk).update(secret_hash=hash_secret(secret))
    act(report, people["lan"], "request_info", question="Ở số nhà nào?")
    return report, secret


@pytest.mark.parametrize(
    ("secret", "expected"),
    [("right", 200), ("wrong", 403), ("none", 403), ("other report's", 403)],
)
def test_the_reporter_door_needs_the_secret(client, waiting, submit, secret, expected):
    # Given a question waits for the reporter
    report, right = waiting
    other = submit("Đèn đường hỏng")
    sent = {
        "right": {"secret": right},
        "wrong": {"secret": right[:-1] + "x"},
        "none": {},
        # A reporter's secret proves nothing on another report
        "other report's": {"secret": right},
    }[secret]
    target = other if secret == "other report's" else report

    # When someone answers through the API
    response = client.post(
        f"/api/v1/reports/{target.tracking_code}/info",
        {"text": "Trước số nhà 12", **sent},
        content_type="application/json",
    )

    # Then only the reporter's own secret gets through, and a refusal changes nothing
    assert response.status_code == expected, response.content
    target.refresh_from_db()
    if expected == 200:
        assert target.status != "info_requested"
        assert target.events.filter(kind="info_provided", actor_label="reporter", actor=None).count() == 1
    else:
        assert response.json()["code"] == "invalid_secret"
        assert not target.events.filter(kind="info_provided").exists()
