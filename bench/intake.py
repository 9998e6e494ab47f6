"""Intake benchmark: reports/s and latency through the production server, beside pgbench.

    .venv/bin/python bench/intake.py [--db bench_intake] [--reports 20000] [--seconds 20]
    .venv/bin/python bench/intake.py --sizes bench_20k bench_200k bench_1m

On PostgreSQL only (127.0.0.1:5432, user postgres, or PGHOST/PGUSER). It creates the database
`--db` when it does not exist, migrates it and fills it with `manage.py generate_data`, then:

1. times the cleaning of one 12 MP phone photo in this process (CPU time), as it was (stored at
   4,096 px: a full decode) and as it is (2,000 px: decoded at half size);
2. starts gunicorn with deploy/gunicorn.conf.py on a free loopback port (its workers: 2 × cores
   + 1, as in production; WEB_CONCURRENCY to change it) and sends it JSON reports from 16
   clients, then reports with one 3 MB phone photo from 8 clients, each for `--seconds`;
3. runs pgbench, in the same run, on a script it writes from the very statements one JSON
   report makes (captured from Django): the same rows into the same tables with the same
   indexes, one transaction per report, 16 clients. That is PostgreSQL's own rate for this
   work, the ceiling of any intake on this machine.

Every figure is printed beside its goal. The clients run on the same machine as the server and
the database: on a small machine they take some of its CPU, which the figures include. Tasks
go to the database backend (no REDIS_URL) and no worker runs meanwhile: they wait, as they do
during a burst. What a run writes (its reports and their rows, pgbench's, the tasks) is deleted
at the end, so that the database keeps its size from one run to the next. With `--sizes`, the
same on each database named (`bench/databases.py` makes them at 20k, 200k and 1M reports), then
every figure side by side and how it grew from the last size but one to the last. Exit status 1
when a goal is missed.
"""

from __future__ import annotations

import argparse
import http.client
import io
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
PG = {"host": os.getenv("PGHOST", "127.0.0.1"), "user": os.getenv("PGUSER", "postgres")}

GOALS = {
    "json_rate": 500,  # reports/s, at least
    "json_p95_ms": 100,  # at most
    "raw_share": 0.20,  # of pgbench's rate, at least
    "photo_rate": 25,
    "photo_p95_ms": 500,
}
REPORT = {
    "description": "Ổ gà sâu giữa đường Bà Triệu, xe máy đi qua rất dễ ngã, đề nghị sửa gấp",
    "latitude": "21.8469",
    "longitude": "106.7576",
    "reporter_name": "Nguyễn Thị Lan",
    "reporter_phone": "0912345678",
    "consent": "true",
}
WARM_UP_SECONDS = 3
TASKS_TABLE = "django_tasks_database_dbtaskresult"


def psql(db: str, sql: str) -> str:
    command = ["psql", "-h", PG["host"], "-U", PG["user"], "-d", db, "-Atc", sql]
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout.strip()


def django_env(db: str, **extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DB_TEST_NAME")}
    return {
        **env,
        "DB": "postgres",
        "DB_NAME": db,
        "DB_HOST": PG["host"],
        "DB_USER": PG["user"],
        "LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "phananh.settings",
        # Plain HTTP on the loopback (no TLS proxy in front), in this process and the server.
        "PHANANH_HTTPS": "false",
        **extra,
    }


def prepare_database(db: str, reports: int) -> int:
    exists = psql("postgres", f"SELECT 1 FROM pg_database WHERE datname = '{db}'") == "1"
    if not exists:
        subprocess.run(["createdb", "-h", PG["host"], "-U", PG["user"], db], check=True)
    manage = [PYTHON, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "--no-input", "-v", "0"], env=django_env(db), check=True)
    count = int(psql(db, "SELECT count(*) FROM reports_report"))
    if count == 0 and reports:
        print(f"generating {reports} reports in {db} (about {reports // 400 + 1} s)...", flush=True)
        command = [*manage, "generate_data", "--reports", str(reports), "-v", "0"]
        subprocess.run(command, env=django_env(db), check=True)
        count = int(psql(db, "SELECT count(*) FROM reports_report"))
    return count


