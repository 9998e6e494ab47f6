"""The benchmarks' databases at a province's sizes: 20,000, 200,000 and 1,000,000 generated reports.

    .venv/bin/python bench/databases.py            # makes what is missing, prints what is there
    .venv/bin/python bench/databases.py 20k 200k   # only these

Each size is a PostgreSQL database of its own (`bench_20k`, `bench_200k`, `bench_1m`) holding the
statistics generator's reports (`manage.py generate_data`: whole timelines over two years). A
larger one starts as a copy of the next smaller one (`CREATE DATABASE … TEMPLATE`) and the
generator adds the rest, so that the million costs 800,000 reports of generation, not a million
(about 40 minutes on a quiet 2-core machine). A database that already holds its count is only
brought to the latest migration. The benchmarks that compare sizes (`bench/intake.py --sizes`,
`bench/sweep.py --sizes`, `bench/public_lists.py`) read these databases and never write reports
into them but through the intake they measure.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
PG = {"host": os.environ.get("PGHOST", "127.0.0.1"), "user": os.environ.get("PGUSER", "postgres")}
SIZES = {"20k": 20_000, "200k": 200_000, "1m": 1_000_000}


def name(size: str) -> str:
    return f"bench_{size}"


def psql(db: str, sql: str) -> str:
    command = ["psql", "-h", PG["host"], "-U", PG["user"], "-d", db, "-Atc", sql]
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout.strip()


def exists(db: str) -> bool:
    return psql("postgres", f"SELECT 1 FROM pg_database WHERE datname = '{db}'") == "1"


def django_env(db: str) -> dict:
    return {
        **os.environ,
        "DB": "postgres",
        "DB_NAME": db,
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT / "src"),
    }


def count(db: str) -> int:
    return int(psql(db, "SELECT count(*) FROM reports_report"))


def ensure(size: str, smaller: str | None) -> int:
    """The database of this size, made from the smaller one when there is one; its report count."""
    db, wanted = name(size), SIZES[size]
    if not exists(db):
        if smaller and exists(name(smaller)):
            # A template must have no other connection while it is copied.
            psql("postgres", f"CREATE DATABASE {db} TEMPLATE {name(smaller)}")
        else:
            psql("postgres", f"CREATE DATABASE {db}")
    manage = [PYTHON, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "--no-input", "-v", "0"], env=django_env(db), check=True, cwd=ROOT)
    have = count(db)
    if have < wanted:
        print(f"{db}: {have:,} reports, generating {wanted - have:,}...", flush=True)
        started = time.perf_counter()
        command = [*manage, "generate_data", "--reports", str(wanted - have), "-v", "0"]
        subprocess.run(command, env=django_env(db), check=True, cwd=ROOT)
        took = time.perf_counter() - started
        print(
            f"{db}: generated {wanted - have:,} in {took:.0f} s ({(wanted - have) / took:.0f}/s)", flush=True
        )
        psql(db, "VACUUM ANALYZE")
    have = count(db)
    print(f"{db}: {have:,} reports", flush=True)
    return have


def main(sizes: list[str]) -> None:
    unknown = [size for size in sizes if size not in SIZES]
    if unknown:
        sys.exit(f"unknown size {', '.join(unknown)}: choose among {', '.join(SIZES)}")
    order = list(SIZES)
    for size in sorted(sizes or order, key=order.index):
        position = order.index(size)
        ensure(size, order[position - 1] if position else None)


if __name__ == "__main__":
    main(sys.argv[1:])
