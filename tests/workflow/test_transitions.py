"""Every action of the workflow, and every way it is refused.

The people are those of tests/workflow/conftest.py: lan operates the IOC, hung is Sở Xây dựng's
focal point, binh its leader, tuan a handler in its Phòng Hạ tầng, charlie Sở Y tế's focal
point, mai the ward's. Each test says what they see afterwards: the status, the timeline, the
steps and their deadlines.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from phananh.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from phananh.org.access import can_see
from phananh.org.models import Role, User
from phananh.reports.files import Upload
from phananh.reports.models import Attachment, Follower, Report
from phananh.reports.statuses import Status
from phananh.workflow.models import Dispatch, Event, EventKind, ExtensionRequest, Step, StepKind
from phananh.workflow.services import transition
from tests.conftest import jpeg_bytes
from tests.reporter import answer as info_provided

pytestmark = pytest.mark.django_db

S = Status

# The happy path, one action per status; `to_status` walks it as far as asked.
PATH = [
    (S.ACCEPTED, "lan", "accept", lambda u: {"category": "ha-tang-do-thi", "urgency": "normal"}),
    (S.DISPATCHED, "lan", "dispatch", lambda u: {"unit": u["so_xd"].pk}),
    (S.IN_PROGRESS, "hung", "assign", lambda u: {"handler": u["tuan"].pk}),
    (S.RESULT_SUBMITTED, "tuan", "submit_result", lambda u: {"result": "Đã vá ổ gà."}),
    (S.RESULT_APPROVED, "binh", "approve_result", lambda u: {"approve": True}),
    (S.RESOLVED, "lan", "verify", lambda u: {}),
    (S.CLOSED, "lan", "close", lambda u: {}),
]


@pytest.fixture
def to_status(people, so_xd, act):
    """Walk a submitted report along the happy path until it has `status`."""
    named = {**people, "so_xd": so_xd}

    def to_status(report, status):
        for reached, who, action, data in PATH:
            act(report, people[who], action, **data(named))
            if reached == status:
                break
        report.refresh_from_db()
        assert report.status == status
        return report

    return to_status


@pytest.fixture
def khoa(phong_ht):
    """The focal point of Phòng Hạ tầng, Sở Xây dựng's division."""
    return User.objects.create_user(username="khoa", password="x", role=Role.FOCAL_POINT, unit=phong_ht)


def watch():
    """What the timeline gained since now: (report id, kind, status before, status after)."""
    mark = Event.objects.order_by("-id").values_list("id", flat=True).first() or 0

    def written():
        return [
            (e.report_id, e.kind, e.status_before, e.status_after)
            for e in Event.objects.filter(id__gt=mark).order_by("id")
        ]

    return written


def open_steps(report):
    return list(report.steps.filter(finished_at__isnull=True).values_list("kind", flat=True))


def step(report, kind):
    return report.steps.filter(kind=kind).order_by("-started_at", "-id").first()


def refused(exc_type, code, report, actor, action, **data):
    """The action is refused with `code`, and neither the report nor its timeline changed."""
    version, status, events = report.version, report.status, Event.objects.count()
    with pytest.raises(exc_type) as caught:
        transition(report=report, actor=actor, action=action, data=data)
    assert caught.value.code == code, caught.value.as_dict()
    fresh = Report.objects.get(pk=report.pk)
    assert (fresh.status, fresh.version) == (status, version)
    assert Event.objects.count() == events
    return caught.value


# --- accept --------------------------------------------------------------------------------------


def test_lan_accepts_and_classifies_without_dispatching(people, submit, act, road):
    report = submit()
    written = watch()

    act(report, people["lan"], "accept", category=road.code, urgency="complex", note="Đường chính")

    report.refresh_from_db()
    assert report.status == S.ACCEPTED
    assert (report.category, report.urgency, report.lead_unit) == (road, "complex", None)
    assert written() == [(report.pk, EventKind.ACCEPTED, S.SUBMITTED, S.ACCEPTED)]
    event = report.events.get(kind=EventKind.ACCEPTED)
    assert event.actor == people["lan"] and event.note == "Đường chính" and event.is_public
    assert event.data == {"category": road.code, "urgency": "complex"}
    # Reception is "reception and dispatch": its clock runs until the report is dispatched.
    assert open_steps(report) == [StepKind.RECEPTION]


def test_lan_accepts_and_dispatches_in_one_step(people, so_xd, so_yt, submit, act, road):
    report = submit()
    written = watch()

    act(report, people["lan"], "accept", category=road.code, lead_unit=so_xd.pk, cooperating_units=[so_yt.pk])

    report.refresh_from_db()
    assert report.status == S.DISPATCHED and report.lead_unit == so_xd
    # Two steps on the timeline, each with its own statuses.
    assert written() == [
        (report.pk, EventKind.ACCEPTED, S.SUBMITTED, S.ACCEPTED),
        (report.pk, EventKind.DISPATCHED, S.ACCEPTED, S.DISPATCHED),
    ]
    reception = step(report, StepKind.RECEPTION)
    assert reception.outcome == "dispatched" and reception.on_time is True
    handling = step(report, StepKind.HANDLING)
    assert handling.unit == so_xd and handling.is_open
    deadline = report.events.get(kind=EventKind.DISPATCHED).data["deadline"]
    assert datetime.fromisoformat(deadline) == handling.deadline
    assert can_see(people["hung"], report) and can_see(people["charlie"], report)


