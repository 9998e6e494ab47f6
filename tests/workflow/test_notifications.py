"""Who is told of each step, in the app's bell: after the commit, once, never the actor.

Notifications are written by a task that the transition service enqueues with on_commit; the
tests run the callbacks with django_capture_on_commit_callbacks(execute=True), and the task
runs at once (ImmediateBackend, tests/conftest.py).
"""

from __future__ import annotations

import pytest

from phananh.notify.models import Notification
from phananh.notify.services import notify_event
from phananh.org.models import Role, User
from phananh.reports.intake import validate_submission
from phananh.workflow.models import EventKind
from phananh.workflow.submission import report_submit
from tests.reporter import answer as info_provided

pytestmark = pytest.mark.django_db


@pytest.fixture
def lien(ioc):
    """Another operator on duty with lan."""
    return User.objects.create_user(username="lien", password="x", role=Role.OPERATOR, unit=ioc)


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run an action as a request would: its on_commit callbacks run when it is done."""

    def committed(do, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return do(*args, **kwargs)

    return committed


def told(report, kind):
    """Who was told of `kind` on this report, and whether as urgent."""
    return {
        n.recipient.username: n.urgent
        for n in Notification.objects.filter(report=report, kind=kind).select_related("recipient")
    }


@pytest.fixture
def dispatched(people, so_xd, submit, act, road):
    def dispatched(**values):
        report = submit(**values)
        act(report, people["lan"], "accept", category=road.code, lead_unit=so_xd.pk)
        return report

    return dispatched


def test_a_possible_fire_alerts_every_operator_at_once(people, lien, submit, committed):
    report = committed(submit, "Cháy nhà ở ngõ 5 phố Bà Triệu")

    assert told(report, EventKind.SUBMITTED) == {"lan": True, "lien": True}
    note = Notification.objects.filter(recipient=people["lan"]).get()
    assert report.tracking_code in note.text and note.event.kind == EventKind.SUBMITTED
    # Nobody else: not the call agent, not the units.
    assert Notification.objects.count() == 2


def test_an_ordinary_submission_alerts_nobody(people, lien, submit, committed):
    committed(submit, "Ổ gà trên đường Bà Triệu")

    assert not Notification.objects.exists()


def test_an_operator_who_types_in_a_fire_report_is_not_alerted_by_it(people, lien, committed):
    raw = {"description": "Tai nạn giao thông ở ngã tư", "consent": True, "reporter_phone": "0912345678"}

    submitted = committed(
        report_submit, submission=validate_submission(raw, channel="hotline"), actor=people["lan"]
    )

    assert told(submitted.report, EventKind.SUBMITTED) == {"lien": True}


def test_nothing_is_sent_before_the_commit(
    people, so_xd, submit, act, road, django_capture_on_commit_callbacks
):
    report = submit()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        act(report, people["lan"], "accept", category=road.code, lead_unit=so_xd.pk)

    # accepted: notifications, statistics and the partner systems' queue; dispatched:
    # notifications and statistics (the tasks of PHANANH_EVENT_TASKS for each kind; the
    # suggestions' task is for new reports only)
    assert len(callbacks) == 3 + 2
    assert not Notification.objects.exists()


def test_dispatch_tells_so_xds_focal_point_and_leader(people, lien, so_xd, submit, act, road, committed):
    report = submit()
    act(report, people["lan"], "accept", category=road.code)

    committed(act, report, people["lan"], "dispatch", unit=so_xd.pk)

    assert told(report, EventKind.DISPATCHED) == {"hung": False, "binh": False}


def test_a_dispatch_to_a_division_without_its_own_desk_reaches_so_xd(
    people, phong_ht, submit, act, road, committed
):
    report = submit()

    committed(act, report, people["lan"], "accept", category=road.code, lead_unit=phong_ht.pk)

    # Phòng Hạ tầng has no focal point nor leader: the report must not go unnoticed.
    assert told(report, EventKind.DISPATCHED) == {"hung": False, "binh": False}


def test_an_urgent_dispatch_is_urgent(people, so_xd, submit, act, road, committed):
    report = submit("Cây đổ chắn ngang đường")

    committed(act, report, people["lan"], "accept", category=road.code, urgency="urgent", lead_unit=so_xd.pk)

    assert told(report, EventKind.DISPATCHED) == {"hung": True, "binh": True}


def test_assign_tells_the_handler(people, dispatched, act, committed):
    report = dispatched()

    committed(act, report, people["hung"], "assign", handler=people["tuan"].pk)

    assert told(report, EventKind.ASSIGNED) == {"tuan": False}


def test_a_result_is_announced_to_the_leader(people, dispatched, act, committed):
    report = dispatched()
    act(report, people["hung"], "assign", handler=people["tuan"].pk)

    committed(act, report, people["tuan"], "submit_result", result="Đã vá")

    assert told(report, EventKind.RESULT_SUBMITTED) == {"binh": False}


def test_a_division_without_a_leader_sends_its_result_to_so_xds_leader(
    people, phong_ht, dispatched, act, committed
):
    report = dispatched()
    act(report, people["hung"], "dispatch", unit=phong_ht.pk)
    act(report, people["hung"], "assign", handler=people["tuan"].pk)

    committed(act, report, people["tuan"], "submit_result", result="Đã vá")

    # binh is the one who approves it (approve_result), so binh is told.
    assert told(report, EventKind.RESULT_SUBMITTED) == {"binh": False}


def test_a_return_to_the_ioc_tells_the_operators(people, lien, dispatched, act, committed):
    report = dispatched()

    committed(act, report, people["hung"], "return", reason="Không thuộc thẩm quyền")

    assert told(report, EventKind.RETURNED) == {"lan": False, "lien": False}


def test_a_return_from_the_division_tells_so_xd(people, phong_ht, dispatched, act, committed):
    khoa = User.objects.create_user(username="khoa", password="x", role=Role.FOCAL_POINT, unit=phong_ht)
    report = dispatched()
    act(report, people["hung"], "dispatch", unit=phong_ht.pk)
    assert told(report, EventKind.DISPATCHED) == {}  # the on_commit callbacks did not run

    committed(act, report, khoa, "return", reason="Việc của phường")

    assert told(report, EventKind.RETURNED) == {"hung": False, "binh": False}


def test_an_extension_request_goes_to_the_dispatcher_and_the_decision_back(
    people, lien, dispatched, act, committed
):
    report = dispatched()
    act(report, people["hung"], "assign", handler=people["tuan"].pk)
    later = report.steps.get(kind="handling").deadline.replace(year=2099).isoformat()

    committed(act, report, people["tuan"], "request_extension", deadline=later, reason="Chờ vật liệu")
    committed(act, report, people["lan"], "decide_extension", approve=True)

    assert told(report, EventKind.EXTENSION_REQUESTED) == {"lan": False, "lien": False}
    assert told(report, EventKind.EXTENSION_DECIDED) == {"tuan": False}


def test_approval_verification_and_rework_tell_the_next_ones(people, lien, dispatched, act, committed):
    report = dispatched()
    act(report, people["hung"], "assign", handler=people["tuan"].pk)
    act(report, people["tuan"], "submit_result", result="Đã vá")

    committed(act, report, people["binh"], "approve_result", approve=False, note="Thiếu ảnh")
    assert told(report, EventKind.RESULT_SENT_BACK) == {"tuan": False}

    act(report, people["tuan"], "submit_result", result="Đã vá, có ảnh")
    committed(act, report, people["binh"], "approve_result")
    assert told(report, EventKind.RESULT_APPROVED) == {"lan": False, "lien": False}

    committed(act, report, people["lan"], "rework", reason="Ảnh không khớp địa điểm")
    assert told(report, EventKind.REWORK) == {"tuan": False}


def test_the_reporters_answer_goes_to_who_asked_and_the_unit(people, dispatched, act, committed):
    report = dispatched()
    act(report, people["hung"], "request_info", question="Số nhà nào?")
    report.refresh_from_db()

    committed(info_provided, report=report, text="Số 12")

    assert told(report, EventKind.INFO_PROVIDED) == {"hung": False, "binh": False}


def test_notifying_twice_creates_no_duplicates(people, dispatched, committed):
    report = committed(dispatched)
    event = report.events.get(kind=EventKind.DISPATCHED)
    assert Notification.objects.filter(event=event).count() == 2

    assert notify_event(event.pk) == 0
    from phananh.notify.tasks import notify_event as task

    task.enqueue(event.pk)

    assert Notification.objects.filter(event=event).count() == 2
    assert notify_event(987654321) == 0  # an event that no longer exists


def test_the_actor_is_never_told_of_their_own_action(people, lien, dispatched, act, committed):
    report = committed(dispatched)
    # hung takes it himself: nobody else to tell.
    committed(act, report, people["hung"], "assign", handler=people["hung"].pk)
    assert told(report, EventKind.ASSIGNED) == {}
    committed(act, report, people["hung"], "submit_result", result="Đã vá")
    committed(act, report, people["binh"], "approve_result")
    committed(act, report, people["lan"], "rework", reason="Chưa đạt")
    # hung is told of the rework he has to do; then he gives the report back to the IOC.
    assert told(report, EventKind.REWORK) == {"hung": False}
    committed(act, report, people["hung"], "return", reason="Không thuộc thẩm quyền")
    assert told(report, EventKind.RETURNED) == {"lan": False, "lien": False}

    notes = Notification.objects.select_related("event")
    assert notes.count() == 8  # dispatched 2, result 1, approved 2, rework 1, returned 2
    for note in notes:
        assert note.recipient_id != note.event.actor_id, (note.kind, note.recipient)
