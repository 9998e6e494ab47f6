"""`manage.py generate_data --reports N`: realistic reports for statistics and benchmarks."""

from django.core.management.base import BaseCommand

from phananh.stats.generator import generate


class Command(BaseCommand):
    help = "Generate N reports with their whole timelines over the last two years (never on real data)."

    def add_arguments(self, parser):
        parser.add_argument("--reports", type=int, required=True)
        parser.add_argument("--years", type=float, default=2)
        parser.add_argument("--seed", type=int, default=4)

    def handle(self, *args, reports, years, seed, **options):
        def progress(done):
            if options["verbosity"]:
                self.stdout.write(f"{done} reports")

        generate(reports=reports, years=years, seed=seed, progress=progress)