def test_accept_refuses_an_unknown_field_and_unit(people, ioc, submit, road):
    report = submit()
    lan = people["lan"]
    refused(ValidationFailed, "unknown_category", report, lan, "accept", category="khong-co")
    refused(ValidationFailed, "unknown_unit", report, lan, "accept", category=road.code, lead_unit=999999)
    refused(ValidationFailed, "invalid_unit", report, lan, "accept", category=road.code, lead_unit=ioc.pk)
    error = refused(ValidationFailed, "invalid_input", report, lan, "accept", urgency="normal")
    assert "category" in error.fields
    refused(ValidationFailed, "invalid_input", report, lan, "accept", category=road.code, urgency="rat-gap")


# --- reject --------------------------------------------------------------------------------------


def test_lan_rejects_with_a_reason_from_the_list(people, submit, act):
    report = submit()
    written = watch()

    act(report, people["lan"], "reject", reason="thieu-thong-tin", note="Không rõ địa điểm")

    report.refresh_from_db()
    assert report.status == S.REJECTED
    assert written() == [(report.pk, EventKind.REJECTED, S.SUBMITTED, S.REJECTED)]
    event = report.events.get(kind=EventKind.REJECTED)
    assert event.is_public and event.note == "Không rõ địa điểm"
    assert event.data["reason"] == "thieu-thong-tin"
    assert "chưa đủ thông tin" in event.data["public_note"]
    reception = step(report, StepKind.RECEPTION)
    assert reception.outcome == "rejected" and reception.on_time is True
    assert open_steps(report) == []


def test_a_complaint_is_rejected_with_a_pointer_to_the_right_procedure(people, submit, act):
    report = submit("Tôi khiếu nại quyết định thu hồi đất của UBND xã")

    act(report, people["lan"], "reject", reason="khieu-nai-to-cao")

    event = report.events.get(kind=EventKind.REJECTED)
    # What the reporter reads: where a complaint must be lodged instead.
    assert "Luật Khiếu nại" in event.data["public_note"]
    assert "Ban Tiếp công dân" in event.data["public_note"]


def test_reject_refuses_an_unknown_or_retired_reason(people, submit):
    from phananh.workflow.models import RejectionReason

    report = submit()
    refused(ValidationFailed, "unknown_reason", report, people["lan"], "reject", reason="khong-thich")
    RejectionReason.objects.filter(code="trung-lap").update(is_active=False)
    refused(ValidationFailed, "unknown_reason", report, people["lan"], "reject", reason="trung-lap")


def test_a_returned_report_can_be_rejected(people, so_xd, submit, act, to_status):
    report = to_status(submit(), S.DISPATCHED)
    act(report, people["hung"], "return", reason="Không thuộc thẩm quyền")

    act(report, people["lan"], "reject", reason="ngoai-pham-vi")

    report.refresh_from_db()
    assert report.status == S.REJECTED
    assert open_steps(report) == []


# --- merge ---------------------------------------------------------------------------------------


def test_a_duplicate_is_merged_into_the_original(people, so_xd, submit, act, to_status):
    original = to_status(submit("Ổ gà trên đường Bà Triệu"), S.DISPATCHED)
    duplicate = submit("Ổ gà lớn đường Bà Triệu, gần chợ")
    Follower.objects.create(report=duplicate, email="hang@example.com")
    written = watch()

    act(duplicate, people["lan"], "merge", into=original.tracking_code.lower(), note="Trùng")

    duplicate.refresh_from_db()
    original.refresh_from_db()
    assert duplicate.status == S.MERGED and duplicate.merged_into == original
    assert original.status == S.DISPATCHED
    assert written() == [
        (duplicate.pk, EventKind.MERGED, S.SUBMITTED, S.MERGED),
        (original.pk, EventKind.DUPLICATE_MERGED, S.DISPATCHED, S.DISPATCHED),
    ]
    assert duplicate.events.get(kind=EventKind.MERGED).data == {"into": original.tracking_code}
    assert original.events.get(kind=EventKind.DUPLICATE_MERGED).data == {"duplicate": duplicate.tracking_code}
    # The duplicate's reporter, and whoever followed the duplicate, now follow the original.
    assert original.followers.filter(via_report=duplicate).exists()
    assert original.followers.filter(email="hang@example.com").exists()
    assert step(duplicate, StepKind.RECEPTION).outcome == "merged"


def test_merge_refuses_itself_a_closed_report_and_an_unknown_code(people, submit, to_status):
    lan = people["lan"]
    duplicate = submit()
    closed = to_status(submit(), S.CLOSED)
    refused(ValidationFailed, "invalid_original", duplicate, lan, "merge", into=duplicate.tracking_code)
    refused(ValidationFailed, "invalid_original", duplicate, lan, "merge", into=closed.tracking_code)
    refused(ValidationFailed, "unknown_report", duplicate, lan, "merge", into="PA-26-ZZZZZZ")
    refused(ValidationFailed, "unknown_report", duplicate, lan, "merge", into="not a code")


def test_merge_refuses_a_report_that_was_itself_merged(people, submit, act):
    first, second, third = submit(), submit(), submit()
    act(second, people["lan"], "merge", into=first.tracking_code)
    refused(ValidationFailed, "invalid_original", third, people["lan"], "merge", into=second.tracking_code)


# --- request_info and the reporter's answer -----------------------------------------------------


