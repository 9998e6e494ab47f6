"""First load of the intake page: what a phone downloads the first time it opens it.

Run with `DB=postgres .venv/bin/python bench/first_load.py`. It makes (or reuses) the PostgreSQL
database BENCH_FIRST_LOAD_DB (default `bench_first_load`), collects the static files as a
production node does (PHANANH_HASHED_STATIC=true, into a temporary folder, or BENCH_STATIC_ROOT
when given), starts gunicorn with deploy/gunicorn.conf.py and opens /gui-phan-anh/ in Debian's
Chromium as a phone, with nothing cached. It prints each request, raw (decoded) and as sent on
the wire (compressed body and headers), the page's totals beside the goal, and what the app's
installation (the service worker) fetches besides. For comparison it first does the same with
static files served as before (plain names, from the apps' folders, uncompressed).

gunicorn alone sends pages uncompressed; nginx in front (deploy/nginx/phananh.conf) gzips them,
about 9 kB less for this page (tests/deploy/test_static.py measures through nginx).
It exits 1 when the goal is missed.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGE = "/gui-phan-anh/"
GOAL = 100 * 1000
CHROMIUM = "/usr/bin/chromium"
TILES = "/no-tiles/"
DATABASE = os.environ.get("BENCH_FIRST_LOAD_DB", "bench_first_load")
PG = ["-h", os.environ.get("DB_HOST", "127.0.0.1"), "-U", os.environ.get("DB_USER", "postgres")]
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 3,
    "is_mobile": True,
    "has_touch": True,
    "locale": "vi-VN",
}


def environment(**extra) -> dict:
    # Plain HTTP on the loopback (no TLS proxy in front).
    return {
        **os.environ,
        "DB": "postgres",
        "DB_NAME": DATABASE,
        "LOG_LEVEL": "WARNING",
        "PHANANH_HTTPS": "false",
        **extra,
    }


def manage(*args: str, **extra) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=environment(**extra), check=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(port: int, work: Path, **extra) -> subprocess.Popen:
    gunicorn = Path(sys.executable).with_name("gunicorn")
    process = subprocess.Popen(
        [str(gunicorn), "-c", str(ROOT / "deploy" / "gunicorn.conf.py")],
        cwd=ROOT,
        env=environment(
            PHANANH_BIND=f"127.0.0.1:{port}",
            WEB_CONCURRENCY="2",
            PHANANH_ACCESS_LOG=str(work / "access.log"),
            MEDIA_ROOT=str(work / "media"),
            # The map's tiles asked of gunicorn itself (where they do not exist): nothing leaves
            # the machine, and they are left out of the figures.
            PHANANH_TILE_URL=f"http://127.0.0.1:{port}{TILES}{{z}}/{{x}}/{{y}}.png",
            **extra,
        ),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)  # noqa: S310 (loopback)
            return process
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("gunicorn did not start") from None
            time.sleep(0.3)


def first_visit(playwright, base: str) -> list:
    """Every request of a phone's first visit, until the app has installed itself."""
    chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
    # No request routing: Playwright's would turn the HTTP cache off, and the service worker's
    # installation would download again what the page already has, which a phone never does.
    context = chromium.new_context(base_url=base, **PHONE)
    finished = []
    context.on("requestfinished", lambda request: finished.append(request))
    page = context.new_page()
    page.goto(PAGE)
    page.wait_for_function("navigator.serviceWorker.controller !== null", timeout=20_000)
    page.wait_for_load_state("networkidle")
    rows = []
    for request in finished:
        if TILES in request.url:
            continue
        response = request.response()
        sizes = request.sizes()
        wire = max(sizes["responseBodySize"], 0) + max(sizes["responseHeadersSize"], 0)
        try:
            raw = len(response.body())
        except Exception:  # a revalidation (304): no body
            raw = 0
        rows.append(
            {
                "who": "worker" if request.service_worker else "page",
                "path": request.url[len(base) :],
                "raw": raw,
                "wire": wire,
                "encoding": response.headers.get("content-encoding", "-"),
                "cache": response.headers.get("cache-control", "-"),
            }
        )
    chromium.close()
    return rows


def show(title: str, rows: list) -> int:
    print(f"\n{title}")
    print(f"  {'':6} {'raw B':>8} {'wire B':>8} {'enc':>4}  {'cache-control':<38} path")
    for row in rows:
        print(
            f"  {row['who']:6} {row['raw']:>8} {row['wire']:>8} {row['encoding']:>4}  "
            f"{row['cache'][:38]:<38} {row['path']}"
        )
    page = [row for row in rows if row["who"] == "page"]
    worker = [row for row in rows if row["who"] == "worker"]
    page_wire = sum(row["wire"] for row in page)
    verdict = "ok" if page_wire < GOAL else "MISSED"
    print(
        f"  page: {sum(row['raw'] for row in page) / 1000:.1f} kB raw, {page_wire / 1000:.1f} kB on the "
        f"wire in {len(page)} requests (goal < {GOAL / 1000:.0f} kB: {verdict}); the app's "
        f"installation adds {sum(row['wire'] for row in worker) / 1000:.1f} kB in {len(worker)} requests"
    )
    return page_wire


def main() -> None:
    from playwright.sync_api import sync_playwright

    subprocess.run(["createdb", *PG, DATABASE], capture_output=True)  # already there: fine
    manage("migrate", "--no-input", "-v", "0")
    work = Path(tempfile.mkdtemp(prefix="phananh-bench-first-load-"))
    static_root = os.environ.get("BENCH_STATIC_ROOT")
    if not static_root:
        static_root = str(work / "static")
        started = time.perf_counter()
        manage(
            "collectstatic", "--no-input", "-v", "0", PHANANH_HASHED_STATIC="true", STATIC_ROOT=static_root
        )
        print(f"collectstatic (hashed names, gzip and Brotli): {time.perf_counter() - started:.0f} s")
    configurations = [
        ("Before: plain names from the apps' folders (WHITENOISE_USE_FINDERS), uncompressed", {}),
        (
            "Production: hashed names, Brotli/gzip, cached for ever (PHANANH_HASHED_STATIC=true)",
            {"PHANANH_HASHED_STATIC": "true", "STATIC_ROOT": static_root},
        ),
    ]
    figures = []
    with sync_playwright() as playwright:
        for title, extra in configurations:
            port = free_port()
            server = start_gunicorn(port, work, **extra)
            try:
                figures.append(show(title, first_visit(playwright, f"http://127.0.0.1:{port}")))
            finally:
                server.terminate()
                server.wait(timeout=40)
    shutil.rmtree(work, ignore_errors=True)
    before, after = figures
    print(
        f"\nSubmit page, first load (gunicorn): {before / 1000:.1f} kB before, {after / 1000:.1f} kB now "
        f"(goal < {GOAL / 1000:.0f} kB compressed)"
    )
    sys.exit(0 if after < GOAL else 1)


if __name__ == "__main__":
    main()