def phone_photo(width: int = 4000, height: int = 3000) -> bytes:
    """A 12 MP JPEG of about 3 MB: a gradient with sensor-like noise, as a phone's photo."""
    from PIL import Image

    gradient = Image.linear_gradient("L").resize((width, height))
    noise = Image.effect_noise((width, height), 16)
    image = Image.merge("RGB", [gradient, Image.blend(gradient, noise, 0.3), noise])
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def photo_cpu(photo: bytes) -> dict:
    """CPU seconds to clean one photo: stored at 4,096 px (a full decode) and at 2,000 px."""
    from django.conf import settings
    from django.test import override_settings

    from phananh.reports.images import process_photo

    figures = {}
    for side in (4096, 2000):
        # A full decode (4,096 px) is over today's decoding budget: it is given room, as it was.
        budget = max(settings.PHANANH_PHOTO_DECODE_MB, 512 if side > 2000 else 0)
        with override_settings(PHANANH_STORED_PHOTO_MAX_SIDE=side, PHANANH_PHOTO_DECODE_MB=budget):
            process_photo(photo)
            times = []
            for _ in range(5):
                start = time.process_time()
                processed = process_photo(photo)
                times.append(time.process_time() - start)
        figures[side] = (statistics.median(times), processed.width, processed.height, len(processed.content))
    return figures


# --- pgbench: the statements of one report, replayed ----------------------------------------------


def pgbench_script(db: str) -> str:
    """The writes of one JSON report as Django makes them, with their values made variables."""
    from django.db import connection
    from django.test import Client, override_settings
    from django.test.utils import CaptureQueriesContext

    tasks = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    with override_settings(TASKS=tasks, ALLOWED_HOSTS=["testserver"]):
        client = Client()
        body = json.dumps(REPORT)
        client.post("/api/v1/reports", body, content_type="application/json")  # reads the rules
        with CaptureQueriesContext(connection) as queries:
            response = client.post("/api/v1/reports", body, content_type="application/json")
    assert response.status_code == 201, response.content
    code = response.json()["tracking_code"]
    statements = [q["sql"] for q in queries.captured_queries]
    writes = [s for s in statements if s.startswith("INSERT")]
    report_id = int(psql(db, f"SELECT id FROM reports_report WHERE tracking_code = '{code}'"))
    event_id = int(psql(db, f"SELECT id FROM workflow_event WHERE report_id = {report_id}"))

    lines = ["BEGIN;"]
    for sql in writes:
        sql = re.sub(r"'\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)?[+-]\d\d:\d\d'::timestamptz", "now()", sql)
        if sql.startswith('INSERT INTO "reports_report"'):
            # A code of its own per row (the unique index is part of the work).
            fresh = "'PB-' || substr(md5(random()::text || clock_timestamp()::text), 1, 16)"
            sql = sql.replace(f"'{code}'", fresh, 1)
            lines.append(f"{sql} \\gset report_")
            continue
        sql = re.sub(rf"VALUES \({report_id}, ", "VALUES (:report_id, ", sql)
        if sql.startswith('INSERT INTO "workflow_event"'):
            lines.append(f"{sql} \\gset event_")
            continue
        if "dbtaskresult" in sql:
            sql = task_rows(sql, event_id)
        lines.append(f"{sql};")
    lines.append("COMMIT;")
    return "\n".join(lines) + "\n"


