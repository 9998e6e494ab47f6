"""Intake benchmarks: photo cleaning time and memory, API submission latency.

Run with `make bench`. It uses a throw-away SQLite database and media folder, and prints its
figures with the targets they are held to.
"""

from __future__ import annotations

import io
import os
import statistics
import sys
import tempfile
import time
import tracemalloc
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
work = Path(tempfile.mkdtemp(prefix="phananh-bench-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "phananh.settings")
os.environ["DB"] = "sqlite"
os.environ["DB_NAME"] = str(work / "bench.sqlite3")
os.environ["MEDIA_ROOT"] = str(work / "media")
os.environ["LOG_LEVEL"] = "WARNING"
warnings.filterwarnings("ignore", "No directory at")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from PIL import Image  # noqa: E402

from phananh.reports.images import process_photo  # noqa: E402

TARGETS = {"photo_12mp_s": 1.5, "photo_peak_mb": 400, "json_submit_p50_ms": 60, "photo_submit_p50_ms": 400}


def phone_photo(width=4000, height=3000) -> bytes:
    # A gradient with sensor-like noise: closer to a real photo's entropy than a flat colour.
    gradient = Image.linear_gradient("L").resize((width, height))
    noise = Image.effect_noise((width, height), 24)
    image = Image.merge("RGB", [gradient, Image.blend(gradient, noise, 0.3), noise])
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def bench_photo(data: bytes) -> tuple[float, float]:
    times = []
    for _ in range(3):
        start = time.perf_counter()
        process_photo(data)
        times.append(time.perf_counter() - start)
    tracemalloc.start()
    process_photo(data)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return min(times), peak / 1024 / 1024


def bench_api(n: int, photo: bytes | None) -> float:
    client = Client()
    times = []
    for i in range(n):
        payload = {
            "description": f"Ổ gà trên đường Bà Triệu, lần {i}",
            "latitude": "21.8469",
            "longitude": "106.7576",
            "reporter_phone": "0912345678",
            "consent": "true",
        }
        start = time.perf_counter()
        if photo:
            payload["photos"] = io.BytesIO(photo)
            response = client.post("/api/v1/reports", payload)
        else:
            response = client.post("/api/v1/reports", payload, content_type="application/json")
        times.append(time.perf_counter() - start)
        assert response.status_code == 201, response.content
    return statistics.median(times) * 1000


def main() -> None:
    call_command("migrate", verbosity=0)
    photo = phone_photo()
    seconds, peak = bench_photo(photo)
    json_ms = bench_api(200, None)
    photo_ms = bench_api(20, phone_photo(1600, 1200))
    figures = {
        "photo_12mp_s": seconds,
        "photo_peak_mb": peak,
        "json_submit_p50_ms": json_ms,
        "photo_submit_p50_ms": photo_ms,
    }
    failed = False
    for name, value in figures.items():
        ok = value <= TARGETS[name]
        failed |= not ok
        print(f"{name:>22}: {value:8.2f}  (target <= {TARGETS[name]})  {'ok' if ok else 'MISSED'}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
