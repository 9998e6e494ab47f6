"""Erase the personal data of reporters who asked another way than their private link.

A reporter who lost their link may ask the IOC (at the desk, by letter, on the hotline); once the
IOC has checked who they are, the operations team runs this with the report's tracking code. It
is also how erasures asked after a backup are done again when that backup is restored.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from phananh.org.access import System
from phananh.privacy.erasure import personal_data_erase
from phananh.reports.selectors import report_by_tracking_code


class Command(BaseCommand):
    help = "Erase the personal data of the reporters of these reports (tracking codes)."

    def add_arguments(self, parser):
        parser.add_argument("codes", nargs="+", help="Tracking codes, e.g. PA-26-7K3Q9M.")

    def handle(self, *, codes: list[str], **options):
        reports = {code: report_by_tracking_code(code) for code in codes}
        unknown = [code for code, report in reports.items() if report is None]
        if unknown:
            raise CommandError(f"no report has the tracking code {', '.join(unknown)}: nothing was erased")
        for report in reports.values():
            erased = personal_data_erase(report=report, reporter=System(), via="operations")
            self.stdout.write(f"{report.tracking_code}: {'erased' if erased else 'already erased'}")
