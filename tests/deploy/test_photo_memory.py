"""Decompression bombs against the production server: its memory stays within the budget.

A real gunicorn with deploy/gunicorn.conf.py (two workers, two threads each: PHANANH_WEB_THREADS)
receives what made a worker take 540 MB and 3.7 s of CPU: a PNG of 7000 × 7000 pixels in
150 kB, alone, ten in one report and three such reports at once; then three reports at once,
each with the largest photos the budget lets through (a colour PNG, a WebP and the 24 MP HEIC
of a recent iPhone), so that one worker has two of them to clean at the same time.

The limit, documented in docs/van-hanh.md: a worker's peak resident memory (VmHWM, from /proc)
rises at most 256 MB above where it stood idle, whatever it is sent and however many threads it
has: PHANANH_PHOTO_DECODE_MB (192 MB) for the photo being decoded, and 64 MB for the request and
for what the C allocator keeps of the photos decoded before (about 50 MB measured); the server,
at most its workers times that (512 MB here).
"""

from __future__ import annotations

import io
import json
import os
import re
import threading
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pillow_heif
import pytest
from django.conf import settings
from PIL import Image

from phananh.reports import decoding
from phananh.reports.images import decoding_cost
from tests.deploy.servers import free_port, start_gunicorn, stop

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

MB = 1024 * 1024
# Beside the photo being decoded: the request, its uploads and cleaned copies, and the memory
# the allocator keeps in pieces after the photos before.
ALLOWANCE_MB = 64
REPORT = {
    "description": "Ổ gà sâu giữa đường Bà Triệu, xe máy đi qua rất dễ ngã",
    "latitude": "21.8469",
    "longitude": "106.7576",
    "reporter_name": "Nguyễn Thị Lan",
    "reporter_phone": "0912345678",
    "consent": "true",
}
TOO_MANY_PIXELS = re.compile(r"^Ảnh có quá nhiều điểm ảnh \(tối đa [\d,]+ megapixel\)\.$")

pillow_heif.register_heif_opener()


def encode(image: Image.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def post_report(base: str, photos: list[tuple[str, bytes]]) -> tuple[int, dict]:
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in REPORT.items()
    ]
    for name, data in photos:
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="photos"; filename="{name}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n".encode()
            + data
            + b"\r\n"
        )
    parts.append(f"--{boundary}--\r\n".encode())
    request = urllib.request.Request(
        f"{base}/api/v1/reports",
        data=b"".join(parts),
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=120) as answer:  # noqa: S310 (loopback)
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def at_once(base: str, reports: list[list[tuple[str, bytes]]]) -> list[tuple[int, dict]]:
    answers: list = [None] * len(reports)

    def send(index: int) -> None:
        answers[index] = post_report(base, reports[index])

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(reports))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


# --- The workers, seen from /proc -------------------------------------------------------------