def test_the_ioc_asks_the_reporter_and_the_answer_brings_the_report_back(people, submit, act):
    report = submit()
    written = watch()

    act(report, people["lan"], "request_info", question="Ổ gà ở số nhà nào?")

    report.refresh_from_db()
    assert report.status == S.INFO_REQUESTED and report.paused_status == S.SUBMITTED
    reception = step(report, StepKind.RECEPTION)
    assert reception.paused_at is not None and reception.remaining_at_pause > timedelta(0)
    asked = report.events.get(kind=EventKind.INFO_REQUESTED)
    assert asked.is_public and asked.data["public_note"] == "Ổ gà ở số nhà nào?"

    info_provided(report=report, text="Trước số 12")

    report.refresh_from_db()
    assert report.status == S.SUBMITTED and report.paused_status == ""
    assert written() == [
        (report.pk, EventKind.INFO_REQUESTED, S.SUBMITTED, S.INFO_REQUESTED),
        (report.pk, EventKind.INFO_PROVIDED, S.INFO_REQUESTED, S.SUBMITTED),
    ]
    answer = report.events.get(kind=EventKind.INFO_PROVIDED)
    assert answer.actor_label == "reporter" and answer.data == {"requested_by": people["lan"].pk}
    reception.refresh_from_db()
    assert reception.paused_at is None and reception.remaining_at_pause is None and reception.is_open


def test_the_handler_asks_and_the_report_goes_back_to_the_handler(people, submit, act, to_status):
    report = to_status(submit(), S.IN_PROGRESS)
    handling = step(report, StepKind.HANDLING)

    act(report, people["tuan"], "request_info", question="Có ảnh rõ hơn không?")
    report.refresh_from_db()
    assert report.status == S.INFO_REQUESTED
    handling.refresh_from_db()
    assert handling.paused_at is not None

    info_provided(report=report, text="Đây ạ", photos=[Upload("o-ga.jpg", jpeg_bytes())])

    report.refresh_from_db()
    assert report.status == S.IN_PROGRESS and report.assignee == people["tuan"]
    handling.refresh_from_db()
    assert handling.paused_at is None and handling.is_open
    answer = report.events.get(kind=EventKind.INFO_PROVIDED)
    assert answer.attachments.count() == 1


def test_an_answer_nobody_asked_for_is_a_conflict(submit):
    report = submit()
    with pytest.raises(Conflict) as caught:
        info_provided(report=report, text="Thêm thông tin")
    assert caught.value.code == "invalid_status" and caught.value.extra == {"status": S.SUBMITTED}


def test_request_info_needs_a_question(people, submit):
    refused(ValidationFailed, "invalid_input", submit(), people["lan"], "request_info", question="")


# --- dispatch ------------------------------------------------------------------------------------


def test_the_ioc_dispatches_to_a_unit_with_a_cooperating_unit(
    people, so_xd, so_yt, ioc, submit, act, to_status
):
    report = to_status(submit(), S.ACCEPTED)
    written = watch()

    act(report, people["lan"], "dispatch", unit=so_xd.pk, cooperating_units=[so_yt.pk, so_xd.pk], note="Gấp")

    report.refresh_from_db()
    assert report.status == S.DISPATCHED and report.lead_unit == so_xd
    assert written() == [(report.pk, EventKind.DISPATCHED, S.ACCEPTED, S.DISPATCHED)]
    event = report.events.get(kind=EventKind.DISPATCHED)
    assert event.data["from_unit"] == ioc.pk and event.data["to_unit"] == so_xd.pk
    assert event.data["cooperating_units"] == [so_yt.pk]
    rows = set(report.dispatches.values_list("from_unit", "to_unit", "role", "active"))
    assert rows == {(ioc.pk, so_xd.pk, "lead", True), (ioc.pk, so_yt.pk, "cooperating", True)}
    assert step(report, StepKind.RECEPTION).outcome == "dispatched"
    assert step(report, StepKind.HANDLING).unit == so_xd


def test_the_ioc_may_set_the_handling_deadline(people, so_xd, submit, act, to_status):
    report = to_status(submit(), S.ACCEPTED)
    due = step(report, StepKind.RECEPTION).started_at + timedelta(days=20)

    act(report, people["lan"], "dispatch", unit=so_xd.pk, deadline=due.isoformat())

    handling = step(report, StepKind.HANDLING)
    assert handling.deadline == due and handling.original_deadline == due


def test_the_ioc_cannot_dispatch_to_itself_nor_set_a_past_deadline(people, ioc, so_xd, submit, to_status):
    report = to_status(submit(), S.ACCEPTED)
    lan = people["lan"]
    refused(ValidationFailed, "invalid_unit", report, lan, "dispatch", unit=ioc.pk)
    refused(
        ValidationFailed, "unknown_unit", report, lan, "dispatch", unit=so_xd.pk, cooperating_units=[999999]
    )
    refused(
        ValidationFailed,
        "deadline_in_past",
        report,
        lan,
        "dispatch",
        unit=so_xd.pk,
        deadline="2020-01-01T08:00:00+07:00",
    )


def test_a_unit_dispatches_to_its_own_division(people, so_xd, phong_ht, submit, act, to_status):
    report = to_status(submit(), S.DISPATCHED)
    handling = step(report, StepKind.HANDLING)
    written = watch()

    act(report, people["hung"], "dispatch", unit=phong_ht.pk)

    report.refresh_from_db()
    assert report.status == S.DISPATCHED and report.lead_unit == phong_ht
    assert written() == [(report.pk, EventKind.DISPATCHED, S.DISPATCHED, S.DISPATCHED)]
    event = report.events.filter(kind=EventKind.DISPATCHED).last()
    assert event.data["from_unit"] == so_xd.pk and "deadline" not in event.data
    # The IOC's handling clock keeps running: a unit passes the report down, not the deadline.
    assert report.steps.filter(kind=StepKind.HANDLING).count() == 1
    assert step(report, StepKind.HANDLING).deadline == handling.deadline
    assert report.dispatches.filter(active=True, role="lead").count() == 2


