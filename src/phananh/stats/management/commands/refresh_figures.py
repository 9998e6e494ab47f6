"""`manage.py refresh_figures [--all]`: bring the per-report figures and the monthly rollup up to date.

Run periodically (cron, or beside `run_periodic`) to catch up on any event whose task was lost,
and with `--all` once after installing or upgrading, to fill the figures of existing reports.
"""

from django.core.management.base import BaseCommand

from phananh.reports.models import Report
from phananh.stats.facts import catch_up, refresh
from phananh.stats.rollup import rebuild_dirty


class Command(BaseCommand):
    help = "Refresh the per-report figures of statistics (all of them with --all)."

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true")

    def handle(self, *args, **options):
        if options["all"]:
            done = refresh(Report.objects.order_by("pk").values_list("pk", flat=True).iterator())
        else:
            done = catch_up()
        months = rebuild_dirty()
        self.stdout.write(f"{done} reports refreshed, {months} monthly rows rebuilt")