def task_rows(sql: str, event_id: int) -> str:
    """The INSERT of the event's tasks (one row each, as arrays: Django's bulk INSERT … UNNEST),
    with each task's own id, the moment of the run and the event the report's INSERT made."""
    ids = re.search(r"\('\{([0-9a-f,]+)\}'::uuid\[\]\)", sql)
    assert ids, sql
    rows = len(ids.group(1).split(","))
    sql = sql.replace(ids.group(0), "(ARRAY[" + ", ".join(["md5(random()::text)::uuid"] * rows) + "])")
    now = "(ARRAY[" + ", ".join(["now()"] * rows) + "])"
    sql = re.sub(r"\('\{\"\d{4}-[^}]*\}'::timestamptz\[\]\)", now, sql, count=1)
    arguments = """('{"args": [' || :event_id || '], "kwargs": {}}')::jsonb"""
    sql, found = re.subn(
        r"\( E'\{[^']*\[" + str(event_id) + r"\][^']*\}'::jsonb\[\]\)",
        "(ARRAY[" + ", ".join([arguments] * rows) + "])",
        sql,
    )
    assert found == 1, sql
    return sql


def run_pgbench(db: str, script: str, clients: int, seconds: int) -> dict:
    folder = Path(tempfile.mkdtemp(prefix="phananh-pgbench-"))
    path = folder / "report.sql"
    path.write_text(script)
    command = ["pgbench", "-h", PG["host"], "-U", PG["user"], "-n", "-f", str(path)]
    command += ["-c", str(clients), "-j", str(min(clients, os.cpu_count() or 1)), "-T", str(seconds), db]
    done = subprocess.run(command, capture_output=True, text=True)
    shutil.rmtree(folder)
    if done.returncode != 0:
        raise RuntimeError(f"pgbench failed:\n{done.stdout}\n{done.stderr}\n{script}")
    tps = float(re.search(r"tps = ([\d.]+) \(without initial", done.stdout)[1])
    latency = float(re.search(r"latency average = ([\d.]+) ms", done.stdout)[1])
    failed = int(re.search(r"number of failed transactions: (\d+)", done.stdout)[1])
    # Its rows are not reports anyone sent: taken out again.
    psql(
        db,
        "CREATE TEMP TABLE pb AS SELECT id FROM reports_report WHERE tracking_code LIKE 'PB-%';"
        f"DELETE FROM {TASKS_TABLE} WHERE (args_kwargs->'args'->>0)::bigint IN"
        " (SELECT id FROM workflow_event WHERE report_id IN (SELECT id FROM pb));"
        "DELETE FROM workflow_event WHERE report_id IN (SELECT id FROM pb);"
        "DELETE FROM workflow_step WHERE report_id IN (SELECT id FROM pb);"
        "DELETE FROM reports_report WHERE id IN (SELECT id FROM pb);",
    )
    return {"rate": tps, "mean_ms": latency, "failed": failed}