def test_a_unit_cannot_dispatch_outside_its_subtree(people, so_xd, so_yt, ward, phong_ht, submit, to_status):
    report = to_status(submit(), S.DISPATCHED)
    hung = people["hung"]
    refused(ValidationFailed, "unit_outside_subtree", report, hung, "dispatch", unit=so_yt.pk)
    refused(ValidationFailed, "unit_outside_subtree", report, hung, "dispatch", unit=ward.pk)
    refused(ValidationFailed, "unit_outside_subtree", report, hung, "dispatch", unit=so_xd.pk)
    later = (step(report, StepKind.HANDLING).deadline + timedelta(days=3)).isoformat()
    refused(
        ValidationFailed, "deadline_not_allowed", report, hung, "dispatch", unit=phong_ht.pk, deadline=later
    )


# --- return --------------------------------------------------------------------------------------


def test_a_division_returns_to_the_unit_that_dispatched_it(
    people, khoa, so_xd, phong_ht, ward, submit, act, to_status
):
    report = to_status(submit(), S.DISPATCHED)
    act(report, people["hung"], "dispatch", unit=phong_ht.pk)
    handling = step(report, StepKind.HANDLING)
    written = watch()

    act(report, khoa, "return", reason="Việc của phường", suggested_unit=ward.pk)

    report.refresh_from_db()
    assert report.status == S.DISPATCHED
    assert report.lead_unit == so_xd and report.assignee is None
    assert written() == [(report.pk, EventKind.RETURNED, S.DISPATCHED, S.DISPATCHED)]
    event = report.events.get(kind=EventKind.RETURNED)
    assert event.note == "Việc của phường"
    assert event.data == {"from_unit": phong_ht.pk, "to_unit": so_xd.pk, "suggested_unit": ward.pk}
    assert not report.dispatches.filter(to_unit=phong_ht, active=True).exists()
    assert report.dispatches.filter(to_unit=so_xd, active=True).exists()
    # Still Sở Xây dựng's clock.
    assert open_steps(report) == [StepKind.HANDLING]
    assert step(report, StepKind.HANDLING).pk == handling.pk
    # The division keeps seeing what it returned.
    assert can_see(khoa, report)


def test_a_unit_returns_to_the_ioc(people, ioc, so_xd, ward, submit, act, to_status):
    report = to_status(submit(), S.IN_PROGRESS)
    written = watch()

    act(report, people["hung"], "return", reason="Không thuộc thẩm quyền", suggested_unit=ward.pk)

    report.refresh_from_db()
    assert report.status == S.RETURNED
    assert report.lead_unit is None and report.assignee is None
    assert written() == [(report.pk, EventKind.RETURNED, S.IN_PROGRESS, S.RETURNED)]
    event = report.events.get(kind=EventKind.RETURNED)
    assert event.data == {"from_unit": so_xd.pk, "to_unit": ioc.pk, "suggested_unit": ward.pk}
    handling = step(report, StepKind.HANDLING)
    assert handling.outcome == "returned" and handling.on_time is True
    reception = step(report, StepKind.RECEPTION)
    assert reception.is_open and reception.unit == ioc
    assert not report.dispatches.filter(active=True).exists()
    assert can_see(people["hung"], report)

    # The IOC re-dispatches to the suggested unit.
    act(report, people["lan"], "dispatch", unit=ward.pk)
    report.refresh_from_db()
    assert report.status == S.DISPATCHED and report.lead_unit == ward
    assert step(report, StepKind.RECEPTION).outcome == "dispatched"
    assert step(report, StepKind.HANDLING).unit == ward


def test_return_needs_a_reason_and_a_real_suggested_unit(people, submit, to_status):
    report = to_status(submit(), S.DISPATCHED)
    refused(ValidationFailed, "invalid_input", report, people["hung"], "return", reason="")
    refused(
        ValidationFailed,
        "unknown_unit",
        report,
        people["hung"],
        "return",
        reason="Sai",
        suggested_unit=999999,
    )


# --- assign --------------------------------------------------------------------------------------


def test_the_focal_point_assigns_a_handler_of_the_unit(people, submit, act, to_status):
    report = to_status(submit(), S.DISPATCHED)
    tuan = people["tuan"]
    assert not can_see(tuan, report)
    written = watch()

    act(report, people["hung"], "assign", handler=tuan.pk, note="Anh Tuấn xử lý")

    report.refresh_from_db()
    assert report.status == S.IN_PROGRESS and report.assignee == tuan
    assert written() == [(report.pk, EventKind.ASSIGNED, S.DISPATCHED, S.IN_PROGRESS)]
    assert report.events.get(kind=EventKind.ASSIGNED).data == {"assignee": tuan.pk}
    assert can_see(tuan, report)

    # Re-assigned inside the unit: still in progress.
    act(report, people["binh"], "assign", handler=people["hung"].pk)
    report.refresh_from_db()
    assert report.status == S.IN_PROGRESS and report.assignee == people["hung"]


