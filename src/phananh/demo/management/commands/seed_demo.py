from base64 import b32encode

from django.core.management.base import BaseCommand

from phananh.demo.data import DEMO_PASSWORD, DEMO_TOTP_KEY, seed_demo


class Command(BaseCommand):
    help = "Create the Lạng Sơn demo data (idempotent): units, communes, one account per role, reports."

    def handle(self, *args, **options):
        result = seed_demo()
        communes = result["communes"]
        self.stdout.write(
            f"Demo data: {result['units']} units ({communes.created} communes created, "
            f"{communes.updated} updated), {result['accounts']} accounts and "
            f"{result['reports']} reports added."
        )
        self.stdout.write(f"Demo accounts use the password {DEMO_PASSWORD} (see README).")
        self.stdout.write(
            "dieuphoi, tongdai and quantri also ask for a code: add the demo key "
            f"{b32encode(DEMO_TOTP_KEY).decode()} to an authenticator app, or run `manage.py demo_code`."
        )
