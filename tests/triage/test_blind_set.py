"""Measured on reports nobody tuned on: the suggestions of a deployment with the labelled set's
history, on the blind set (data/blind_reports.jsonl), written by another hand without seeing the
model, its glossary (triage/seeds.py) or the labelled set.

Given the labelled set submitted, accepted and dispatched as in test_evaluation, and a model
trained on all of it as the nightly training would, when each blind report is submitted through
the real intake, then the suggestions for it are scored against the IOC's decisions written with
it. The figures are printed; the floors are what was reached when the set was added
(docs/decisions.md, "Triage").
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from phananh.org.models import Unit
from phananh.triage import learning, services

from .conftest import labelled, submit_labelled

pytestmark = pytest.mark.django_db

BLIND = Path(__file__).parent / "data" / "blind_reports.jsonl"


def blind() -> list[dict]:
    return [json.loads(line) for line in BLIND.read_text().splitlines() if line.strip()]


def test_the_suggestions_on_reports_nobody_tuned_on(province, history):
    # Before any decision: names, descriptions, the units' duties and the fields' glossary.
    cold_start = learning.train(services.cold_examples(0))
    history(labelled())
    model, _ = services.train_on(services.decisions(), hold_out=False)
    units = {u.code: u.pk for u in Unit.objects.all()}
    tested = []
    for item in blind():
        report = submit_labelled(item)
        tested.append(
            learning.Example(
                text=f"{report.title}. {report.description}" if report.title else report.description,
                commune=report.commune_id,
                has_photo=item["has_photo"],
                latitude=float(report.latitude),
                longitude=float(report.longitude),
                field=item["field"],
                unit=units[item["unit"]],
                urgency=item["urgency"],
            )
        )
    got = learning.evaluate(model, tested)
    before = learning.evaluate(cold_start, tested)
    print(f"after {len(services.decisions())} decisions: {got}\nbefore any: {before}")

    assert got["tested"] == 240
    assert got["urgent_recall"] >= 0.95
    assert got["field_top1"] >= 0.82 and got["field_top3"] >= 0.95
    assert got["unit_top1"] >= 0.72 and got["unit_top3"] >= 0.92
    # Before any decision, the glossary and the duties already place most reports.
    assert before["field_top1"] >= 0.48 and before["field_top3"] >= 0.70
    assert before["unit_top3"] >= 0.55
