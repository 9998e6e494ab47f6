"""Mở khóa đăng nhập: forget the failed sign-ins of an account or of an address at once."""

from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from django.core.management.base import BaseCommand, CommandError

from phananh.org.throttle import failures, unlock


class Command(BaseCommand):
    help = "Forget the failed sign-in attempts of an account (--username) or a client address (--address)."

    def add_arguments(self, parser):
        parser.add_argument("--username", default="")
        parser.add_argument("--address", default="", help="The client's address, as the app sees it.")

    def handle(self, *args, username: str, address: str, **options):
        if not (username or address):
            raise CommandError("Give --username, --address or both.")
        if isinstance(caches["default"], LocMemCache):
            self.stderr.write(
                "The counts are in each web process's own memory (no REDIS_URL): this command cannot "
                "reach them. Restart the web service to forget them; set REDIS_URL on a production server."
            )
        for label, kwargs in (("account", {"username": username}), ("address", {"address": address})):
            value = next(iter(kwargs.values()))
            if value:
                before = failures(**kwargs)
                unlock(**kwargs)
                self.stdout.write(f"{label} {value}: {before} failed attempts forgotten")
