"""The code an authenticator app shows now for the demo key, for trying the demo without a phone."""

import time
from base64 import b32encode

from django.core.management.base import BaseCommand
from django_otp.oath import TOTP

from phananh.demo.data import DEMO_TOTP_KEY


class Command(BaseCommand):
    help = "Print the current two-step verification code of the demo accounts (demo key only)."

    def handle(self, *args, **options):
        totp = TOTP(DEMO_TOTP_KEY)
        totp.time = time.time()
        seconds_left = 30 - int(totp.time) % 30
        self.stdout.write(f"{totp.token():06d}")
        self.stderr.write(
            f"(valid about {seconds_left} s more; demo key {b32encode(DEMO_TOTP_KEY).decode()})"
        )
