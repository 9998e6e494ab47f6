"""Export benchmark: the peak memory of the report list's Excel export at a million rows.

    .venv/bin/python bench/export.py                      # 1,000,000 rows made up on the fly
    BENCH_ROWS=200000 .venv/bin/python bench/export.py
    BENCH_DB=1 DB=postgres DB_NAME=bench_stats .venv/bin/python bench/export.py

By default it feeds `stats.exports.reports_xlsx` rows shaped like the report list's (code, two
times, names, yes/no), so that the writer alone is measured, without a database to fill. With
BENCH_DB=1 it exports the whole report list of the database that `bench/stats.py` filled, through
the same cursor as the dashboard's download. It prints the process's peak resident memory
(`resource.getrusage`) before and after, the file's size and the time, beside the goal, and
exits 1 when the goal is missed.
"""

from __future__ import annotations

import os
import resource
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "phananh.settings")
os.environ.setdefault("DB", "sqlite")
os.environ.setdefault("LOG_LEVEL", "WARNING")

ROWS = int(os.environ.get("BENCH_ROWS", "1000000"))
FROM_DB = os.environ.get("BENCH_DB") == "1"
# Issue 10: a million-row list exports without the process growing past a few hundred MB.
GOAL_MB = 300


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports kB


def made_up_rows(count: int):
    start = datetime(2025, 1, 1, 7, 30)
    for i in range(count):
        received = start + timedelta(minutes=i % 500_000)
        yield (
            f"PA-25-{i:06d}",
            received,
            "Hạ tầng đô thị",
            "Cổng thông tin",
            "Sở Xây dựng",
            "Phường Lương Văn Tri",
            "Đã xử lý",
            "Không",
            received + timedelta(days=3),
            "Không",
            "Hài lòng",
        )


def main() -> int:
    import django

    django.setup()
    from django.utils import translation

    from phananh.stats import exports
    from phananh.stats.selectors import Period

    translation.activate("vi")
    before = peak_mb()
    started = time.perf_counter()
    if FROM_DB:
        rows = exports.report_rows(period=Period(date(2000, 1, 1), date.today()))
    else:
        rows = made_up_rows(ROWS)
    out = exports.reports_xlsx(rows, title="Phản ánh hiện trường", subtitle="Toàn tỉnh")
    size = out.seek(0, 2)
    out.close()
    seconds = time.perf_counter() - started
    after = peak_mb()
    source = "the database's reports" if FROM_DB else f"{ROWS:,} made-up rows"
    print(f"report list export, {source}: {size / 1e6:,.1f} MB of XLSX in {seconds:,.0f} s")
    print(f"peak resident memory: {before:,.0f} MB before, {after:,.0f} MB after (goal: under {GOAL_MB} MB)")
    return 0 if after < GOAL_MB else 1


if __name__ == "__main__":
    sys.exit(main())
