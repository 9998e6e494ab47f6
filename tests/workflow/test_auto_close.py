"""Tự động đóng: a result sent to the reporter and not rated closes by itself.

Lan operates the IOC; Sở Xây dựng (hung, binh, tuan) handles the reports. The reporter rates
through the transition service as the actor their secret proves. "Days later" is the `now`
given to `auto_close`, so no test waits.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from phananh.core.errors import Conflict, Forbidden
from phananh.notify.management.commands.run_periodic import periodic_tasks
from phananh.notify.tasks import close_unrated
from phananh.org.access import System
from phananh.reports.models import Report
from phananh.reports.statuses import Status
from phananh.stats import facts
from phananh.stats.periods import Period
from phananh.stats.summary import summary
from phananh.workflow import closing
from phananh.workflow.closing import auto_close, due_for_auto_close
from phananh.workflow.models import Event, EventKind
from phananh.workflow.selectors import current_rating
from phananh.workflow.services import transition
from tests.reporter import rate

pytestmark = pytest.mark.django_db


def resolved(report, people, so_xd, act, *, public: bool | None = True) -> Report:
    """Handled and verified; then published (True), kept private (False) or not decided (None)."""
    act(report, people["lan"], "accept", category="ha-tang-do-thi", lead_unit=so_xd.pk)
    act(report, people["hung"], "assign", handler=people["tuan"].pk)
    act(report, people["tuan"], "submit_result", result="Đã vá ổ gà.")
    act(report, people["binh"], "approve_result")
    act(report, people["lan"], "verify")
    if public is not None:
        act(report, people["lan"], "publish", public=public)
    report.refresh_from_db()
    return report


def days_later(days: float):
    return timezone.now() + timedelta(days=days)


def closed_events(report) -> list[Event]:
    return list(Event.objects.filter(report=report, kind=EventKind.CLOSED))


def test_a_published_result_nobody_rated_closes_by_itself_after_seven_days(people, so_xd, submit, act):
    report = resolved(submit(), people, so_xd, act)

    # Six days on, nothing happens
    assert auto_close(now=days_later(6)) == 0
    report.refresh_from_db()
    assert report.status == Status.RESOLVED

    # Seven days on, the system closes it
    assert auto_close(now=days_later(7.01)) == 1
    report.refresh_from_db()
    assert report.status == Status.CLOSED and report.closed_at is not None
    [event] = closed_events(report)
    assert (event.actor, event.actor_label, event.is_public) == (None, "system", True)
    assert event.data == {"closed_by": "no_rating"}


def test_a_result_kept_private_closes_too_but_one_not_yet_sent_waits(people, so_xd, submit, act):
    private = resolved(submit(), people, so_xd, act, public=False)
    undecided = resolved(submit("Đèn đường hỏng"), people, so_xd, act, public=None)

    assert auto_close(now=days_later(30)) == 1

    private.refresh_from_db()
    undecided.refresh_from_db()
    assert private.status == Status.CLOSED
    # The IOC has not sent this result yet: the reporter could not have rated it
    assert undecided.status == Status.RESOLVED and closed_events(undecided) == []


def test_the_number_of_days_is_a_setting(people, so_xd, submit, act, settings):
    settings.PHANANH_AUTO_CLOSE_DAYS = 2
    resolved(submit(), people, so_xd, act)

    assert auto_close(now=days_later(1.9)) == 0
    assert auto_close(now=days_later(2.01)) == 1


def test_a_rated_report_is_not_closed_again(people, so_xd, submit, act):
    report = resolved(submit(), people, so_xd, act)
    rate(report=report, value="satisfied")

    assert auto_close(now=days_later(30)) == 0
    assert len(closed_events(report)) == 1


def test_running_twice_or_on_two_nodes_closes_once(people, so_xd, submit, act):
    report = resolved(submit(), people, so_xd, act)
    now = days_later(8)
    # Given a second node read the same due report before the first one closed it
    seen_by_the_other_node = list(due_for_auto_close(now))

    assert auto_close(now=now) == 1
    assert auto_close(now=now) == 0  # the next round finds nothing due
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(closing, "due_for_auto_close", lambda now: seen_by_the_other_node)
        # Then the other node's close is refused by the compare-and-swap, and changes nothing
        assert auto_close(now=now) == 0

    report.refresh_from_db()
    assert report.status == Status.CLOSED
    assert len(closed_events(report)) == 1


def test_a_rating_after_the_automatic_closure_is_still_taken(people, so_xd, submit, act):
    report = resolved(submit(), people, so_xd, act)
    auto_close(now=days_later(8))
    report.refresh_from_db()  # the reporter opens the page again

    rating = rate(report=report, value="acceptable")

    assert (rating.closure, rating.value) == (1, "acceptable")
    report.refresh_from_db()
    assert current_rating(report) == rating
    assert len(closed_events(report)) == 1


def test_the_system_closes_and_does_nothing_else(people, so_xd, submit, act):
    report = resolved(submit(), people, so_xd, act, public=None)
    version = report.version

    # The system cannot publish, reopen or rework, and no unit's staff can close
    for action, data in (("publish", {"public": True}), ("rework", {"reason": "Làm lại"})):
        with pytest.raises(Forbidden):
            transition(report=report, actor=System(), action=action, data=data)
    with pytest.raises(Forbidden):
        transition(report=report, actor=people["hung"], action="close", data={})

    report.refresh_from_db()
    assert (report.status, report.version) == (Status.RESOLVED, version)
    assert closed_events(report) == []


def test_the_periodic_task_closes_and_the_statistics_do_not_change(people, so_xd, submit, act, settings):
    report = resolved(submit(), people, so_xd, act)
    facts.refresh([report.pk])
    before = summary(period=Period.this_year())
    settings.PHANANH_AUTO_CLOSE_DAYS = 0  # due at once: the task reads the clock itself

    assert close_unrated in periodic_tasks()
    assert close_unrated.call() == 1

    report.refresh_from_db()
    assert report.status == Status.CLOSED
    # Resolved, and on time or late, as it was before the closure
    facts.refresh([report.pk])
    after = summary(period=Period.this_year())
    assert (after.resolved, after.resolved_on_time, after.resolved_late) == (1, 1, 0)
    assert after == before


def test_rating_a_result_not_sent_yet_is_refused_and_changes_nothing(people, so_xd, submit, act):
    report = resolved(submit(), people, so_xd, act, public=None)
    version = report.version

    with pytest.raises(Conflict) as refused:
        rate(report=report, value="satisfied")

    assert refused.value.code == "result_not_sent"
    assert refused.value.extra == {"status": Status.RESOLVED}
    report.refresh_from_db()
    assert (report.status, report.version, report.ratings.count()) == (Status.RESOLVED, version, 0)
    assert not Event.objects.filter(report=report, kind=EventKind.RATED).exists()
