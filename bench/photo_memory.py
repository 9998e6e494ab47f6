"""Photo decoding: the memory and CPU of cleaning one photo, measured against the budget.

    .venv/bin/python bench/photo_memory.py [--budget MB] [CASE ...]

Each case runs in a process of its own (a fresh Python, Django set up, the photo made before
measuring): the peak is the rise of the process's VmHWM above its resident memory just before
`process_photo`, read from /proc (Linux). Beside it, what `reports/decoding.py` worked out from
the header, the answer (stored size, or the refusal's code), and the CPU time. `--budget` sets
PHANANH_PHOTO_DECODE_MB (say 100000 to measure the decoders past the default's limits); the byte
limit is lifted so that noise, the decoders' worst content, can be as large as needed.
Exit status 1 when a measured peak is above what was worked out, or above the budget.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# name: (format, mode, width, height, extra save options)
CASES = {
    "phone-jpeg-12mp": ("JPEG", "RGB", 4000, 3000, {"quality": 90}),
    "jpeg-50mp": ("JPEG", "RGB", 8660, 5773, {"quality": 90}),
    "jpeg-progressive-420": ("JPEG", "RGB", 6000, 4000, {"quality": 90, "progressive": True}),
    "jpeg-progressive-444": (
        "JPEG",
        "RGB",
        5000,
        4000,
        {"quality": 75, "progressive": True, "subsampling": 0},
    ),
    "jpeg-progressive-cmyk": ("JPEG", "CMYK", 4000, 3000, {"quality": 90, "progressive": True}),
    "jpeg-100-scans": ("JPEG", "RGB-scans", 8160, 6120, {"progressive": True}),
    "png-attack-7000": ("PNG", "RGB-flat", 7000, 7000, {}),
    "png-largest": ("PNG", "RGB-flat", 6400, 6400, {}),
    "png-rgb": ("PNG", "RGB", 5200, 4000, {}),
    "png-rgb-3999": ("PNG", "RGB", 3999, 3999, {}),
    "png-rgba": ("PNG", "RGBA", 5200, 4000, {}),
    "png-palette": ("PNG", "P", 7000, 7000, {}),
    "png-grey-alpha": ("PNG", "LA", 5000, 4000, {}),
    "png-grey-16": ("PNG", "I;16", 6000, 5000, {}),
    "webp-largest": ("WEBP", "RGB-flat", 3750, 2812, {}),
    "webp-rgb": ("WEBP", "RGB", 4000, 3000, {"quality": 80}),
    "heic-12mp": ("HEIF", "RGB", 4032, 3024, {"quality": 50}),
    "heic-24mp": ("HEIF", "RGB", 5712, 4284, {"quality": 50}),
    "heic-3900": ("HEIF", "RGB", 3900, 2900, {"quality": 50}),
    "heic-iphone-24mp": ("HEIF", "RGB-gradient", 5712, 4284, {}),
}


def make(fmt: str, mode: str, width: int, height: int, options: dict) -> bytes:
    """A picture in the format: noise (what compresses worst and keeps decoders busiest), or one
    colour (the attack: a few hundred kilobytes for 49 MP), a gradient (a HEIC of a phone's size
    that the encoder makes quickly), or the scan bomb at the limit (a progressive JPEG with its
    smallest scan sent again and again, to 100 scans)."""
    import pillow_heif
    from PIL import Image

    pillow_heif.register_heif_opener()
    if mode == "RGB-flat":
        image = Image.new("RGB", (width, height), (200, 30, 30))
    elif mode == "RGB-gradient":
        image = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    elif mode == "RGB-scans":
        data = encode(Image.new("RGB", (width, height), (120, 130, 140)), fmt, **options)
        starts = [m.start() for m in re.finditer(rb"\xff\xda", data)]
        ends = [*starts[1:], len(data) - 2]
        smallest = min(range(1, len(starts)), key=lambda i: ends[i] - starts[i])
        return data[:-2] + data[starts[smallest] : ends[smallest]] * (100 - len(starts)) + b"\xff\xd9"
    else:
        grey = Image.effect_noise((width, height), 60)
        if mode == "I;16":
            image = grey.point(lambda v: v * 256, "I").convert("I;16")
        elif mode == "P":
            image = grey.convert("RGB").quantize(64)
        else:
            image = Image.merge("RGB", (grey, grey.transpose(Image.Transpose.FLIP_LEFT_RIGHT), grey)).convert(
                mode
            )
    return encode(image, fmt, **options)


def encode(image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def _status(key: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) * 1024
    raise KeyError(key)


def measure(path: Path) -> dict:
    """In the child: clean the photo in `path` with the peak memory and CPU measured."""
    sys.path.insert(0, str(ROOT / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "phananh.settings")
    import django

    django.setup()
    from phananh.core.errors import ApplicationError
    from phananh.reports.images import decoding_cost, process_photo

    data = path.read_bytes()
    try:
        cost = decoding_cost(data).total
    except Exception as exc:  # refused from the header: the cost is not worked out
        cost = None if not hasattr(exc, "limit") else 0
    Path("/proc/self/clear_refs").write_text("5")  # VmHWM back to the resident memory now
    before = _status("VmRSS")
    started = time.process_time()
    try:
        photo = process_photo(data)
        answer = f"{photo.width}×{photo.height}"
    except ApplicationError as exc:
        answer = exc.code
    return {
        "kB": len(data) // 1024,
        "estimate": cost,
        "peak": _status("VmHWM") - before,
        "cpu": time.process_time() - started,
        "answer": answer,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cases", nargs="*", default=list(CASES))
    parser.add_argument("--budget", type=int, help="PHANANH_PHOTO_DECODE_MB for the run")
    parser.add_argument("--make", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.make:
        Path(args.make[1]).write_bytes(make(*CASES[args.make[0]]))
        return 0
    if args.child:
        print(json.dumps(measure(Path(args.child))))
        return 0
    env = {**os.environ, "PHANANH_MAX_PHOTO_BYTES": str(1 << 30), "LOG_LEVEL": "WARNING"}
    if args.budget:
        env["PHANANH_PHOTO_DECODE_MB"] = str(args.budget)
    budget = int(env.get("PHANANH_PHOTO_DECODE_MB", 192)) * 1024 * 1024
    print(f"{'case':24} {'pixels':>12} {'file kB':>8} {'worked out':>11} {'peak':>8} {'CPU s':>6}  answer")
    failed = False
    for name in args.cases:
        fmt, mode, width, height, _options = CASES[name]
        # Made in a process of its own: making noise leaves freed memory that the measured
        # process would otherwise reuse without its peak rising.
        with tempfile.NamedTemporaryFile(suffix=".photo") as photo:
            subprocess.run([sys.executable, __file__, "--make", name, photo.name], env=env, check=True)
            child = subprocess.run(
                [sys.executable, __file__, "--child", photo.name],
                env=env,
                capture_output=True,
                text=True,
                check=True,
            )
        row = json.loads(child.stdout.strip().splitlines()[-1])
        mb = 1024 * 1024
        estimate = "refused" if not row["estimate"] else f"{row['estimate'] / mb:.0f} MB"
        print(
            f"{name:24} {f'{width}×{height}':>12} {row['kB']:>8} {estimate:>11} {row['peak'] / mb:>5.0f} MB"
            f" {row['cpu']:>6.2f}  {row['answer']}"
        )
        if row["estimate"] and row["peak"] > row["estimate"] or row["peak"] > budget:
            failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
