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

Each sweep starts from a reset: what earlier runs wrote is removed (notifications, deliveries,
delivery tasks) and, of the steps due, all but the wanted number are marked done, as earlier
sweeps would have. It times, beside the 5 s goal, at one moment:
  - sweeps with 1,000 and 7,000 steps due, the others already done;
  - the first sweep: every step that is due is reminded or escalated;
  - a sweep with nothing due (the median of 5), right after it.
It prints how many notifications, emails and delivery tasks each wrote, the CPU time of this
process (PostgreSQL's own time is not in it) beside the wall time, and the machine's load
average, and exits 1 when one misses its goal.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
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
# Sweeps timed besides the first one, with this many steps due (about 7,000: the first run
# sent 6,723 emails).
DUE = (1_000, 7_000)
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


def reset(now, due: int | None) -> None:
    """Back to before a sweep at `now` with `due` steps due (all the due ones when None).

    Nothing written by earlier runs is left (notifications, deliveries, delivery tasks); of the
    steps due at `now`, all but the first `due` are marked as reminded and escalated as earlier
    sweeps would have; the steps not yet due stay as they are, in the sweeper's indexes.
    """
    from django.db import connection
    from django_tasks_db.models import DBTaskResult

    from phananh.notify import sweeper
    from phananh.notify.models import Delivery, Notification

    running_steps().exclude(reminded_at=None, escalated_at=None).update(reminded_at=None, escalated_at=None)
    Notification.objects.filter(kind__in=("deadline_near", "deadline_passed")).delete()
    Delivery.objects.filter(purpose__in=("staff_deadline_near", "staff_deadline_passed")).delete()
    DBTaskResult.objects.filter(task_path__startswith="phananh.notify.delivery_tasks.").delete()
    if due is not None:
        overdue = set(sweeper._overdue(now).values_list("pk", flat=True))
        near = set(sweeper._near(now).values_list("pk", flat=True))
        keep = set(sorted(overdue | near)[:due])
        running_steps().filter(pk__in=overdue - keep).update(escalated_at=now, reminded_at=now)
        running_steps().filter(pk__in=near - keep).update(reminded_at=now)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE workflow_step")


def main() -> int:
    import django

    django.setup()
    from django.urls import reverse
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from phananh.notify import sweeper
    from phananh.notify.models import Delivery

    fill()
    # A worker has its URLs loaded after its first task; the emails' links need them.
    reverse("backoffice:email_settings")
    now = timezone.now()
    reset(now, None)
    near, overdue = sweeper._near(now).count(), sweeper._overdue(now).count()
    print(f"running steps: {running_steps().count():,}; due: {overdue:,} overdue, {near:,} near the deadline")

    print()
    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"{'sweep':<30}{'notes':>9}{'emails':>9}{'tasks':>7}{'cpu s':>8}{'seconds':>9}{'goal':>6}")
    missed = 0

    def line(name, notes, emails, tasks, cpu, seconds):
        nonlocal missed
        ok = seconds < GOAL_SECONDS
        missed += not ok
        print(
            f"{name:<30}{notes:>9,}{emails:>9,}{tasks:>7,}{cpu:>8.2f}{seconds:>9.2f}{GOAL_SECONDS:>5.0f}s"
            f" {'ok' if ok else 'MISSED'}",
            flush=True,
        )

    for due in (*DUE, None):
        reset(now, due)
        started, cpu = time.perf_counter(), time.process_time()
        created = sweeper.sweep_deadlines(now=now)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        emails = Delivery.objects.filter(purpose__startswith="staff_deadline_").count()
        tasks = DBTaskResult.objects.filter(task_path="phananh.notify.delivery_tasks.deliver_batch").count()
        name = f"{due:,} steps due" if due else f"first, all {overdue + near:,} due"
        line(name, len(created), emails, tasks, cpu, seconds)

    idle, cpus = [], []
    for _run in range(5):
        started, cpu = time.perf_counter(), time.process_time()
        assert sweeper.sweep_deadlines(now=now) == []
        idle.append(time.perf_counter() - started)
        cpus.append(time.process_time() - cpu)
    line("nothing due (median of 5)", 0, 0, 0, statistics.median(cpus), statistics.median(idle))
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
