"""Deadline sweep benchmark: the first sweep over a province's running steps, and a sweep with nothing due.

Run on a PostgreSQL database of its own, which it fills once and reuses afterwards:

    createdb -h 127.0.0.1 -U postgres bench_sweep
    DB=postgres DB_NAME=bench_sweep .venv/bin/python bench/sweep.py

It migrates the database, then makes BENCH_RUNNING (105,000) open reports, each with one
running step, with the statistics generator's parts (its province, its reports, its steps and
deadlines): reception, handling (half of them assigned), approval and verification steps started
at random over the last BENCH_DAYS (10) days, so that at the first sweep about half of them are
due, many overdue, as after a sweeper that did not run for days. Only the steps, their reports
and the staff matter to the sweep, so the reports carry no timeline (`manage.py generate_data`
makes a whole timeline, at about 400 reports a second: 105,000 open reports at once would need
about a million). Every staff member gets an email address, so that the sweep queues the emails
of those who want reminders by email (all of them, by default).

Each run puts the running steps back as never reminded nor escalated and removes what earlier
runs wrote (their notifications, deliveries and delivery tasks), then times, beside the 5 s goal:
  - the first sweep: every step that is due is reminded or escalated;
  - a sweep with nothing due (the median of 5), right after it.
It exits 1 when one misses its goal.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "phananh.settings")
os.environ.setdefault("DB", "postgres")
os.environ.setdefault("DB_NAME", "bench_sweep")
os.environ.setdefault("LOG_LEVEL", "WARNING")

RUNNING = int(os.environ.get("BENCH_RUNNING", "105000"))
DAYS = float(os.environ.get("BENCH_DAYS", "10"))
GOAL_SECONDS = 5.0
CHUNK = 10_000
# The running steps' kinds, about as a province's open reports stand.
KINDS, WEIGHTS = ("reception", "handling", "approval", "verification"), (15, 60, 15, 10)
STATUS = {
    "reception": "submitted",
    "handling": "dispatched",
    "approval": "result_submitted",
    "verification": "result_approved",
}


def running_steps():
    from phananh.workflow.models import Step

    return Step.objects.filter(finished_at__isnull=True, paused_at__isnull=True)


def fill() -> None:
    """Reports with one running step each, made with the statistics generator's parts."""
    import random
    from datetime import timedelta

    from django.core.management import call_command
    from django.db import transaction
    from django.db.models import Value
    from django.db.models.functions import Concat
    from django.utils import timezone

    from phananh.org.models import User
    from phananh.reports.models import Report
    from phananh.reports.statuses import Status
    from phananh.stats.generator import Life, cast, new_report
    from phananh.workflow.deadlines import reminder_moment
    from phananh.workflow.models import Step

    call_command("migrate", verbosity=0)
    have = running_steps().count()
    if have >= RUNNING:
        print(f"{have:,} running steps already there")
        return
    rng, people, now = random.Random(have), cast(), timezone.now()
    units = people.departments + people.communes + [d for ds in people.divisions.values() for d in ds]
    first = Report.objects.count()
    started = time.perf_counter()
    for offset in range(0, RUNNING - have, CHUNK):
        lives = []
        for n in range(first + offset, first + min(offset + CHUNK, RUNNING - have)):
            created = now - timedelta(days=DAYS * rng.random())
            life = Life(new_report(rng, people, n, created), clock=created)
            report, kind = life.report, rng.choices(KINDS, weights=WEIGHTS)[0]
            if kind == "reception":
                life.step(kind, people.ioc)
            else:
                report.category = rng.choice(people.categories)
                report.urgency = rng.choice(("normal",) * 9 + ("complex",))
                report.lead_unit = rng.choice(units)
                focal, _leader, handler = people.staff[report.lead_unit.pk]
                if kind != "handling" or rng.random() < 0.5:
                    report.assignee = handler
                unit = people.ioc if kind == "verification" else report.lead_unit
                life.step(kind, unit, report.urgency)
            report.status = STATUS[kind]
            if kind == "handling" and report.assignee is not None:
                report.status = Status.IN_PROGRESS
            lives.append(life)
        with transaction.atomic():
            Report.objects.bulk_create([life.report for life in lives], batch_size=2000)
            steps = [life.steps[0] for life in lives]
            for life, step in zip(lives, steps, strict=True):
                step.report = life.report
                step.remind_at = reminder_moment(step.started_at, step.deadline)
            Step.objects.bulk_create(steps, batch_size=2000)
        print(f"  {have + offset + len(lives):,} running steps", flush=True)
    User.objects.filter(email="").update(email=Concat("username", Value("@bench.example.vn")))
    print(f"made in {time.perf_counter() - started:.0f} s")


def reset() -> None:
    """Back to before the first sweep: nothing reminded, nothing escalated, nothing written."""
    from django.db import connection
    from django_tasks_db.models import DBTaskResult

    from phananh.notify.models import Delivery, Notification

    running_steps().exclude(reminded_at=None, escalated_at=None).update(reminded_at=None, escalated_at=None)
    Notification.objects.filter(kind__in=("deadline_near", "deadline_passed")).delete()
    Delivery.objects.filter(purpose__in=("staff_deadline_near", "staff_deadline_passed")).delete()
    DBTaskResult.objects.filter(task_path__startswith="phananh.notify.delivery_tasks.").delete()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE workflow_step")


def main() -> int:
    import django

    django.setup()
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from phananh.notify import sweeper
    from phananh.notify.models import Delivery

    fill()
    reset()
    now = timezone.now()
    near, overdue = sweeper._near(now).count(), sweeper._overdue(now).count()
    print(f"running steps: {running_steps().count():,}; due: {overdue:,} overdue, {near:,} near the deadline")

    started = time.perf_counter()
    created = sweeper.sweep_deadlines(now=now)
    first = time.perf_counter() - started
    kinds = Counter(notification.kind for notification in created)
    emails = Delivery.objects.filter(purpose__startswith="staff_deadline_").count()
    tasks = DBTaskResult.objects.filter(task_path="phananh.notify.delivery_tasks.deliver_batch").count()
    print(
        f"written: {len(created):,} notifications ({kinds.get('deadline_passed', 0):,} escalations, "
        f"{kinds.get('deadline_near', 0):,} reminders), {emails:,} emails queued, {tasks:,} delivery tasks"
    )

    idle = []
    for _run in range(5):
        started = time.perf_counter()
        assert sweeper.sweep_deadlines() == []
        idle.append(time.perf_counter() - started)
    nothing = statistics.median(idle)

    print()
    print(f"{'measure':<34}{'seconds':>10}{'goal':>8}")
    missed = 0
    for name, seconds in (("first sweep (many due)", first), ("sweep with nothing due", nothing)):
        ok = seconds < GOAL_SECONDS
        missed += not ok
        print(f"{name:<34}{seconds:>10.3f}{GOAL_SECONDS:>7.0f}s {'ok' if ok else 'MISSED'}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
