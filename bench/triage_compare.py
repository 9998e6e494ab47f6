"""What the triage's suggestions were built from: each text view and classifier, measured.

    .venv/bin/python bench/triage_compare.py

Reads the labelled set (tests/triage/data/labelled_reports.jsonl), trains on its older part and
tests on its newer part (`days_ago` < 110: a time split, as the README of the set says), in
memory, with the built-in words of the default fields as the only cold-start help. Prints, for
each combination, the field's and unit's top-1 and top-3, urgent recall and precision, the time
to train and the time to suggest for one report. The figures are in docs/decisions.md.
"""

from __future__ import annotations

import json
import os
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "phananh.settings")

import django  # noqa: E402

django.setup()

from phananh.triage import learning, seeds  # noqa: E402

DATA = ROOT / "tests" / "triage" / "data" / "labelled_reports.jsonl"
SPLIT_DAYS = 110


def examples() -> tuple[list, list]:
    lines = [json.loads(line) for line in DATA.read_text().splitlines() if line.strip()]
    now = datetime.now(UTC)
    made = [
        (
            line["days_ago"],
            learning.Example(
                line["text"],
                has_photo=line["has_photo"],
                latitude=line["latitude"],
                longitude=line["longitude"],
                field=line["field"],
                unit=line["unit"],
                urgency=line["urgency"],
                # A decision of that day: the precedents are the decisions, by their time.
                at=now - timedelta(days=line["days_ago"], minutes=index),
            ),
        )
        for index, line in enumerate(lines)
    ]
    older = [e for days, e in made if days >= SPLIT_DAYS]
    newer = [e for days, e in made if days < SPLIT_DAYS]
    return older, newer


def cold() -> list:
    found = [
        learning.Example(t, field=code, urgency="normal", weight=0.3)
        for code, texts in seeds.FIELD_WORDS.items()
        for t in texts
    ]
    found += [learning.Example(t, urgency="urgent", weight=0.3) for t in seeds.URGENT_PHRASES]
    found += [learning.Example(t, urgency="normal", weight=0.3) for t in seeds.NOT_URGENT_PHRASES]
    return found


COMBINATIONS = [
    ("chars + folded words, SGD, precedents (chosen)", learning.Options()),
    ("chosen without precedents", learning.Options(precedent_share=0)),
    ("chosen, precedents for 0.3 of the score", learning.Options(precedent_share=0.3)),
    ("chosen, 5 precedents", learning.Options(neighbours=5)),
    ("chars only, SGD", learning.Options(words="")),
    ("folded words only, SGD", learning.Options(chars=False)),
    ("segmented words (pyvi + underthesea) only, SGD", learning.Options(chars=False, words="segmented")),
    ("chars + segmented words, SGD", learning.Options(words="segmented")),
    ("chars + folded words, LogisticRegression", learning.Options(solver="logreg", urgency_solver="logreg")),
    ("chosen, urgency by SGD alpha 1e-4", learning.Options(urgency_alpha=1e-4)),
    ("chosen, urgency by SGD alpha 1e-5", learning.Options(urgency_alpha=1e-5)),
]


def main() -> None:
    older, newer = examples()
    print(f"{len(older)} older reports to train on, {len(newer)} newer to test on")
    columns = ("field1", "field3", "unit1", "unit3", "urgR", "urgP", "train s", "ms/1")
    header = f"{'':50} " + " ".join(f"{c:>7}" for c in columns)
    print(header)
    for label, options in COMBINATIONS:
        started = time.perf_counter()
        model = learning.train([*older, *cold()], options)
        trained = time.perf_counter() - started
        started = time.perf_counter()
        got = learning.evaluate(model, newer)
        per = (time.perf_counter() - started) * 1000 / len(newer)
        print(
            f"{label:50} {got['field_top1']:7.1%} {got['field_top3']:7.1%} {got['unit_top1']:7.1%} "
            f"{got['unit_top3']:7.1%} {got['urgent_recall']:7.1%} {got['urgent_precision']:7.1%} "
            f"{trained:7.2f} {per:7.1f}"
        )


if __name__ == "__main__":
    main()
