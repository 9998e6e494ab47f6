"""Statistics benchmark: the steering committee's figures over a province's two years of reports.

Run on a PostgreSQL database of its own, which it fills once and reuses afterwards:

    createdb -h 127.0.0.1 -U postgres bench_stats
    DB=postgres DB_NAME=bench_stats BENCH_REPORTS=200000 .venv/bin/python bench/stats.py

It generates reports (`manage.py generate_data`) until the database holds BENCH_REPORTS, brings
the monthly rollup up to date as the periodic job does, then starts the production server
(gunicorn with deploy/gunicorn.conf.py) and times over HTTP (median of 5 calls after one to warm
up) the year's summary (API), the unit table (API), the steering dashboard as the steering
committee opens it (signed in, `/can-bo/thong-ke/`, the same year, month by month; then week by
week) and the public statistics page, each beside its goal; it exits 1 when one is missed.
"""

from __future__ import annotations

import os
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))
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


def steering_member():
    from phananh.org.models import Role, Unit, UnitKind, User

    ioc = Unit.objects.get(kind=UnitKind.IOC, parent=None)
    user, _created = User.objects.update_or_create(
        username="bench-steering", defaults={"role": Role.STEERING, "unit": ioc, "is_active": True}
    )
    return user


def bearer_token(user) -> str:
    import secrets

    from phananh.org.auth import hash_token
    from phananh.org.models import ApiToken

    token = secrets.token_urlsafe(32)
    ApiToken.objects.create(user=user, key_hash=hash_token(token), name="bench")
    return token


def session_cookie(user) -> str:
    """A signed-in session of the user, as the browser's cookie would carry it."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


def run() -> bool:
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone
    from server import production_server, timed_get

    from phananh.stats import rollup

    call_command("migrate", verbosity=0)
    fill(REPORTS)
    started = time.perf_counter()
    months = rollup.rebuild_dirty()
    print(f"monthly rollup brought up to date ({months:,} rows) in {time.perf_counter() - started:.1f} s")
    today = timezone.localdate()
    year = f"from={today - timedelta(days=364)}&to={today}"
    user = steering_member()
    api = {"Authorization": f"Bearer {bearer_token(user)}"}
    browser = {"Cookie": session_cookie(user)}
    measured, first = {}, []
    # As deployed: the cache (which keeps what clean months add up to) is Redis, shared by workers.
    redis = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/6")
    import redis as redis_client

    redis_client.Redis.from_url(redis).flushdb()  # the first calls find nothing kept
    with production_server(WEB_CONCURRENCY="2", REDIS_URL=redis) as base:
        asked = {
            "year summary (API)": (f"{base}/api/v1/stats/summary?{year}", api),
            "unit table (API)": (f"{base}/api/v1/stats/units?{year}", api),
            "dashboard page": (f"{base}/can-bo/thong-ke/?{year}", browser),
            "dashboard page, by week": (f"{base}/can-bo/thong-ke/?{year}&interval=week", browser),
            "public statistics page": (f"{base}/thong-ke/?{year}", {}),
        }
        for name, (url, headers) in asked.items():
            measured[name] = timed_get(url, headers, first=first)
    ok = True
    print(f"\n{REPORTS:,} reports on {os.environ['DB']}, production server; the last 365 days:")
    print(f"  {'':<26} {'median':>8}   {'first':>8}")
    for (name, took), cold in zip(measured.items(), first, strict=True):
        goal = GOALS.get(name)
        passed = goal is None or took <= goal
        ok &= passed
        verdict = f"goal {goal} ms  {'ok' if passed else 'MISSED'}" if goal else "(no goal of its own)"
        print(f"  {name:<26} {took:>6.0f} ms  {cold:>6.0f} ms   {verdict}")
    print("(first: the first call, before the cache holds what the clean months add up to)")
    return ok


if __name__ == "__main__":
    sys.exit(0 if run() else 1)
