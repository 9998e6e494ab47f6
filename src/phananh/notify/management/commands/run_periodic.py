"""Enqueue the periodic tasks every PHANANH_PERIODIC_SECONDS.

django-tasks has no scheduler, so this small loop is one: it only enqueues, and the worker
(`db_worker`, or RQ's) runs the tasks. The tasks are idempotent, so a round that overlaps a
slow earlier one, or one of these loops on each of several machines, cost time but never send
twice: no lock is taken (docs/decisions.md, "Background work").

Which tasks: `PHANANH_PERIODIC_TASKS` names them (the deadline sweeper, deliveries, the closing
of unrated results, the statistics' catch-up...), so that this loop imports no app above its own.
"""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


def periodic_tasks() -> list:
    return [import_string(path) for path in settings.PHANANH_PERIODIC_TASKS]


class Command(BaseCommand):
    help = "Enqueue the periodic tasks (PHANANH_PERIODIC_TASKS) every PHANANH_PERIODIC_SECONDS, forever."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Enqueue one round, then exit.")
        parser.add_argument(
            "--interval",
            type=float,
            default=None,
            help="Seconds between rounds (default: settings.PHANANH_PERIODIC_SECONDS).",
        )

    def handle(self, *, once: bool, interval: float | None, verbosity: int, **options):
        interval = settings.PHANANH_PERIODIC_SECONDS if interval is None else interval
        try:
            while True:
                started = time.monotonic()
                self.enqueue_round(verbosity)
                if once:
                    return
                time.sleep(max(0.0, interval - (time.monotonic() - started)))
        except KeyboardInterrupt:
            return

    def enqueue_round(self, verbosity: int) -> None:
        for periodic in periodic_tasks():
            try:
                result = periodic.enqueue()
            except Exception:
                # A broker or database that is down for a moment must not stop the loop.
                logger.exception("Could not enqueue %s", periodic.name)
                continue
            if verbosity >= 2:
                self.stdout.write(f"enqueued {periodic.name} ({result.id})")