def test_only_staff_of_the_lead_units_subtree_can_be_assigned(people, phong_ht, submit, act, to_status):
    report = to_status(submit(), S.DISPATCHED)
    hung = people["hung"]
    for outsider in ("charlie", "mai", "lan", "quang"):
        refused(ValidationFailed, "invalid_handler", report, hung, "assign", handler=people[outsider].pk)
    gone = User.objects.create_user(
        username="cu", password="x", role=Role.HANDLER, unit=phong_ht, is_active=False
    )
    refused(ValidationFailed, "invalid_handler", report, hung, "assign", handler=gone.pk)

    # Once passed down to the division, Sở Xây dựng's own staff are outside the lead unit.
    act(report, hung, "dispatch", unit=phong_ht.pk)
    refused(ValidationFailed, "invalid_handler", report, hung, "assign", handler=people["binh"].pk)
    act(report, hung, "assign", handler=people["tuan"].pk)


# --- extensions ----------------------------------------------------------------------------------


def ask_extension(act, report, who, days=5, reason="Chờ vật liệu"):
    wanted = step(report, StepKind.HANDLING).deadline + timedelta(days=days)
    act(report, who, "request_extension", deadline=wanted.isoformat(), reason=reason)
    return wanted


def test_tuan_asks_for_an_extension_and_lan_grants_it(people, ioc, submit, act, to_status):
    report = to_status(submit(), S.IN_PROGRESS)
    first = step(report, StepKind.HANDLING).deadline
    written = watch()

    wanted = ask_extension(act, report, people["tuan"])

    report.refresh_from_db()
    assert report.status == S.IN_PROGRESS
    request = ExtensionRequest.objects.get(report=report)
    assert request.requested_deadline == wanted and request.approved is None
    asked = report.events.get(kind=EventKind.EXTENSION_REQUESTED)
    assert asked.data["decided_by_unit"] == ioc.pk and not asked.is_public

    act(report, people["lan"], "decide_extension", approve=True, note="Đồng ý")

    handling = step(report, StepKind.HANDLING)
    assert handling.deadline == wanted and handling.original_deadline == first and handling.extended
    request.refresh_from_db()
    assert request.approved is True and request.decided_by == people["lan"]
    assert written() == [
        (report.pk, EventKind.EXTENSION_REQUESTED, S.IN_PROGRESS, S.IN_PROGRESS),
        (report.pk, EventKind.EXTENSION_DECIDED, S.IN_PROGRESS, S.IN_PROGRESS),
    ]
    decided = report.events.get(kind=EventKind.EXTENSION_DECIDED)
    assert (decided.data["approved"], decided.data["requested_by"]) == (True, people["tuan"].pk)
    assert datetime.fromisoformat(decided.data["deadline"]) == wanted


def test_lan_refuses_an_extension_and_the_deadline_stays(people, submit, act, to_status):
    report = to_status(submit(), S.IN_PROGRESS)
    first = step(report, StepKind.HANDLING).deadline
    ask_extension(act, report, people["tuan"])

    act(report, people["lan"], "decide_extension", approve=False, note="Không đủ lý do")

    handling = step(report, StepKind.HANDLING)
    assert handling.deadline == first == handling.original_deadline
    assert ExtensionRequest.objects.get(report=report).approved is False
    # Decided: the handler may ask again.
    ask_extension(act, report, people["tuan"], days=2)
    assert ExtensionRequest.objects.filter(report=report, decided_at__isnull=True).count() == 1


def test_lan_grants_another_date_than_the_one_asked(people, submit, act, to_status):
    report = to_status(submit(), S.IN_PROGRESS)
    wanted = ask_extension(act, report, people["tuan"], days=10)
    granted = wanted - timedelta(days=5)

    act(report, people["lan"], "decide_extension", approve=True, deadline=granted.isoformat())

    assert step(report, StepKind.HANDLING).deadline == granted


def test_an_extension_never_shortens_the_deadline(people, submit, act, to_status):
    report = to_status(submit(), S.IN_PROGRESS)
    current = step(report, StepKind.HANDLING).deadline
    ask_extension(act, report, people["tuan"])
    earlier = (current - timedelta(hours=1)).isoformat()

    refused(
        ValidationFailed,
        "deadline_not_later",
        report,
        people["lan"],
        "decide_extension",
        approve=True,
        deadline=earlier,
    )

    assert step(report, StepKind.HANDLING).deadline == current
    # Refusing needs no date, and ignores one.
    act(report, people["lan"], "decide_extension", approve=False, deadline=earlier)
    assert step(report, StepKind.HANDLING).deadline == current


def test_only_one_extension_request_is_pending_at_a_time(people, submit, act, to_status):
    report = to_status(submit(), S.IN_PROGRESS)
    ask_extension(act, report, people["tuan"])
    later = (step(report, StepKind.HANDLING).deadline + timedelta(days=9)).isoformat()
    refused(
        Conflict,
        "extension_pending",
        report,
        people["tuan"],
        "request_extension",
        deadline=later,
        reason="Nữa",
    )
    refused(
        Conflict,
        "extension_pending",
        report,
        people["hung"],
        "request_extension",
        deadline=later,
        reason="Nữa",
    )
    assert ExtensionRequest.objects.filter(report=report).count() == 1


def test_an_extension_must_be_later_than_the_deadline(people, submit, to_status):
    report = to_status(submit(), S.IN_PROGRESS)
    current = step(report, StepKind.HANDLING).deadline
    tuan = people["tuan"]
    earlier = (current - timedelta(minutes=1)).isoformat()
    refused(
        ValidationFailed,
        "deadline_not_later",
        report,
        tuan,
        "request_extension",
        deadline=earlier,
        reason="x",
    )
    past = "2020-01-01T08:00:00+07:00"
    refused(
        ValidationFailed, "deadline_in_past", report, tuan, "request_extension", deadline=past, reason="x"
    )
    refused(
        ValidationFailed,
        "invalid_input",
        report,
        tuan,
        "request_extension",
        deadline=current.isoformat(),
        reason="",
    )


