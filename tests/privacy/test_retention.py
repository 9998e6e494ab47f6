"""Thời hạn lưu trữ: the reporter's personal data is erased 24 months after the report ended.

The reports below lived their lives through the workflow at the moments they say (the clock is
set back for each step). Only those that ended, closed, rejected or merged, more than 24 months
ago lose their reporter's data; running the task again changes nothing; a batch costs the same
few statements whatever its size.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from freezegun import freeze_time

from phananh.privacy.retention import anonymise_past_retention, months_before
from phananh.privacy.tasks import anonymise_old_reports
from phananh.reports.models import Report
from phananh.reports.statuses import Status
from phananh.workflow.models import Event, EventKind
from phananh.workflow.services import transition

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def months_ago(months: int) -> datetime:
    return months_before(NOW, months)


def person(n: int) -> dict:
    return {
        "reporter_name": f"Đỗ Minh Khoa {n}",
        "reporter_phone": f"09123400{n:02d}",
        "reporter_email": f"khoa{n}@example.vn",
    }


@pytest.fixture
def lives(people, so_xd, submit):
    """Reports that ended (or did not) at known moments, by name."""
    lan = people["lan"]

    def at(months: int, report, user, action, **data):
        with freeze_time(months_ago(months)):
            report.refresh_from_db()
            transition(
                report=report, actor=people[user] if isinstance(user, str) else user, action=action, data=data
            )

    def sent(months: int, n: int, **values):
        with freeze_time(months_ago(months)):
            return submit(f"Đèn đường hỏng số {n}. Tôi là Đỗ Minh Khoa {n}.", **person(n), **values)

    def closed(months_open: int, months_closed: int, n: int):
        report = sent(months_open, n)
        at(months_open, report, lan, "accept", category="ha-tang-do-thi", lead_unit=so_xd.pk)
        at(months_open, report, "hung", "assign", handler=people["tuan"].pk)
        at(months_closed, report, "tuan", "submit_result", result="Đã thay bóng đèn.")
        at(months_closed, report, "binh", "approve_result")
        at(months_closed, report, lan, "verify")
        at(months_closed, report, lan, "close")
        return report

    r = {
        "closed_long_ago": closed(27, 25, 1),
        "closed_lately": closed(27, 23, 2),
        "rejected_long_ago": sent(26, 3),
        "merged_long_ago": sent(26, 4),
        "rejected_again_lately": sent(30, 5),
        "reopened": closed(30, 26, 6),
        "open_for_long": sent(30, 7),
        "anonymous": sent(26, 8, anonymous=True),
    }
    at(25, r["rejected_long_ago"], lan, "reject", reason="ngoai-dia-ban")
    at(25, r["anonymous"], lan, "reject", reason="ngoai-dia-ban")
    at(26, r["merged_long_ago"], lan, "merge", into=r["open_for_long"].tracking_code)
    at(29, r["rejected_again_lately"], lan, "reject", reason="ngoai-dia-ban")
    at(28, r["rejected_again_lately"], lan, "reopen", reason="Nhầm địa bàn")
    at(1, r["rejected_again_lately"], lan, "reject", reason="ngoai-dia-ban")
    at(20, r["reopened"], lan, "reopen", reason="Đèn lại hỏng")
    return r


def erased(lives) -> set[str]:
    return {
        name for name, report in lives.items() if Report.objects.get(pk=report.pk).personal_data_erased_at
    }


def anonymisations() -> list[Event]:
    return list(Event.objects.filter(kind=EventKind.ANONYMISED).order_by("id"))


def test_only_reports_that_ended_more_than_24_months_ago_are_anonymised(lives, settings):
    assert settings.PHANANH_RETENTION_MONTHS == 24
    with freeze_time(NOW):
        done = anonymise_past_retention()

    assert erased(lives) == {"closed_long_ago", "rejected_long_ago", "merged_long_ago", "anonymous"}
    assert done == 4
    for name in ("closed_long_ago", "rejected_long_ago", "merged_long_ago"):
        report = Report.objects.get(pk=lives[name].pk)
        assert (report.reporter_name, report.reporter_phone, report.reporter_email) == ("", "", "")
        assert report.personal_data_erased_at == NOW and report.consent_withdrawn_at is None
        assert "Tôi là [đã xóa]." in report.description
    kept = Report.objects.get(pk=lives["closed_lately"].pk)
    assert (kept.reporter_name, kept.personal_data_erased_at) == ("Đỗ Minh Khoa 2", None)
    assert Report.objects.get(pk=lives["reopened"].pk).status == Status.IN_PROGRESS

    # Each got its event, by the system, with what went and no data
    events = {e.report_id: e for e in anonymisations()}
    assert set(events) == {lives[name].pk for name in erased(lives)}
    old = events[lives["closed_long_ago"].pk]
    assert (old.actor_id, old.actor_label, old.is_public, old.status_after) == (
        None,
        "system",
        False,
        "closed",
    )
    assert old.data == {
        "erased": ["reporter_name", "reporter_phone", "reporter_email"],
        "messages": 0,
        "followers": 0,
        "texts": 1,
        "retention_months": 24,
    }
    assert events[lives["anonymous"].pk].data["erased"] == []


def test_running_it_again_changes_nothing(lives):
    with freeze_time(NOW):
        anonymise_past_retention()
        versions = dict(Report.objects.values_list("pk", "version"))
        events = anonymisations()

        assert anonymise_past_retention() == 0

    assert anonymisations() == events
    assert dict(Report.objects.values_list("pk", "version")) == versions


def test_the_period_is_a_setting_and_zero_keeps_everything(lives, settings):
    settings.PHANANH_RETENTION_MONTHS = 0
    with freeze_time(NOW):
        assert anonymise_past_retention() == 0
    assert erased(lives) == set()

    settings.PHANANH_RETENTION_MONTHS = 12
    with freeze_time(NOW):
        anonymise_past_retention()
    assert erased(lives) == {
        "closed_long_ago",
        "closed_lately",
        "rejected_long_ago",
        "merged_long_ago",
        "anonymous",
    }


def ended_long_ago(submit, count: int, first: int = 0) -> list[int]:
    """Reports closed three years ago, given as rows (as an import of old reports would leave them)."""
    ids = [submit(f"Đèn hỏng. Tôi là Đỗ Minh Khoa {n}.", **person(n)).pk for n in range(first, first + count)]
    old = timezone.now() - timedelta(days=3 * 365)
    Report.objects.filter(pk__in=ids).update(status=Status.CLOSED, closed_at=old, created_at=old)
    return ids


def test_a_batch_costs_the_same_statements_whatever_its_size(submit, settings):
    settings.PHANANH_RETENTION_BATCH = 100
    counts = []
    for size, first in ((3, 0), (12, 10)):
        ended_long_ago(submit, size, first)
        with CaptureQueriesContext(connection) as queries:
            assert anonymise_past_retention() == size
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_the_periodic_task_goes_through_every_batch(submit, settings):
    assert "phananh.privacy.tasks.anonymise_old_reports" in settings.PHANANH_PERIODIC_TASKS
    settings.PHANANH_RETENTION_BATCH = 5
    ids = ended_long_ago(submit, 12)

    anonymise_old_reports.enqueue()

    assert Report.objects.filter(pk__in=ids, personal_data_erased_at__isnull=False).count() == 12
    assert len(anonymisations()) == 12
