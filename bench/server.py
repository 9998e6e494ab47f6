"""The production server for the benchmarks: gunicorn with `deploy/gunicorn.conf.py` on loopback.

    with production_server() as base:      # http://127.0.0.1:<free port>
        ms = timed_get(f"{base}/thong-ke/")

It serves the database the benchmark's own environment names (DB, DB_NAME, ...), with the
deployment's settings (DEBUG off, persistent connections); WEB_CONCURRENCY workers (default:
gunicorn.conf.py's own, two per core and one).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).with_name("gunicorn")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str, headers: dict | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers=headers or {})  # noqa: S310 (loopback)
    try:
        with urllib.request.urlopen(request, timeout=300) as answer:  # noqa: S310
            return answer.status, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def timed_get(url: str, headers: dict | None = None, runs: int = 5, first: list | None = None) -> float:
    """The median time of `runs` GETs in milliseconds, after one to warm up; fails on non-200.

    The warm-up's own time is appended to `first` when given (what the first visitor waits)."""
    started = time.perf_counter()
    status, body = get(url, headers)
    if first is not None:
        first.append((time.perf_counter() - started) * 1000)
    if status != 200:
        raise RuntimeError(f"{url}: {status} {body[:300]!r}")
    times = []
    for _run in range(runs):
        started = time.perf_counter()
        get(url, headers)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


@contextlib.contextmanager
def production_server(**env):
    port = _free_port()
    environment = {
        **os.environ,
        "DEBUG": "0",
        # Plain HTTP on the loopback (no TLS proxy in front).
        "PHANANH_HTTPS": "false",
        "PHANANH_BIND": f"127.0.0.1:{port}",
        "PHANANH_ACCESS_LOG": os.devnull,
        "LOG_LEVEL": "WARNING",
        **env,
    }
    process = subprocess.Popen(
        [str(GUNICORN), "-c", str(ROOT / "deploy" / "gunicorn.conf.py")],
        cwd=str(ROOT),
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if get(f"{base}/healthz")[0] == 200:
                break
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"gunicorn did not start: {process.stderr.read().decode()[-2000:]}")
        time.sleep(0.3)
    try:
        yield base
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            process.kill()
        process.stderr.close()