def test_the_ioc_decides_when_the_ioc_dispatched(people, submit, act, to_status):
    report = to_status(submit(), S.IN_PROGRESS)
    ask_extension(act, report, people["tuan"])
    refused(Forbidden, "forbidden", report, people["hung"], "decide_extension", approve=True)
    refused(Forbidden, "forbidden", report, people["binh"], "decide_extension", approve=True)
    act(report, people["lan"], "decide_extension", approve=True)


@pytest.mark.parametrize("decider", ["hung", "binh"])
def test_so_xd_decides_when_it_dispatched_down_to_its_division(
    decider, people, so_xd, phong_ht, submit, act, to_status
):
    report = to_status(submit(), S.DISPATCHED)
    act(report, people["hung"], "dispatch", unit=phong_ht.pk)
    act(report, people["hung"], "assign", handler=people["tuan"].pk)
    first = step(report, StepKind.HANDLING).deadline
    wanted = ask_extension(act, report, people["tuan"])
    assert report.events.get(kind=EventKind.EXTENSION_REQUESTED).data["decided_by_unit"] == so_xd.pk

    refused(Forbidden, "forbidden", report, people["lan"], "decide_extension", approve=True)
    act(report, people[decider], "decide_extension", approve=True)

    handling = step(report, StepKind.HANDLING)
    assert (handling.deadline, handling.original_deadline) == (wanted, first)


def test_a_pending_extension_lapses_when_the_unit_returns_the_report(people, ward, submit, act, to_status):
    report = to_status(submit(), S.IN_PROGRESS)
    ask_extension(act, report, people["tuan"])
    act(report, people["hung"], "return", reason="Việc của phường", suggested_unit=ward.pk)
    act(report, people["lan"], "dispatch", unit=ward.pk)
    report.refresh_from_db()

    # Sở Xây dựng's old request must not block the ward, nor be decided on the ward's clock.
    refused(Conflict, "no_pending_extension", report, people["lan"], "decide_extension", approve=True)
    ask_extension(act, report, people["mai"])
    act(report, people["lan"], "decide_extension", approve=True)
    old = ExtensionRequest.objects.filter(report=report).order_by("id").first()
    assert old.decided_at is not None and old.approved is not True


# --- result, approval, verification --------------------------------------------------------------


def test_tuan_submits_the_result_with_a_photo(people, so_xd, submit, to_status):
    report = to_status(submit(), S.IN_PROGRESS)
    written = watch()

    transition(
        report=report,
        actor=people["tuan"],
        action="submit_result",
        data={"result": "Đã vá ổ gà, thông xe."},
        photos=[Upload("sau.jpg", jpeg_bytes())],
    )

    report.refresh_from_db()
    assert report.status == S.RESULT_SUBMITTED
    assert written() == [(report.pk, EventKind.RESULT_SUBMITTED, S.IN_PROGRESS, S.RESULT_SUBMITTED)]
    event = report.events.get(kind=EventKind.RESULT_SUBMITTED)
    assert event.note == "Đã vá ổ gà, thông xe." and event.is_public
    photo = Attachment.objects.get(event=event)
    assert photo.kind == "photo" and photo.report == report
    handling = step(report, StepKind.HANDLING)
    assert handling.outcome == "result" and handling.on_time is True
    approval = step(report, StepKind.APPROVAL)
    assert approval.is_open and approval.unit == so_xd


def test_submit_result_needs_the_text(people, submit, to_status):
    report = to_status(submit(), S.IN_PROGRESS)
    refused(ValidationFailed, "invalid_input", report, people["tuan"], "submit_result", result="")


def test_binh_approves_the_result(people, ioc, submit, act, to_status):
    report = to_status(submit(), S.RESULT_SUBMITTED)
    written = watch()

    act(report, people["binh"], "approve_result", approve=True, note="Đạt")

    report.refresh_from_db()
    assert report.status == S.RESULT_APPROVED
    assert written() == [(report.pk, EventKind.RESULT_APPROVED, S.RESULT_SUBMITTED, S.RESULT_APPROVED)]
    assert step(report, StepKind.APPROVAL).outcome == "approved"
    verification = step(report, StepKind.VERIFICATION)
    assert verification.is_open and verification.unit == ioc


def test_binh_sends_the_result_back_with_a_note(people, submit, act, to_status):
    report = to_status(submit(), S.RESULT_SUBMITTED)
    refused(
        ValidationFailed, "note_required", report, people["binh"], "approve_result", approve=False, note="  "
    )
    written = watch()

    act(report, people["binh"], "approve_result", approve=False, note="Ảnh chưa rõ")

    report.refresh_from_db()
    assert report.status == S.IN_PROGRESS and report.assignee == people["tuan"]
    assert written() == [(report.pk, EventKind.RESULT_SENT_BACK, S.RESULT_SUBMITTED, S.IN_PROGRESS)]
    assert step(report, StepKind.APPROVAL).outcome == "sent_back"
    assert report.steps.filter(kind=StepKind.HANDLING).count() == 2
    assert open_steps(report) == [StepKind.HANDLING]


