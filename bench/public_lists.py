"""Public lists, search, map and home page at a province's volume, through the production server.

    DB=postgres .venv/bin/python bench/public_lists.py bench_20k bench_200k bench_1m

Each argument is a PostgreSQL database that holds generated reports (`manage.py generate_data
--reports N`). For each one, the bench brings it to the latest migration, vacuums and analyses
it, starts gunicorn with the production configuration (deploy/gunicorn.conf.py, 4 sync workers)
on loopback, and times each page over HTTP from one client, one request at a time: the median
and the 95th percentile, beside the goal. Then, for the last two databases, how each figure grew.
A page 90% deep is reached by a cursor made for the report found there, as a client that followed
the `next` links would hold it.
"""

from __future__ import annotations

import http.client
import math
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "phananh.settings")
os.environ.setdefault("DB", "postgres")

import django  # noqa: E402

django.setup()

import psycopg  # noqa: E402
from server import production_server  # noqa: E402

from phananh.portal import pagination  # noqa: E402

REQUESTS = int(os.environ.get("BENCH_REQUESTS", "60"))
WARM_UP = 20
VIEWPORT = (1280, 800)
PROVINCE = (21.85, 106.60)


def bbox_for(zoom: int, centre: tuple[float, float]) -> str:
    """The box a Leaflet map of VIEWPORT pixels shows at `zoom` around `centre` (Web Mercator)."""
    degrees_per_pixel = 360 / (256 * 2**zoom)
    half_w = VIEWPORT[0] / 2 * degrees_per_pixel
    half_h = VIEWPORT[1] / 2 * degrees_per_pixel * math.cos(math.radians(centre[0]))
    lat, lon = centre
    return f"{lon - half_w:.6f},{lat - half_h:.6f},{lon + half_w:.6f},{lat + half_h:.6f}"


def environment(database: str, port: int) -> dict:
    return {
        **os.environ,
        "DB": "postgres",
        "DB_NAME": database,
        "PHANANH_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": os.environ.get("WEB_CONCURRENCY", "4"),
        "PHANANH_ACCESS_LOG": "/dev/null",
        "PHANANH_WEB_LOG_LEVEL": "warning",
        "LOG_LEVEL": "WARNING",
    }


def prepare(database: str) -> tuple[int, int]:
    env = environment(database, 0)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)
    with psycopg.connect(host="127.0.0.1", user="postgres", dbname=database, autocommit=True) as db:
        db.execute("VACUUM ANALYZE")
        total, public = db.execute(
            "SELECT count(*), count(*) FILTER (WHERE is_public) FROM reports_report"
        ).fetchone()
    return total, public


def deep_cursor(database: str, share: float) -> str:
    """The cursor of the page that starts `share` of the way down the newest-published list."""
    with psycopg.connect(host="127.0.0.1", user="postgres", dbname=database) as db:
        public = db.execute("SELECT count(*) FROM reports_report WHERE is_public").fetchone()[0]
        moment, pk = db.execute(
            "SELECT published_at, id FROM reports_report WHERE is_public "
            "ORDER BY published_at DESC, id DESC OFFSET %s LIMIT 1",
            [int(public * share)],
        ).fetchone()
    return pagination.encode(pagination.Cursor("p", pagination.FORWARD, 0, moment, pk))


def timed(port: int, path: str) -> tuple[float, float, int]:
    """(p50, p95) in ms over REQUESTS requests on one kept-alive connection, and the answer's size."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    times, size = [], 0
    for i in range(WARM_UP + REQUESTS):
        start = time.perf_counter()
        connection.request("GET", path, headers={"Accept-Language": "vi"})
        response = connection.getresponse()
        body = response.read()
        elapsed = (time.perf_counter() - start) * 1000
        if response.status != 200:
            raise SystemExit(f"{path}: {response.status} {body[:300]!r}")
        if i >= WARM_UP:
            times.append(elapsed)
        size = len(body)
    times.sort()
    return statistics.median(times), times[max(0, math.ceil(0.95 * len(times)) - 1)], size


def measures(database: str) -> list[tuple[str, str, float]]:
    """(name, path, goal in ms): the figures of the issue's table that belong to the public side."""
    deep = urlencode({"cursor": deep_cursor(database, 0.9)})
    return [
        # The floor on this machine: a request with one trivial query (no goal of its own).
        ("floor: /healthz", "/healthz", 50),
        ("API list, page 1", "/api/v1/public/reports", 50),
        ("API list, 90% deep (cursor)", f"/api/v1/public/reports?{deep}", 50),
        ("API search `duong`", "/api/v1/public/reports?text=duong", 50),
        (
            "map clusters, province zoom",
            f"/ban-do/cum.json?{urlencode({'bbox': bbox_for(9, PROVINCE)})}&zoom=9",
            50,
        ),
        ("home page", "/", 100),
        ("list page (HTML), page 1", "/phan-anh/", 100),
        ("list page (HTML), search `duong`", "/phan-anh/?q=duong", 100),
    ]


def main(databases: list[str]) -> int:
    results: dict[str, dict[str, float]] = {}
    missed = False
    for database in databases:
        total, public = prepare(database)
        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        print(f"\n{database}: {total:,} reports, {public:,} published (load average {load})")
        print(f"  {'measure':<34} {'p50 ms':>8} {'p95 ms':>8} {'goal':>6}  {'kB':>6}")
        concurrency = os.environ.get("WEB_CONCURRENCY", "4")
        with production_server(DB="postgres", DB_NAME=database, WEB_CONCURRENCY=concurrency) as base:
            port = int(base.rsplit(":", 1)[1])
            results[database] = {}
            for name, path, goal in measures(database):
                p50, p95, size = timed(port, path)
                results[database][name] = p95
                ok = p95 < goal
                missed |= not ok
                verdict = "ok" if ok else "MISSED"
                print(f"  {name:<34} {p50:8.1f} {p95:8.1f} {goal:>6}  {size / 1024:6.1f}  {verdict}")
    if len(databases) >= 2:
        smaller, larger = databases[-2], databases[-1]
        print(f"\ngrowth of p95 from {smaller} to {larger} (more than 2x is a defect to fix or explain)")
        for name, p95 in results[larger].items():
            ratio = p95 / results[smaller][name]
            print(f"  {name:<34} {ratio:5.2f}x  {'ok' if ratio <= 2 else 'GROWS'}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or ["bench_lists_20k", "bench_lists_200k", "bench_lists_1m"]))
