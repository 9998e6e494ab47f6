"""Bulk work: Lan merges a storm's reports of one fallen tree into the first, or rejects several
with one reason. Each report gets its own event through the transition service; a report another
operator handled a moment before is refused and told, the others are still done.
"""

from __future__ import annotations

import pytest

from phananh.reports.models import Report
from phananh.reports.statuses import Status
from phananh.workflow.models import EventKind

from .conftest import page_text

pytestmark = pytest.mark.django_db

BULK = "/can-bo/xu-ly-hang-loat/"
TREE = "Cây đổ chắn ngang đường Lê Lợi sau bão"


def ticked(*reports) -> list[str]:
    """What the list's tick boxes post: each code with the version the list showed."""
    return [f"{r.tracking_code}:{r.version}" for r in reports]


def snapshot(report) -> tuple:
    fresh = Report.objects.get(pk=report.pk)
    return fresh.status, fresh.version, fresh.merged_into_id, fresh.events.count()


def flashes(response) -> list[str]:
    return [m.message for m in response.context["messages"]] if response.context else []


def test_lan_merges_the_storms_reports_into_the_first_one_event_each(people, login, submit):
    # Given the first report of a fallen tree and three more of it
    original = submit(TREE)
    copies = [submit(f"{TREE} ({n})") for n in range(3)]

    # When Lan ticks them all, the original too, and merges them into the original
    response = login(people["lan"]).post(
        BULK,
        {
            "action": "merge",
            "into": original.tracking_code.lower(),
            "report": ticked(original, *copies),
            "next": "/can-bo/?tab=new",
        },
        follow=True,
    )

    # Then each copy is merged into the original, with one merge event of its own
    assert response.redirect_chain[-1][0] == "/can-bo/?tab=new"
    assert "Đã gộp 3 phản ánh vào " + original.tracking_code + "." in flashes(response)
    for copy in copies:
        copy.refresh_from_db()
        assert copy.status == Status.MERGED
        assert copy.merged_into_id == original.pk
        assert copy.events.filter(kind=EventKind.MERGED).count() == 1
    # And the original stays open, with one "duplicate merged" event per copy
    original.refresh_from_db()
    assert original.status == Status.SUBMITTED
    assert original.events.filter(kind=EventKind.DUPLICATE_MERGED).count() == 3


def test_a_report_handled_a_moment_before_is_refused_and_the_others_are_rejected(
    people, login, submit, act, road
):
    # Given three abusive reports on Lan's list
    first, second, third = (submit(f"Nội dung quấy rối số {n}") for n in range(3))
    seen = ticked(first, second, third)
    # And the second is accepted (from another screen) after Lan's list was drawn
    act(second, people["lan"], "accept", category=road.code)
    before = snapshot(second)

    # When Lan rejects the three with one reason
    response = login(people["lan"]).post(
        BULK, {"action": "reject", "reason": "trung-lap", "note": "Bão số 3", "report": seen}, follow=True
    )

    # Then the first and third are rejected, each with its reason on its own timeline
    for report in (first, third):
        report.refresh_from_db()
        assert report.status == Status.REJECTED
        event = report.events.get(kind=EventKind.REJECTED)
        assert event.data["reason"] == "trung-lap"
        assert event.note == "Bão số 3"
    # And the second is left exactly as the other operator left it, and Lan is told so
    assert snapshot(second) == before
    said = flashes(response)
    assert "Đã không tiếp nhận 2 phản ánh." in said
    assert [m for m in said if m.startswith(f"{second.tracking_code} chưa được xử lý: ")], said


def test_an_unknown_original_refuses_every_report_and_changes_nothing(people, login, submit):
    reports = [submit(TREE), submit(TREE)]
    before = [snapshot(r) for r in reports]

    response = login(people["lan"]).post(
        BULK, {"action": "merge", "into": "PA-26-ZZZZZZ", "report": ticked(*reports)}, follow=True
    )

    assert [snapshot(r) for r in reports] == before
    assert len([m for m in flashes(response) if "Không có phản ánh nào có mã tra cứu này" in m]) == 2


def test_without_a_reason_nothing_is_rejected(people, login, submit):
    reports = [submit(TREE), submit(TREE)]
    before = [snapshot(r) for r in reports]

    response = login(people["lan"]).post(BULK, {"action": "reject", "report": ticked(*reports)}, follow=True)

    assert [snapshot(r) for r in reports] == before
    assert flashes(response) == ["Hãy chọn lý do không tiếp nhận."]


@pytest.mark.parametrize("name", ["minh", "quang", "an", "hung", "charlie"])
def test_only_operators_may_work_in_bulk(people, login, submit, name):
    report = submit(TREE)
    before = snapshot(report)

    response = login(people[name]).post(
        BULK, {"action": "reject", "reason": "trung-lap", "report": ticked(report)}
    )

    assert response.status_code == 403
    assert snapshot(report) == before


def test_the_tick_boxes_are_on_reports_that_can_be_merged_or_rejected_only(
    people, login, submit, act, road, so_xd
):
    waiting = submit(TREE)
    gone = submit(TREE)
    act(gone, people["lan"], "accept", category=road.code, lead_unit=so_xd.pk)

    lan = page_text(login(people["lan"]).get("/can-bo/?tab=all"))
    hung = page_text(login(people["hung"]).get("/can-bo/?tab=all"))

    assert f'value="{waiting.tracking_code}:' in lan
    assert f'value="{gone.tracking_code}:' not in lan
    assert 'id="bulk-form"' in lan
    assert 'id="bulk-form"' not in hung
    assert 'class="pick"' not in hung


def test_a_link_elsewhere_is_not_followed_after_the_bulk_work(people, login, submit):
    report = submit(TREE)

    response = login(people["lan"]).post(
        BULK,
        {
            "action": "reject",
            "reason": "trung-lap",
            "report": ticked(report),
            "next": "https://evil.example/",
        },
    )

    assert response["Location"] == "/can-bo/"
