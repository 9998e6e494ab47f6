"""Public map benchmark: the cluster endpoint with 100,000 published reports.

Run with `.venv/bin/python bench/public_map.py` (SQLite, a throw-away database). With
`DB=postgres` it then runs again on PostgreSQL, in a database it creates beside `DB_NAME`
(default `test`) and drops at the end. It prints, for each zoom, the time and size of one call
through Django's test client, with the targets they are held to, and exits 1 when one is missed.
A few other public pages are timed too, for information.
"""

from __future__ import annotations

import html
import math
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
# The PostgreSQL run is a child process of the SQLite one (settings are read once per process).
BACKEND = os.environ.get("BENCH_BACKEND", "sqlite")
ALSO_POSTGRES = BACKEND == "sqlite" and os.environ.get("DB") == "postgres"
PG_BASE = os.environ.get("DB_NAME", "test") if ALSO_POSTGRES else "test"
work = Path(tempfile.mkdtemp(prefix="phananh-bench-map-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "phananh.settings")
os.environ["MEDIA_ROOT"] = str(work / "media")
os.environ["LOG_LEVEL"] = "WARNING"
if BACKEND == "sqlite":
    os.environ["DB"] = "sqlite"
    os.environ["DB_NAME"] = str(work / "bench.sqlite3")
warnings.filterwarnings("ignore", "No directory at")

REPORTS = int(os.environ.get("BENCH_REPORTS", "100000"))
TARGET_MS = 300
TARGET_BYTES = 50 * 1024
# A desktop browser window; the phone's is smaller, so its answers are smaller still.
VIEWPORT = (1280, 800)
CITY = (21.8537, 106.7615)  # Lạng Sơn
PROVINCE = (21.85, 106.60)
# (name, zoom, centre): the views a citizen sees, from the whole country to one street.
VIEWS = [
    ("country", 6, (16.0, 106.0)),
    ("province", 9, PROVINCE),
    ("district", 11, PROVINCE),
    ("city", 13, CITY),
    ("quarter", 15, CITY),
    ("street", 17, CITY),
    ("street, max zoom", 19, CITY),
]


def bbox_for(zoom: int, centre: tuple[float, float]) -> str:
    """The box a Leaflet map of VIEWPORT pixels shows at `zoom` around `centre` (Web Mercator)."""
    degrees_per_pixel = 360 / (256 * 2**zoom)
    half_w = VIEWPORT[0] / 2 * degrees_per_pixel
    half_h = VIEWPORT[1] / 2 * degrees_per_pixel * math.cos(math.radians(centre[0]))
    lat, lon = centre
    return f"{lon - half_w:.6f},{lat - half_h:.6f},{lon + half_w:.6f},{lat + half_h:.6f}"


def places(n: int, rng: random.Random):
    """Where reports are: most in the city, many in the towns, the rest anywhere in the province."""
    towns = [(21.64, 106.55), (22.03, 106.62), (21.95, 106.40), (21.78, 107.05), (22.20, 106.80)]
    for i in range(n):
        pick = i % 10
        if pick < 4:
            lat, lon, spread = CITY[0], CITY[1], 0.02
        elif pick < 7:
            (lat, lon), spread = rng.choice(towns), 0.03
        else:
            yield round(rng.uniform(21.30, 22.45), 6), round(rng.uniform(106.05, 107.35), 6)
            continue
        yield round(rng.gauss(lat, spread), 6), round(rng.gauss(lon, spread), 6)


def create_reports(n: int) -> None:
    from django.utils import timezone

    from phananh.core.text import fold
    from phananh.reports.codes import ALPHABET
    from phananh.reports.models import Category, Report
    from phananh.reports.statuses import Status

    rng = random.Random(20260101)
    categories = list(Category.objects.values_list("pk", flat=True))
    now = timezone.now()
    codes: set[str] = set()
    while len(codes) < n:
        codes.add("PA-26-" + "".join(rng.choice(ALPHABET) for _ in range(6)))
    batch = []
    for code, (lat, lon) in zip(sorted(codes), places(n, rng), strict=True):
        description = f"Ổ gà trên đường số {rng.randint(1, 400)}, cần sửa gấp"
        when = now - timedelta(minutes=rng.randint(0, 500_000))
        batch.append(
            Report(
                tracking_code=code,
                secret_hash="0" * 64,
                description=description,
                category_id=rng.choice(categories),
                latitude=lat,
                longitude=lon,
                consent_at=when,
                channel="web",
                status=Status.CLOSED if rng.random() < 0.7 else Status.RESOLVED,
                is_public=True,
                published_at=when + timedelta(days=3),
                resolved_at=when + timedelta(days=2),
                search_text=f" {fold(code + ' ' + description)} ",
            )
        )
    Report.objects.bulk_create(batch, batch_size=2000)
    add_history(rng, now)
    # A few private reports, which the map must not count.
    Report.objects.filter(pk__in=Report.objects.order_by("pk").values("pk")[:100]).update(is_public=None)
    # created_at is auto_now_add: spread it afterwards so that periods and lists are realistic.
    Report.objects.update(created_at=now - timedelta(days=30))


def add_history(rng: random.Random, now) -> None:
    """What the workflow would have left: three public events, a handling step, most ratings.

    The map does not read them; the home page and the statistics do.
    """
    from phananh.reports.models import Rating, Report
    from phananh.workflow.models import Event, Step, StepKind

    events, steps, ratings = [], [], []
    for pk in Report.objects.values_list("pk", flat=True).iterator():
        for kind in ("submitted", "accepted", "dispatched"):
            events.append(Event(report_id=pk, kind=kind, is_public=True))
        late = rng.random() < 0.1
        steps.append(
            Step(
                report_id=pk,
                kind=StepKind.HANDLING,
                duration_unit="working_days",
                started_at=now - timedelta(days=20),
                deadline=now - timedelta(days=15),
                original_deadline=now - timedelta(days=15),
                finished_at=now - timedelta(days=14 if late else 16),
                on_time=not late,
                outcome="result",
            )
        )
        if rng.random() < 0.6:
            value = rng.choices(["satisfied", "acceptable", "unsatisfied"], [77, 15, 8])[0]
            ratings.append(Rating(report_id=pk, closure=1, value=value))
    Event.objects.bulk_create(events, batch_size=5000)
    Step.objects.bulk_create(steps, batch_size=5000)
    Rating.objects.bulk_create(ratings, batch_size=5000)


def timed(client, url: str, runs: int = 5) -> tuple[float, int, dict | None]:
    client.get(url)  # warm the page and the database's cache, as a live server is
    times, size, body = [], 0, None
    for _ in range(runs):
        start = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code, response.content[:300])
        size = len(response.content)
        if response["Content-Type"].startswith("application/json"):
            body = response.json()
    return statistics.median(times), size, body


def _next_page(client) -> str:
    """The list page's "next" link, as a reader who pressed it would follow (a cursor)."""
    found = re.search(r'rel="next" href="([^"]+)"', client.get("/phan-anh/").content.decode())
    return "/phan-anh/" + html.unescape(found.group(1)) if found else "/phan-anh/"


def run() -> bool:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    call_command("migrate", verbosity=0)
    start = time.perf_counter()
    create_reports(REPORTS)
    published = REPORTS - 100
    print(f"[{BACKEND}] {REPORTS:,} reports created in {time.perf_counter() - start:.1f} s")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    else:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    client = Client()
    ok = True
    print(f"{'view':>18} {'zoom':>4} {'ms':>8} {'kB':>7} {'clusters':>9} {'reports':>8}")
    for name, zoom, centre in VIEWS:
        url = f"/ban-do/cum.json?bbox={bbox_for(zoom, centre)}&zoom={zoom}"
        ms, size, body = timed(client, url)
        good = ms <= TARGET_MS and size <= TARGET_BYTES
        ok &= good
        print(
            f"{name:>18} {zoom:>4} {ms:8.1f} {size / 1024:7.1f} {len(body['clusters']):>9} "
            f"{body['total']:>8}  {'ok' if good else 'MISSED'}"
        )
    # Every published report is counted once when the whole province is in view.
    _, _, body = timed(client, "/ban-do/cum.json?bbox=105,20,108,23&zoom=8", runs=1)
    counted = body["total"] == published
    ok &= counted
    print(
        f"{'all counted':>18}: {body['total']:,} of {published:,} published  {'ok' if counted else 'MISSED'}"
    )
    ms, size, _ = timed(client, f"/ban-do/cum.json?bbox={bbox_for(13, CITY)}&zoom=13&field=ha-tang-do-thi")
    print(f"{'city, one field':>18} {13:>4} {ms:8.1f} {size / 1024:7.1f}")

    print(f"targets: <= {TARGET_MS} ms and <= {TARGET_BYTES // 1024} kB per cluster call")
    print("other public pages (for information):")
    for name, url in [
        ("home", "/"),
        ("list", "/phan-anh/"),
        ("list, next page", _next_page(client)),
        ("list, search", "/phan-anh/?q=duong+so+12"),
        ("api list", "/api/v1/public/reports?page_size=100"),
        ("api list, bbox", f"/api/v1/public/reports?bbox={bbox_for(15, CITY)}"),
        ("statistics", "/thong-ke/"),
    ]:
        ms, size, _ = timed(client, url, runs=3)
        print(f"{name:>18} {ms:8.1f} ms {size / 1024:7.1f} kB")
    return ok


def run_on_postgres() -> bool:
    """The same run in a child process, on a PostgreSQL database created beside PG_BASE and dropped."""
    import psycopg

    name = f"phananh_bench_{os.getpid()}"
    params = {
        "host": os.environ.get("DB_HOST", "127.0.0.1"),
        "port": os.environ.get("DB_PORT", "5432"),
        "user": os.environ.get("DB_USER", "postgres"),
        "password": os.environ.get("DB_PASSWORD", ""),
    }
    with psycopg.connect(dbname=PG_BASE, autocommit=True, **params) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        env = {**os.environ, "BENCH_BACKEND": "postgres", "DB": "postgres", "DB_NAME": name}
        return subprocess.run([sys.executable, __file__], env=env, check=False).returncode == 0
    finally:
        with psycopg.connect(dbname=PG_BASE, autocommit=True, **params) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    try:
        ok = run()
    finally:
        if os.environ.get("BENCH_KEEP"):
            print(f"kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    if ALSO_POSTGRES:
        ok = run_on_postgres() and ok
    sys.exit(0 if ok else 1)
