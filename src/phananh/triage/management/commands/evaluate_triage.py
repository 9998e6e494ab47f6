"""Đánh giá gợi ý: how the suggestions do on this deployment's own history, on a time split.

    manage.py evaluate_triage [--newer 0.3]

Trains on the older decisions and tests on the newer ones (the newest `--newer` share of the
accepted reports, by reception time): never a random split, which would let the model see the
future. Prints top-1 and top-3 accuracy of the field and the unit, urgent recall and precision,
the duplicates' recall at 5 and the late risk's precision and recall one working day ahead.
Nothing is stored: the current model stays as it is.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from phananh.reports.models import Report
from phananh.triage import learning, services

NOT_YET = "chưa có"


def _percent(value) -> str:
    return NOT_YET if value is None else f"{value:.1%}"


class Command(BaseCommand):
    help = "Measure the triage suggestions on a time split of the deployment's decisions."

    def add_arguments(self, parser):
        parser.add_argument(
            "--newer", type=float, default=0.3, help="The newest share of decisions tested on (0.3)."
        )

    def handle(self, *args, newer: float, **options):
        if not 0 < newer < 1:
            raise CommandError("--newer is a share between 0 and 1, e.g. 0.3")
        decisions = services.decisions()
        if len(decisions) < 10:
            raise CommandError(f"Only {len(decisions)} decisions so far: at least 10 are needed.")
        older, tested = learning.time_split(decisions, newer)
        split_at = tested[0].at
        model = learning.train(older + services.cold_examples(len(older)))
        got = learning.evaluate(model, tested)
        out = self.stdout.write
        out(f"Trained on {len(older)} decisions before {split_at:%Y-%m-%d %H:%M}, tested on {len(tested)}.")
        out(f"Field: top-1 {_percent(got['field_top1'])}, top-3 {_percent(got['field_top3'])}")
        out(f"Unit: top-1 {_percent(got['unit_top1'])}, top-3 {_percent(got['unit_top3'])}")
        out(
            f"Unit once the field is chosen (dispatch): top-1 {_percent(got['unit_for_field_top1'])}, "
            f"top-3 {_percent(got['unit_for_field_top3'])}"
        )
        out(f"Urgent: recall {_percent(got['urgent_recall'])}, precision {_percent(got['urgent_precision'])}")
        out(f"Duplicates: recall at 5 {self._duplicates(split_at)}")
        out(f"Late risk (one working day ahead): {self._late_risk(split_at)}")

    def _duplicates(self, split_at) -> str:
        try:
            from phananh.triage.duplicates import evaluate_duplicates
        except ImportError:
            return NOT_YET
        found = evaluate_duplicates(
            Report.objects.filter(created_at__lt=split_at), Report.objects.filter(created_at__gte=split_at)
        )
        return f"{_percent(found['recall_at_5'])} ({found['queries']} reports with an earlier twin)"

    def _late_risk(self, split_at) -> str:
        try:
            from phananh.triage.late_risk import evaluate_late_risk
        except ImportError:
            return f"precision {NOT_YET}, recall {NOT_YET}"
        found = evaluate_late_risk(split_at)
        return (
            f"precision {_percent(found['precision'])}, recall {_percent(found['recall'])} "
            f"({found['steps']} steps, {found.get('late', 0)} of them late; "
            f"learned from {found.get('learned_from', 0)} finished steps)"
        )
