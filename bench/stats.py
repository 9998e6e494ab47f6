"""Statistics benchmark: the steering committee's figures over a province's two years of reports.

Run on a PostgreSQL database of its own, which it fills once and reuses afterwards:

    createdb -h 127.0.0.1 -U postgres bench_stats
    DB=postgres DB_NAME=bench_stats BENCH_REPORTS=200000 .venv/bin/python bench/stats.py

It generates reports (`manage.py generate_data`) until the database holds BENCH_REPORTS, then
times, through Django's test client (median of 5 calls after one to warm up), the year's summary
(API), the unit table (API) and the public statistics page, each beside its goal, and exits 1
when one is missed. The dashboard page is timed as the steering committee opens it (signed in,
`/can-bo/thong-ke/`, the same year).
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "phananh.settings")
os.environ.setdefault("DB", "postgres")
os.environ.setdefault("DB_NAME", "bench_stats")
os.environ.setdefault("LOG_LEVEL", "WARNING")

REPORTS = int(os.environ.get("BENCH_REPORTS", "20000"))
# (name, goal in ms) — issue 10's goals at 1,000,000 reports.
GOALS = {
    "year summary (API)": 300,
    "unit table (API)": 500,
    "dashboard page": 1000,
    "public statistics page": 300,
}


def timed(client, url: str, runs: int = 5) -> float:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code, response.content[:300])
    times = []
    for _run in range(runs):
        started = time.perf_counter()
        client.get(url)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def fill(count: int) -> None:
    from phananh.reports.models import Report
    from phananh.stats.generator import generate

    have = Report.objects.count()
    if have >= count:
        print(f"{have:,} reports already there")
        return
    started = time.perf_counter()
    generate(reports=count - have, progress=lambda done: print(f"  {have + done:,} reports", flush=True))
    print(f"generated {count - have:,} reports in {time.perf_counter() - started:.0f} s")


def token_for_steering() -> str:
    from django.core.cache import cache
    from django.test import Client

    from phananh.org.models import Role, Unit, UnitKind, User

    ioc = Unit.objects.get(kind=UnitKind.IOC, parent=None)
    user, _created = User.objects.get_or_create(
        username="bench-steering", defaults={"role": Role.STEERING, "unit": ioc}
    )
    user.set_password("bench-password")
    user.save()
    cache.clear()
    response = Client().post(
        "/api/v1/auth/token",
        {"username": user.username, "password": "bench-password"},
        content_type="application/json",
    )
    return response.json()["token"]


def run() -> bool:
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    fill(REPORTS)
    today = timezone.localdate()
    year = f"from={today - timedelta(days=364)}&to={today}"
    api = Client(headers={"Authorization": f"Bearer {token_for_steering()}"})
    steering = Client()
    steering.login(username="bench-steering", password="bench-password")
    measured = {
        "year summary (API)": timed(api, f"/api/v1/stats/summary?{year}"),
        "unit table (API)": timed(api, f"/api/v1/stats/units?{year}"),
        "dashboard page": timed(steering, f"/can-bo/thong-ke/?{year}"),
        "public statistics page": timed(Client(), f"/thong-ke/?{year}"),
    }
    ok = True
    print(f"\n{REPORTS:,} reports on {os.environ['DB']}; the last 365 days:")
    for name, goal in GOALS.items():
        passed = measured[name] <= goal
        ok &= passed
        print(f"  {name:<26} {measured[name]:>8.0f} ms   goal {goal} ms  {'ok' if passed else 'MISSED'}")
    return ok


if __name__ == "__main__":
    sys.exit(0 if run() else 1)
