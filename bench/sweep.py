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

Side by side at a province's sizes, on the databases of `bench/databases.py`:

    .venv/bin/python bench/sweep.py bench_20k bench_200k bench_1m

runs the same on each database in turn, with open reports added in proportion to its reports
(10.5%: the issue's 105,000 running steps at a million; started over the last BENCH_DAYS days, as
above, besides the steps the generator left running), then prints each sweep's seconds beside the others and
how they grew from the last size but one to the last. Those databases are left as they were
found: the reports the run added are deleted, and the reminder marks of the steps that were
running there are put back.
"""

from __future__ import annotations

import json
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
# Running steps per report when the bench compares sizes: the province had 105,000 running
# steps at a million reports.
RUNNING_SHARE = 0.105
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
    people = cast()  # the province and its staff, made when the database has none
    # Everyone has an email address, so that the sweep queues the emails of those who want them.
    User.objects.filter(email="").update(email=Concat("username", Value("@bench.example.vn")))
    have = running_steps().count()
    wanted = have + int(os.environ["BENCH_ADD"]) if os.environ.get("BENCH_ADD") else RUNNING
    if have >= wanted:
        print(f"{have:,} running steps already there")
        return
    rng, now = random.Random(have), timezone.now()
    units = people.departments + people.communes + [d for ds in people.divisions.values() for d in ds]
    first = Report.objects.count()
    started = time.perf_counter()
    for offset in range(0, wanted - have, CHUNK):
        lives = []
        for n in range(first + offset, first + min(offset + CHUNK, wanted - have)):
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


def restore_point():
    """What a run changes in a database that is not its own: the running steps there before it
    (their reminded and escalated marks) and the last report's id (the reports it adds follow)."""
    from django.db.models import Max

    from phananh.reports.models import Report

    steps = list(running_steps().values_list("pk", "reminded_at", "escalated_at"))
    return Report.objects.aggregate(last=Max("pk"))["last"] or 0, steps


def restore(point) -> None:
    """Remove what the run added (its reports, their steps, what the sweeps wrote) and put the
    marks of the steps that were there back as they were."""
    from django.db import connection, transaction

    from phananh.workflow.models import Step

    last, steps = point
    reset(None, None)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM workflow_step WHERE report_id > %s", [last])
        cursor.execute("DELETE FROM reports_report WHERE id > %s", [last])
        for pk, reminded, escalated in steps:
            Step.objects.filter(pk=pk).update(reminded_at=reminded, escalated_at=escalated)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE workflow_step")
        cursor.execute("VACUUM ANALYZE reports_report")


def run() -> dict:
    """The sweeps, printed as they go; their figures by name."""
    from django.urls import reverse
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from phananh.notify import sweeper
    from phananh.notify.models import Delivery

    # A worker has its URLs loaded after its first task; the emails' links need them.
    reverse("backoffice:email_settings")
    now = timezone.now()
    reset(now, None)
    near, overdue = sweeper._near(now).count(), sweeper._overdue(now).count()
    print(f"running steps: {running_steps().count():,}; due: {overdue:,} overdue, {near:,} near the deadline")

    print()
    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"{'sweep':<30}{'notes':>9}{'emails':>9}{'tasks':>7}{'cpu s':>8}{'seconds':>9}{'goal':>6}")
    figures = {}

    def line(name, notes, emails, tasks, cpu, seconds, due):
        figures[name] = {
            "notes": notes,
            "emails": emails,
            "tasks": tasks,
            "cpu": cpu,
            "seconds": seconds,
            "due": due,
        }
        print(
            f"{name:<30}{notes:>9,}{emails:>9,}{tasks:>7,}{cpu:>8.2f}{seconds:>9.2f}{GOAL_SECONDS:>5.0f}s"
            f" {'ok' if seconds < GOAL_SECONDS else 'MISSED'}",
            flush=True,
        )

    for due in (*DUE, None):
        if due and due > overdue + near:
            continue
        reset(now, due)
        started, cpu = time.perf_counter(), time.process_time()
        created = sweeper.sweep_deadlines(now=now)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        emails = Delivery.objects.filter(purpose__startswith="staff_deadline_").count()
        tasks = DBTaskResult.objects.filter(task_path="phananh.notify.delivery_tasks.deliver_batch").count()
        name = f"{due:,} steps due" if due else "first run, all due"
        line(name, created, emails, tasks, cpu, seconds, due or overdue + near)

    idle, cpus = [], []
    for _run in range(5):
        started, cpu = time.perf_counter(), time.process_time()
        assert sweeper.sweep_deadlines(now=now) == 0
        idle.append(time.perf_counter() - started)
        cpus.append(time.process_time() - cpu)
    line("nothing due (median of 5)", 0, 0, 0, statistics.median(cpus), statistics.median(idle), 0)
    return figures


