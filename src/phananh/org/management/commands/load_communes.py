from django.core.management.base import BaseCommand, CommandError

from phananh.core.errors import ApplicationError
from phananh.org.communes import load_communes
from phananh.org.models import Unit, UnitKind


class Command(BaseCommand):
    help = "Load or update a province's communes and wards (from vietnam-provinces) as units."

    def add_arguments(self, parser):
        parser.add_argument("province_code", type=int, help="Province code, e.g. 20 for Lạng Sơn.")
        parser.add_argument(
            "--parent", help="Code of the unit to put them under (default: the IOC at the root)."
        )

    def handle(self, *args, province_code, parent=None, **options):
        if parent:
            root = Unit.objects.filter(code=parent).first()
        else:
            root = Unit.objects.filter(kind=UnitKind.IOC, parent=None).first()
        if root is None:
            raise CommandError("No parent unit: create the IOC first (or name one with --parent).")
        try:
            result = load_communes(province_code=province_code, parent=root)
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(
            f"{result.province}: {result.created} created, {result.updated} updated, "
            f"{result.unchanged} unchanged, {result.retired} retired."
        )
