"""Triage benchmark: training on 100,000 reports, and the time to suggest for one.

    .venv/bin/python bench/triage.py [--reports 100000] [--suggestions 200]

1. Training: 100,000 labelled examples built in memory from the labelled set's reports
   (tests/triage/data), each varied as people type (accents dropped, abbreviations, a typo,
   sentences of two reports joined), then `learning.train` on them, timed.
2. Suggesting, through the real path, on a fresh SQLite database in a temporary folder (MEDIA_ROOT
   there too): the demo's units, the model of step 1 stored through Django's storage by
   `services.model_train`'s own writer and made current, then, for `--suggestions` reports
   submitted through the intake, `services.suggestion_refresh` (read the report, load or reuse
   the model, predict, store the Suggestion), timed each; p50 and p95 beside the 50 ms goal.
3. Intake unaffected: the same submissions timed with the suggestion task in
   PHANANH_EVENT_TASKS and without it, the tasks going to the database backend's queue (as in
   production: a worker runs them later), so the request does not wait for the suggestion.

Exit status 1 when a goal is missed.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]
TEMP = tempfile.mkdtemp(prefix="triage-bench-")
os.environ["DB"] = "sqlite"
os.environ["DB_NAME"] = str(Path(TEMP) / "bench.sqlite3")
os.environ["MEDIA_ROOT"] = str(Path(TEMP) / "media")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "phananh.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402

from phananh.core.text import fold  # noqa: E402
from phananh.triage import learning, services  # noqa: E402
from phananh.triage.text import ABBREVIATIONS  # noqa: E402

DATA = ROOT / "tests" / "triage" / "data" / "labelled_reports.jsonl"
GOAL_MS = 50
SHORT = {full: short for short, full in ABBREVIATIONS.items() if " " not in full or full.startswith("uy ban")}


def _typed(text: str, rng: random.Random) -> str:
    if rng.random() < 0.5:
        text = fold(text)
    if rng.random() < 0.3:
        for full, short in SHORT.items():
            text = text.replace(f" {full} ", f" {short} ")
    if rng.random() < 0.2 and len(text) > 20:
        i = rng.randrange(5, len(text) - 5)
        text = text[:i] + text[i + 1 :]
    return text


def examples(count: int, seed: int = 1) -> list[learning.Example]:
    lines = [json.loads(line) for line in DATA.read_text().splitlines() if line.strip()]
    rng = random.Random(seed)
    units = {}
    made = []
    for _ in range(count):
        line = rng.choice(lines)
        text = line["text"]
        if rng.random() < 0.2:
            # A second report's first sentence, of any field: the label stays the first's.
            text = f"{text} {rng.choice(lines)['text'].split('.')[0]}"
        made.append(
            learning.Example(
                _typed(text, rng),
                has_photo=line["has_photo"],
                latitude=line["latitude"] + rng.uniform(-0.01, 0.01),
                longitude=line["longitude"] + rng.uniform(-0.01, 0.01),
                field=line["field"],
                unit=units.setdefault(line["unit"], len(units) + 1),
                urgency=line["urgency"],
            )
        )
    return made


def _submit(text: str):
    from phananh.reports.intake import validate_submission
    from phananh.workflow.submission import report_submit

    raw = {"description": text, "consent": True, "reporter_phone": "0912345678"}
    return report_submit(submission=validate_submission(raw, channel="web")).report


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reports", type=int, default=100_000)
    parser.add_argument("--suggestions", type=int, default=200)
    args = parser.parse_args()
    ok = True

    built = time.perf_counter()
    training = examples(args.reports)
    print(f"{args.reports:,} examples built in memory in {time.perf_counter() - built:.1f} s")
    started = time.perf_counter()
    fitted = learning.train(training)
    trained = time.perf_counter() - started
    print(
        f"training on {args.reports:,} reports: {trained:.1f} s ({len(fitted.dumps()) / 1e6:.1f} MB stored)"
    )

    call_command("migrate", verbosity=0)
    logging.disable(logging.INFO)  # a line per report submitted would drown the figures
    from phananh.demo.data import seed_demo

    seed_demo()
    # The model of step 1, stored and made current by the service's own writer (the examples
    # are the in-memory ones: the demo has a handful of decisions).
    services.train_on = lambda real, hold_out=True: (fitted, {})
    model = services.model_train()
    services.forget_loaded_models()
    lines = [json.loads(line)["text"] for line in DATA.read_text().splitlines() if line.strip()]
    rng = random.Random(2)

    with_task = list(settings.PHANANH_EVENT_TASKS)
    without_task = [t for t in with_task if "triage" not in t]
    timings, intake, without = [], [], []
    for i in range(args.suggestions):
        # Submissions with and without the suggestion task, in turn: the same database, warm.
        settings.PHANANH_EVENT_TASKS = without_task
        started = time.perf_counter()
        _submit(rng.choice(lines))
        without.append((time.perf_counter() - started) * 1000)
        settings.PHANANH_EVENT_TASKS = with_task
        started = time.perf_counter()
        report = _submit(rng.choice(lines))
        intake.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        stored = services.suggestion_refresh(report)
        elapsed = (time.perf_counter() - started) * 1000
        if i:  # the first loads the model from storage (once per process and version)
            timings.append(elapsed)
        assert stored.model_version == model.version
    logging.disable(logging.NOTSET)
    p50, p95 = _percentile(timings, 0.5), _percentile(timings, 0.95)
    print(
        f"suggestion for one report (read, predict, store): p50 {p50:.1f} ms, "
        f"p95 {p95:.1f} ms (goal < {GOAL_MS} ms)"
    )
    ok &= p95 < GOAL_MS
    a, b = statistics.median(without), statistics.median(intake)
    print(
        f"intake (a JSON report, tasks queued in the database): median {a:.1f} ms without the "
        f"suggestion task, {b:.1f} ms with it: the suggestion is computed by a worker afterwards"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