def one() -> int:
    """The bench on the database of the environment (DB_NAME)."""
    import django

    django.setup()
    point = restore_point() if os.environ.get("BENCH_RESTORE") else None
    fill()
    try:
        figures = run()
    finally:
        if point is not None:
            restore(point)
    if path := os.environ.get("BENCH_FIGURES"):
        Path(path).write_text(json.dumps(figures))
    return 1 if any(f["seconds"] >= GOAL_SECONDS for f in figures.values()) else 0


def reports_in(database: str) -> int:
    import psycopg

    with psycopg.connect(host="127.0.0.1", user="postgres", dbname=database) as db:
        return db.execute("SELECT count(*) FROM reports_report").fetchone()[0]


def side_by_side(databases: list[str]) -> int:
    """The bench on each database in turn, with running steps in proportion to its reports (the
    issue's province: 105,000 running steps at a million reports), left as it was found; then the
    figures side by side and their growth."""
    import subprocess
    import tempfile

    results, missed = {}, 0
    for database in databases:
        reports = reports_in(database)
        running = round(reports * RUNNING_SHARE)
        print(f"\n{database}: {reports:,} reports, adding {running:,} with a running step", flush=True)
        with tempfile.NamedTemporaryFile(suffix=".json") as out:
            env = {
                **os.environ,
                "DB_NAME": database,
                "BENCH_ADD": str(running),
                "BENCH_RESTORE": "1",
                "BENCH_FIGURES": out.name,
            }
            missed += subprocess.run([sys.executable, __file__], env=env).returncode != 0
            results[database] = json.loads(Path(out.name).read_text() or "{}")
    names = [name for name in results[databases[-1]] if all(name in r for r in results.values())]
    print(f"\nseconds per sweep (goal < {GOAL_SECONDS:.0f} s); in brackets, ms per due step")
    print(f"{'sweep':<30}" + "".join(f"{d:>22}" for d in databases))
    for name in names:
        cells = []
        for database in databases:
            figure = results[database][name]
            per = f" ({1000 * figure['seconds'] / figure['due']:.2f})" if figure["due"] else ""
            cells.append(f"{figure['seconds']:.2f} s{per}")
        print(f"{name:<30}" + "".join(f"{cell:>22}" for cell in cells))
    if len(databases) >= 2:
        smaller, larger = results[databases[-2]], results[databases[-1]]
        print(
            f"\ngrowth from {databases[-2]} to {databases[-1]} (more than 2x is a defect to fix or explain)"
        )
        for name in names:
            a, b = smaller[name], larger[name]
            ratio = b["seconds"] / max(a["seconds"], 1e-6)
            per = ""
            if a["due"] and b["due"]:
                per_ratio = (b["seconds"] / b["due"]) / (a["seconds"] / a["due"])
                per = f", per due step {per_ratio:.2f}x"
            print(f"  {name:<30} {ratio:6.2f}x{per}")
    return 1 if missed else 0


def main(argv: list[str]) -> int:
    return side_by_side(argv) if argv else one()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
