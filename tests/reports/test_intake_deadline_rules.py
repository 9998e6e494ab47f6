"""Each process keeps the deadline rules and calendar days, and an administrator's change still
counts from the next report on, in every process.

An (the province's administrator) shortens the IOC's reception time before a storm and declares
a day off; the reports Lan sends next must count on the new rule and the new calendar, whichever
web process takes them. The other process is a real one, sharing the real Redis as Django's
cache, as two nodes do in production.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection

from phananh.org.models import User
from phananh.reports.intake import validate_submission
from phananh.workflow.calendar import Duration, WorkingCalendar
from phananh.workflow.models import CalendarDay, DeadlineRule, StepKind
from phananh.workflow.submission import report_submit
from tests.staff import signed_in

ROOT = Path(__file__).resolve().parent.parent.parent
REDIS_TEST_URL = os.getenv("REDIS_TEST_URL", "redis://127.0.0.1:6379/15")
HOURS = timedelta(hours=1)


def lan_reports() -> tuple:
    """Lan's pothole report, as the page takes it: (the report, its reception step)."""
    raw = {"description": "Ổ gà lớn trên đường Bà Triệu", "consent": True, "reporter_phone": "0912345678"}
    report = report_submit(submission=validate_submission(raw, channel="web")).report
    return report, report.steps.get(kind=StepKind.RECEPTION)


def reception_rule() -> DeadlineRule:
    return DeadlineRule.objects.get(step=StepKind.RECEPTION, urgency="", category=None)


@pytest.fixture
def admin_client(client, ioc):
    an = User.objects.create_superuser(username="an", password="x", email="an@langson.gov.vn")
    return signed_in(client, an)


@pytest.mark.django_db
def test_the_reception_time_an_administrator_sets_counts_from_the_next_report(admin_client):
    # Given a report taken on the default rule (8 working hours), which this process now keeps
    _, before = lan_reports()
    assert before.deadline - before.started_at >= 8 * HOURS

    # When An sets the reception time to 2 hours, any day and hour, in the administration
    rule = reception_rule()
    response = admin_client.post(
        f"/quan-tri/workflow/deadlinerule/{rule.pk}/change/",
        {"step": "reception", "urgency": "", "category": "", "amount": "2", "unit": "hours", "_save": "1"},
    )
    assert response.status_code == 302, response.content

    # Then the next report has 2 hours
    _, after = lan_reports()
    assert (after.deadline - after.started_at, after.duration_unit) == (2 * HOURS, "hours")


@pytest.mark.django_db
def test_a_day_off_an_administrator_declares_moves_the_next_reports_deadline(admin_client):
    _, before = lan_reports()
    calendar = WorkingCalendar(periods=django_settings.PHANANH_WORKING_PERIODS)
    # 8 working hours always reach into the next working day: make that day a day off
    started = before.started_at.astimezone(calendar.tz)
    day_off = next(
        day
        for day in (started.date() + timedelta(days=n) for n in range(1, 30))
        if calendar.is_working_day(day)
    )

    response = admin_client.post(
        "/quan-tri/workflow/calendarday/add/",
        {"date": day_off.isoformat(), "kind": "day_off", "name": "Nghỉ tránh bão", "_save": "1"},
    )
    assert response.status_code == 302, response.content
    assert CalendarDay.objects.filter(date=day_off).exists()

    _, after = lan_reports()
    with_the_day_off = WorkingCalendar(
        periods=django_settings.PHANANH_WORKING_PERIODS, extra_days_off={day_off}
    )
    assert after.deadline == with_the_day_off.deadline(after.started_at, Duration(8, "working_hours"))
    assert after.deadline != calendar.deadline(after.started_at, Duration(8, "working_hours"))


@pytest.fixture
def shared_cache(settings):
    """Django's cache in the real Redis, under a prefix of this test's own."""
    cache = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_TEST_URL,
            "KEY_PREFIX": f"test-deadline-data-{uuid.uuid4().hex[:12]}",
        }
    }
    settings.CACHES = cache
    return cache


# What the other process runs: An's change, saved as the administration's form saves it, or
# written to every rule at once as a bulk change does (QuerySet.update, no save()).
OTHER_PROCESS = """
import json, sys
import django
django.setup()
from decimal import Decimal
from django.test.utils import override_settings
from phananh.workflow.models import DeadlineRule

with override_settings(CACHES=json.loads(sys.argv[1])):
    rules = DeadlineRule.objects.filter(step="reception", urgency="", category=None)
    if sys.argv[2] == "save":
        rule = rules.get()
        rule.amount, rule.unit = Decimal(3), "hours"
        rule.save()
    else:
        rules.update(amount=Decimal(3), unit="hours")
"""


def in_another_process(cache: dict, how: str) -> None:
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DB_NAME")},
        "DJANGO_SETTINGS_MODULE": "phananh.settings",
        "PYTHONPATH": str(ROOT / "src"),
        "DB_NAME": str(connection.settings_dict["NAME"]),
        "LOG_LEVEL": "WARNING",
    }
    done = subprocess.run(
        [sys.executable, "-c", OTHER_PROCESS, json.dumps(cache), how],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("how", ["save", "update"])
def test_a_rule_changed_in_another_process_counts_here_from_the_next_report(ioc, shared_cache, how):
    # Given this process took a report and keeps the rules
    _, before = lan_reports()
    assert before.deadline - before.started_at >= 8 * HOURS

    # When another node changes the reception time to 3 hours
    in_another_process(shared_cache, how)
    assert (reception_rule().amount, reception_rule().unit) == (Decimal(3), "hours")

    # Then the next report taken here counts on it
    _, after = lan_reports()
    assert (after.deadline - after.started_at, after.duration_unit) == (3 * HOURS, "hours")