def workers_of(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return sorted(int(pid) for pid in children)


def status(pid: int, key: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) * 1024
    raise KeyError(key)


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def reset_peaks(pids: list[int]) -> dict[int, int]:
    """Each worker's peak set back to its memory now, which is returned (its idle memory)."""
    for pid in pids:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    return {pid: status(pid, "VmRSS") for pid in pids}


def rises(idle: dict[int, int]) -> dict[int, int]:
    return {pid: status(pid, "VmHWM") - rss for pid, rss in idle.items()}


@pytest.fixture
def server(tmp_path):
    port, access_log = free_port(), tmp_path / "access.log"
    process = start_gunicorn(port, access_log, MEDIA_ROOT=str(tmp_path / "media"), PHANANH_WEB_THREADS="2")
    yield f"http://127.0.0.1:{port}", process.pid, access_log
    stop(process)


def warm_up(base: str, master: int, access_log: Path, small: list[tuple[str, bytes]]) -> list[int]:
    """Ordinary reports until both workers have served some: the first requests of a worker
    load code and tables that stay (Django's URLs, the API's schemas, Pillow's and libheif's
    plugins), which is not what this test measures."""
    pids = workers_of(master)
    assert len(pids) == 2
    deadline = time.monotonic() + 60
    while True:
        for status_code, _answer in at_once(base, [small, small, small, small]):
            assert status_code == 201
        time.sleep(0.5)  # the access log is written by each worker after its answer
        served = re.findall(r'<(\d+)> "POST /api/v1/reports"', access_log.read_text())
        if all(served.count(str(pid)) >= 3 for pid in pids):
            return pids
        assert time.monotonic() < deadline, "a worker got no request"


def test_decompression_bombs_stay_within_the_memory_budget(server):
    base, master, access_log = server
    budget = settings.PHANANH_PHOTO_DECODE_MB
    assert budget == 192

    # Given what a phone sends, and the attack: 7000 × 7000 pixels of one colour in 150 kB
    small = [
        ("IMG_1.jpg", encode(Image.new("RGB", (800, 600), (200, 30, 30)), "JPEG")),
        ("IMG_2.png", encode(Image.new("RGB", (800, 600), (30, 200, 30)), "PNG")),
        ("IMG_3.heic", encode(Image.new("RGB", (800, 600), (30, 30, 200)), "HEIF")),
        ("IMG_4.webp", encode(Image.new("RGB", (800, 600), (90, 90, 90)), "WEBP")),
    ]
    bomb = ("bomb.png", encode(Image.new("RGB", (7000, 7000), (200, 30, 30)), "PNG"))
    assert len(bomb[1]) < 200_000
    # ...and the largest photos the budget lets through (a colour PNG of 41 MP, a WebP of 10.5
    # MP, each within 5% of it) with the 24 MP HEIC of a recent iPhone
    largest = [
        ("large.png", encode(Image.new("RGB", (6400, 6400), (200, 30, 30)), "PNG")),
        ("large.webp", encode(Image.new("RGB", (3750, 2812), (30, 200, 30)), "WEBP")),
        ("iphone.heic", encode(Image.linear_gradient("L").resize((5712, 4284)).convert("RGB"), "HEIF")),
    ]
    for _name, data in largest[:2]:
        assert 0.95 * decoding.budget_bytes() < decoding_cost(data).total <= decoding.budget_bytes()

    pids = warm_up(base, master, access_log, small)
    idle = reset_peaks(pids)
    cpu_before = sum(cpu_seconds(pid) for pid in pids)

    # When the bomb is sent alone, ten in one report, and in three reports at once
    answers = [post_report(base, [bomb]), post_report(base, [bomb] * 10)]
    answers += at_once(base, [[bomb] * 10] * 3)

    # Then each is refused at once, saying in Vietnamese how many pixels a photo may have
    for status_code, answer in answers:
        assert status_code == 422
        assert answer["code"] == "image_too_large"
        assert TOO_MANY_PIXELS.match(answer["message"]), answer["message"]
    # (nothing was decoded: 41 bombs in well under a second of the workers' CPU, 83 s for ten
    # before)
    assert sum(cpu_seconds(pid) for pid in pids) - cpu_before < 2
    after_bombs = rises(idle)
    assert all(rise < ALLOWANCE_MB * MB for rise in after_bombs.values()), after_bombs

    # When three reports with the largest photos let through come at once (one worker has two)
    answers = at_once(base, [largest] * 3)

    # Then all three are received with their photos
    for status_code, answer in answers:
        assert status_code == 201, answer
        assert answer["photos"] == 3
    # And no worker's memory rose more than 256 MB, nor the server's more than twice that,
    # although one worker had two or three reports to clean at once
    peaks = rises(idle)
    print({pid: f"{rise / MB:.0f} MB" for pid, rise in peaks.items()})
    assert all(rise <= (budget + ALLOWANCE_MB) * MB for rise in peaks.values()), peaks
    assert sum(peaks.values()) <= len(pids) * (budget + ALLOWANCE_MB) * MB
    # (the budget was nearly used: a worker decoded them)
    assert max(peaks.values()) > budget * MB / 2