# --- The production server and its clients ----------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(db: str, media: Path, root: Path) -> tuple[subprocess.Popen, int]:
    port = free_port()
    env = django_env(
        db,
        PHANANH_BIND=f"127.0.0.1:{port}",
        MEDIA_ROOT=str(media),
        PHANANH_ACCESS_LOG="/dev/null",
        PHANANH_WEB_LOG_LEVEL="warning",
        SECRET_KEY="bench-only-" + uuid.uuid4().hex,
    )
    server = subprocess.Popen(
        [str(Path(PYTHON).parent / "gunicorn"), "-c", str(root / "deploy" / "gunicorn.conf.py")],
        cwd=root,
        env=env,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            status, _ = request(port, "GET", "/api/v1/categories", b"", {})
            if status == 200:
                return server, port
        except OSError:
            pass
        time.sleep(0.3)
    server.terminate()
    raise RuntimeError("gunicorn did not answer within 60 s")


def request(port: int, method: str, path: str, body: bytes, headers: dict) -> tuple[int, bytes]:
    # A new connection each time: gunicorn's sync workers close it after every answer.
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def multipart(fields: dict, photo: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="photos"; filename="IMG_2041.jpg"\r\n'
        "Content-Type: image/jpeg\r\n\r\n".encode()
        + photo
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def load(port: int, body: bytes, content_type: str, clients: int, seconds: int) -> dict:
    """`clients` sending reports one after another for `seconds` (after a warm-up)."""
    headers = {"Content-Type": content_type}
    start = time.monotonic()
    measure_from, stop_at = start + WARM_UP_SECONDS, start + WARM_UP_SECONDS + seconds
    latencies: list[float] = []
    errors: dict[int, int] = {}
    lock = threading.Lock()

    def client():
        while (sent := time.monotonic()) < stop_at:
            status, _ = request(port, "POST", "/api/v1/reports", body, headers)
            took = time.monotonic() - sent
            if sent >= measure_from:
                with lock:
                    if status == 201:
                        latencies.append(took)
                    else:
                        errors[status] = errors.get(status, 0) + 1

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    latencies.sort()
    return {
        "rate": len(latencies) / seconds,
        "p50_ms": 1000 * latencies[len(latencies) // 2] if latencies else float("nan"),
        "p95_ms": 1000 * latencies[int(len(latencies) * 0.95)] if latencies else float("nan"),
        "errors": errors,
    }


def cpu_of(server: subprocess.Popen) -> float:
    """CPU seconds used so far by gunicorn's workers (from /proc): those running, and those
    already replaced (after PHANANH_WEB_MAX_REQUESTS), which the master has reaped."""
    ticks = os.sysconf("SC_CLK_TCK")
    master = Path(f"/proc/{server.pid}/stat").read_text().rsplit(")", 1)[1].split()
    total = (int(master[13]) + int(master[14])) / ticks  # its reaped children's user and system time
    for child in Path("/proc").iterdir():
        try:
            stat = (child / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if stat[1] == str(server.pid):  # the field after the state is the parent's pid
            total += (int(stat[11]) + int(stat[12])) / ticks
    return total


# --- The run ----------------------------------------------------------------------------------------


def line(name: str, value: float, goal: float, unit: str, *, at_most: bool = False) -> bool:
    ok = value <= goal if at_most else value >= goal
    sign = "<" if at_most else "≥"
    print(f"  {name:<44} {value:>9.1f} {unit:<10} goal {sign} {goal:g} {unit:<10} {'ok' if ok else 'MISSED'}")
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default="bench_intake")
    parser.add_argument("--reports", type=int, default=20_000, help="reports to generate in a new database")
    parser.add_argument("--seconds", type=int, default=20, help="length of each measure")
    parser.add_argument("--json-clients", type=int, default=16)
    parser.add_argument("--photo-clients", type=int, default=8)
    parser.add_argument(
        "--server-root",
        type=Path,
        default=ROOT,
        help="the checkout gunicorn serves (e.g. `git archive` of an earlier commit, to compare)",
    )
    parser.add_argument("--figures", type=Path, help="write the figures to this JSON file")
    parser.add_argument(
        "--sizes",
        nargs="+",
        metavar="DB",
        help="run on each of these databases in turn and print them side by side "
        "(e.g. bench_20k bench_200k bench_1m, made by bench/databases.py)",
    )
    args = parser.parse_args()
    if args.sizes:
        side_by_side(args.sizes, args.seconds)

    for tool in ("psql", "createdb", "pgbench"):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} is needed (PostgreSQL's client programs)")
    count = prepare_database(args.db, args.reports)

    os.environ.update(django_env(args.db))
    sys.path.insert(0, str(ROOT / "src"))
    os.environ["MEDIA_ROOT"] = tempfile.mkdtemp(prefix="phananh-bench-media-")
    warnings.filterwarnings("ignore", "No directory at")
    import django

    django.setup()

    from django.db.models import Max
    from django.utils import timezone

    from phananh.reports.models import Report

    # What the run adds is taken out at the end: the database holds its count for the next run.
    last, started = Report.objects.aggregate(last=Max("pk"))["last"] or 0, timezone.now()
    try:
        figures = measure(args, count)
    finally:
        remove_added(last, started)
    if args.figures:
        args.figures.write_text(json.dumps(figures))
    sys.exit(0 if figures["met"] else 1)


def remove_added(last: int, started) -> None:
    """Delete the reports sent since `last` (with their steps, events, files' rows) and the tasks
    they enqueued: the run leaves the database as it found it."""
    from django.db import connection
    from django_tasks_db.models import DBTaskResult

    from phananh.reports.models import Attachment, Report

    # A file's row protects its event: the files first, then the reports with the rest.
    removed, _ = Attachment.objects.filter(report_id__gt=last).delete()
    removed += Report.objects.filter(pk__gt=last).delete()[0]
    DBTaskResult.objects.filter(enqueued_at__gte=started).delete()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    print(f"(removed the {removed:,} rows the run wrote)")


def measure(args, count: int) -> dict:
    media = Path(os.environ["MEDIA_ROOT"])
    photo = phone_photo()
    cpu = photo_cpu(photo)
    script = pgbench_script(args.db)

    server, port = start_gunicorn(args.db, media, args.server_root.resolve())
    try:
        json_body = json.dumps(REPORT).encode()
        cpu_before = cpu_of(server)
        json_load = load(port, json_body, "application/json", args.json_clients, args.seconds)
        json_cpu = cpu_of(server) - cpu_before
        # Right after, while the server waits: the same minutes of the same machine.
        raw = run_pgbench(args.db, script, args.json_clients, args.seconds)
        photo_body, photo_type = multipart(REPORT, photo)
        cpu_before = cpu_of(server)
        photo_load = load(port, photo_body, photo_type, args.photo_clients, args.seconds)
        photo_reports = photo_load["rate"] * (args.seconds + WARM_UP_SECONDS)
        photo_server_ms = 1000 * (cpu_of(server) - cpu_before) / max(photo_reports, 1)
    finally:
        server.terminate()
        server.wait(30)
        shutil.rmtree(media, ignore_errors=True)

    json_reports = json_load["rate"] * (args.seconds + WARM_UP_SECONDS)
    print()
    served = "" if args.server_root.resolve() == ROOT else f" serving {args.server_root}"
    print(
        f"Intake on PostgreSQL, {count:,} reports in {args.db}, gunicorn (deploy/gunicorn.conf.py){served},"
    )
    print(f"{os.cpu_count()} cores shared by server, database and clients, {args.seconds} s per measure.")
    print(f"pgbench script: {len(script.splitlines()) - 2} statements per report, in one transaction.")
    print(f"Load average at the end (other work on the machine shows here): {os.getloadavg()[0]:.1f}")
    print()
    results = [
        line(f"JSON intake, {args.json_clients} clients", json_load["rate"], GOALS["json_rate"], "reports/s"),
        line("  p95", json_load["p95_ms"], GOALS["json_p95_ms"], "ms", at_most=True),
    ]
    print(f"  {'  p50':<44} {json_load['p50_ms']:>9.1f} ms")
    print(f"  {'  server CPU per report':<44} {1000 * json_cpu / max(json_reports, 1):>9.1f} ms")
    label = f"pgbench, same rows, {args.json_clients} clients"
    print(f"  {label:<44} {raw['rate']:>9.1f} reports/s")
    print(f"  {'  mean latency':<44} {raw['mean_ms']:>9.1f} ms")
    share = 100 * json_load["rate"] / raw["rate"]
    results.append(line("  intake / pgbench", share, 100 * GOALS["raw_share"], "%"))
    results += [
        line(
            f"intake with one {len(photo) / 1e6:.1f} MB photo, {args.photo_clients} clients",
            photo_load["rate"],
            GOALS["photo_rate"],
            "reports/s",
        ),
        line("  p95", photo_load["p95_ms"], GOALS["photo_p95_ms"], "ms", at_most=True),
    ]
    print(f"  {'  p50':<44} {photo_load['p50_ms']:>9.1f} ms")
    print(f"  {'  server CPU per report':<44} {photo_server_ms:>9.1f} ms")
    for side, (seconds, width, height, size) in cpu.items():
        label = f"CPU per 12 MP photo, stored at {side} px"
        print(f"  {label:<44} {1000 * seconds:>9.1f} ms    ({width}x{height}, {size / 1e6:.2f} MB stored)")
    for name, measured in (("JSON", json_load), ("photo", photo_load)):
        if measured["errors"]:
            print(f"  {name} answers other than 201: {measured['errors']}")
            results.append(False)
    if raw["failed"]:
        print(f"  pgbench failed transactions: {raw['failed']}")
    return {
        "reports": count,
        "json_rate": json_load["rate"],
        "json_p95_ms": json_load["p95_ms"],
        "json_p50_ms": json_load["p50_ms"],
        "json_cpu_ms": 1000 * json_cpu / max(json_reports, 1),
        "pgbench_rate": raw["rate"],
        "raw_share": share,
        "photo_rate": photo_load["rate"],
        "photo_p95_ms": photo_load["p95_ms"],
        "photo_cpu_ms": photo_server_ms,
        "met": all(results),
    }


# --- Side by side ---------------------------------------------------------------------------------

SIDE_BY_SIDE = (
    # key, label, goal, at most
    ("json_rate", "JSON intake, reports/s", GOALS["json_rate"], False),
    ("json_p95_ms", "  p95 ms", GOALS["json_p95_ms"], True),
    ("json_p50_ms", "  p50 ms", None, True),
    ("json_cpu_ms", "  server CPU per report, ms", None, True),
    ("pgbench_rate", "pgbench, same rows, /s", None, False),
    ("raw_share", "intake / pgbench, %", 100 * GOALS["raw_share"], False),
    ("photo_rate", "one 2.8 MB photo, reports/s", GOALS["photo_rate"], False),
    ("photo_p95_ms", "  p95 ms", GOALS["photo_p95_ms"], True),
    ("photo_cpu_ms", "  server CPU per report, ms", None, True),
)


def side_by_side(databases: list[str], seconds: int) -> None:
    """The bench on each database (bench/databases.py makes them) in turn, then side by side."""
    results = {}
    missed = False
    for database in databases:
        print(f"\n=== {database}", flush=True)
        with tempfile.NamedTemporaryFile(suffix=".json") as out:
            command = [PYTHON, __file__, "--db", database, "--reports", "0", "--seconds", str(seconds)]
            done = subprocess.run([*command, "--figures", out.name])
            missed |= done.returncode != 0
            results[database] = json.loads(Path(out.name).read_text() or "{}")
    print(f"\nIntake side by side ({seconds} s per measure; load average now {os.getloadavg()[0]:.1f})")
    print(f"{'':<32}" + "".join(f"{d:>13}" for d in databases) + f"{'goal':>9}")
    print(f"{'reports in the database':<32}" + "".join(f"{results[d]['reports']:>13,}" for d in databases))
    for key, label, goal, at_most in SIDE_BY_SIDE:
        cells = "".join(f"{results[d][key]:>13.1f}" for d in databases)
        target = "" if goal is None else (f"< {goal}" if at_most else f">= {goal}")
        print(f"{label:<32}{cells}{target:>9}")
    if len(databases) >= 2:
        smaller, larger = databases[-2], databases[-1]
        print(f"\ngrowth from {smaller} to {larger} (more than 2x is a defect to fix or explain)")
        for key, label, _goal, at_most in SIDE_BY_SIDE:
            ratio = results[larger][key] / results[smaller][key]
            # A rate that falls is a cost that grows.
            growth = ratio if at_most else 1 / ratio
            print(f"  {label.strip():<32} cost {growth:5.2f}x  {'ok' if growth <= 2 else 'GROWS'}")
    sys.exit(1 if missed else 0)


if __name__ == "__main__":
    main()