def test_lan_verifies_the_result(people, submit, act, to_status):
    report = to_status(submit(), S.RESULT_APPROVED)
    written = watch()

    act(report, people["lan"], "verify", note="Ảnh trước và sau khớp")

    report.refresh_from_db()
    assert report.status == S.RESOLVED and report.resolved_at is not None
    assert written() == [(report.pk, EventKind.VERIFIED, S.RESULT_APPROVED, S.RESOLVED)]
    assert step(report, StepKind.VERIFICATION).outcome == "verified"
    assert open_steps(report) == []


@pytest.mark.parametrize("status", [S.RESULT_APPROVED, S.RESOLVED])
def test_lan_sends_the_result_back_for_rework(status, people, submit, act, to_status):
    report = to_status(submit(), status)
    refused(ValidationFailed, "invalid_input", report, people["lan"], "rework", reason="")
    written = watch()

    act(report, people["lan"], "rework", reason="Vẫn còn ổ gà")

    report.refresh_from_db()
    assert report.status == S.IN_PROGRESS and report.resolved_at is None
    assert written() == [(report.pk, EventKind.REWORK, status, S.IN_PROGRESS)]
    assert open_steps(report) == [StepKind.HANDLING]
    assert step(report, StepKind.HANDLING).unit == report.lead_unit


# --- publish, close, reopen ----------------------------------------------------------------------


def test_lan_publishes_the_result(people, submit, act, to_status):
    report = to_status(submit(), S.RESOLVED)
    written = watch()

    act(report, people["lan"], "publish", public=True)

    report.refresh_from_db()
    assert report.status == S.RESOLVED and report.is_public is True and report.published_at
    assert written() == [(report.pk, EventKind.PUBLISHED, S.RESOLVED, S.RESOLVED)]
    assert report.events.get(kind=EventKind.PUBLISHED).is_public


def test_lan_keeps_a_report_private(people, submit, act, to_status):
    report = to_status(submit(), S.RESOLVED)
    written = watch()

    act(report, people["lan"], "publish", public=False, note="Chuyện riêng của gia đình")

    report.refresh_from_db()
    assert report.is_public is False and report.published_at is None
    assert written() == [(report.pk, EventKind.KEPT_PRIVATE, S.RESOLVED, S.RESOLVED)]
    assert not report.events.get(kind=EventKind.KEPT_PRIVATE).is_public


def test_a_report_the_reporter_wants_private_cannot_be_published(people, submit, act, to_status):
    report = to_status(submit(public=False), S.RESOLVED)
    refused(ValidationFailed, "reporter_wants_private", report, people["lan"], "publish", public=True)
    act(report, people["lan"], "publish", public=False)
    report.refresh_from_db()
    assert report.is_public is False


def test_lan_publishes_a_closed_report(people, submit, act, to_status):
    report = to_status(submit(), S.CLOSED)
    act(report, people["lan"], "publish", public=True)
    report.refresh_from_db()
    assert report.status == S.CLOSED and report.is_public is True


def test_lan_closes_a_resolved_report(people, submit, act, to_status):
    report = to_status(submit(), S.RESOLVED)
    written = watch()

    act(report, people["lan"], "close", note="Hoàn thành")

    report.refresh_from_db()
    assert report.status == S.CLOSED and report.closed_at is not None
    assert written() == [(report.pk, EventKind.CLOSED, S.RESOLVED, S.CLOSED)]


def test_lan_reopens_a_closed_report_for_the_same_handler(people, so_xd, submit, act, to_status):
    report = to_status(submit(), S.CLOSED)
    written = watch()

    act(report, people["lan"], "reopen", reason="Người dân không hài lòng: ổ gà lại xuất hiện")

    report.refresh_from_db()
    assert report.status == S.IN_PROGRESS
    assert report.closed_at is None and report.resolved_at is None
    assert (report.lead_unit, report.assignee) == (so_xd, people["tuan"])
    assert written() == [(report.pk, EventKind.REOPENED, S.CLOSED, S.IN_PROGRESS)]
    assert open_steps(report) == [StepKind.HANDLING]
    assert report.steps.filter(kind=StepKind.HANDLING).count() == 2
    # The unit can take it up again: it can submit a new result.
    act(report, people["tuan"], "submit_result", result="Đã vá lại")


def test_a_reopened_report_without_a_handler_goes_back_to_the_unit(people, so_xd, submit, act, to_status):
    report = to_status(submit(), S.CLOSED)
    Report.objects.filter(pk=report.pk).update(assignee=None)
    report.refresh_from_db()

    act(report, people["lan"], "reopen", reason="Sai sót")

    report.refresh_from_db()
    assert report.status == S.DISPATCHED and report.lead_unit == so_xd
    assert open_steps(report) == [StepKind.HANDLING]


def test_lan_reopens_a_rejected_report(people, ioc, submit, act):
    report = submit()
    act(report, people["lan"], "reject", reason="thieu-thong-tin")
    written = watch()

    act(report, people["lan"], "reopen", reason="Người dân đã gọi bổ sung địa điểm")

    report.refresh_from_db()
    assert report.status == S.SUBMITTED
    assert written() == [(report.pk, EventKind.REOPENED, S.REJECTED, S.SUBMITTED)]
    assert open_steps(report) == [StepKind.RECEPTION]
    assert step(report, StepKind.RECEPTION).unit == ioc
    assert report.steps.filter(kind=StepKind.RECEPTION).count() == 2


def test_lan_reopens_a_resolved_report(people, submit, act, to_status):
    report = to_status(submit(), S.RESOLVED)
    act(report, people["lan"], "reopen", reason="Đánh giá không hài lòng")
    report.refresh_from_db()
    assert report.status == S.IN_PROGRESS and report.resolved_at is None


def test_reopen_needs_a_reason(people, submit, to_status):
    report = to_status(submit(), S.CLOSED)
    refused(ValidationFailed, "invalid_input", report, people["lan"], "reopen", reason="")


# --- refusals ------------------------------------------------------------------------------------


def test_a_wrong_status_is_a_conflict_that_says_the_status(people, submit, to_status):
    report = to_status(submit(), S.DISPATCHED)
    error = refused(Conflict, "invalid_status", report, people["lan"], "accept", category="ha-tang-do-thi")
    assert error.status == 409
    assert error.extra == {"status": S.DISPATCHED}
    assert error.as_dict()["status"] == S.DISPATCHED
    # The message names the status in the user's words (Vietnamese by default).
    assert "“Đã chuyển xử lý”" in error.message


def test_a_role_that_may_not_is_forbidden(people, submit, to_status):
    report = submit()
    for who in ("minh", "quang", "an"):
        error = refused(Forbidden, "forbidden", report, people[who], "accept", category="ha-tang-do-thi")
        assert error.status == 403
    report = to_status(report, S.RESULT_SUBMITTED)
    # A focal point is not the leader who approves; the IOC does not approve for the unit.
    refused(Forbidden, "forbidden", report, people["hung"], "approve_result")
    refused(Forbidden, "forbidden", report, people["lan"], "approve_result")


def test_a_handler_acts_only_on_what_is_assigned_to_him(people, phong_ht, submit, to_status):
    report = to_status(submit(), S.IN_PROGRESS)
    other = User.objects.create_user(username="vu", password="x", role=Role.HANDLER, unit=phong_ht)
    # vu has no field of his own, so he sees what his unit leads: none of this is his.
    refused(NotFound, "report_not_found", report, other, "submit_result", result="Xong")


def test_a_handler_sees_what_his_division_leads_in_his_fields(people, phong_ht, submit, act, to_status, road):
    from phananh.reports.models import Category

    report = to_status(submit(), S.DISPATCHED)
    every_field = User.objects.create_user(username="vu", password="x", role=Role.HANDLER, unit=phong_ht)
    roads = User.objects.create_user(username="ha", password="x", role=Role.HANDLER, unit=phong_ht)
    roads.fields.add(road)
    water = User.objects.create_user(username="thu", password="x", role=Role.HANDLER, unit=phong_ht)
    water.fields.add(Category.objects.get(code="moi-truong"))
    assert not any(can_see(h, report) for h in (every_field, roads, water))

    act(report, people["hung"], "dispatch", unit=phong_ht.pk)

    # No field chosen means every field of the unit.
    assert can_see(every_field, report) and can_see(roads, report)
    assert not can_see(water, report)
    # Seeing is not acting: only the assignee submits the result.
    act(report, people["hung"], "assign", handler=people["tuan"].pk)
    refused(Forbidden, "forbidden", report, every_field, "submit_result", result="Xong")


def test_a_report_outside_the_actors_scope_is_not_found(people, submit, to_status):
    report = to_status(submit(), S.DISPATCHED)
    error = refused(
        NotFound, "report_not_found", report, people["charlie"], "assign", handler=people["tuan"].pk
    )
    assert error.status == 404
    refused(NotFound, "report_not_found", report, people["mai"], "return", reason="x")
    refused(NotFound, "report_not_found", submit(), people["hung"], "accept", category="ha-tang-do-thi")


def test_an_unknown_action_is_refused(people, submit):
    error = refused(ValidationFailed, "unknown_action", submit(), people["lan"], "approve_everything")
    assert error.status == 422 and "accept" in error.extra["actions"] and error.fields["action"]


def test_a_bad_payload_is_refused_field_by_field(people, so_xd, submit, to_status):
    report = to_status(submit(), S.ACCEPTED)
    error = refused(ValidationFailed, "invalid_input", report, people["lan"], "dispatch", unit="so-xd")
    assert error.status == 422 and "unit" in error.fields
    refused(
        ValidationFailed, "invalid_input", report, people["lan"], "dispatch", unit=so_xd.pk, deadline="mai"
    )
    refused(
        ValidationFailed, "invalid_input", report, people["lan"], "dispatch", unit=so_xd.pk, note="x" * 5001
    )


def test_the_checks_come_in_order_404_then_403_then_409(people, submit, to_status):
    report = to_status(submit(), S.DISPATCHED)
    # charlie cannot see it: 404 whatever the action.
    refused(NotFound, "report_not_found", report, people["charlie"], "verify")
    # minh sees it, but a call agent never verifies: 403 before the status is looked at.
    refused(Forbidden, "forbidden", report, people["minh"], "verify")
    # lan may verify, but not now: 409.
    refused(Conflict, "invalid_status", report, people["lan"], "verify")


# --- the timeline is append-only ----------------------------------------------------------------


def test_events_cannot_be_edited_or_deleted(people, submit):
    report = submit()
    event = report.events.get()

    event.note = "Sửa lại lịch sử"
    with pytest.raises(ValueError, match="append-only"):
        event.save()
    with pytest.raises(ValueError, match="append-only"):
        event.delete()

    event.refresh_from_db()
    assert event.note == "" and Event.objects.filter(pk=event.pk).exists()


def test_a_report_keeps_one_reception_step_per_submission(people, submit):
    report = submit()
    assert list(Step.objects.filter(report=report).values_list("kind", flat=True)) == [StepKind.RECEPTION]
    assert report.events.get().status_after == S.SUBMITTED
    assert Dispatch.objects.filter(report=report).count() == 0
