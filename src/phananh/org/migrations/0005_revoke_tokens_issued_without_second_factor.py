"""API tokens of the accounts that must now use two-step verification were issued on a password
alone: they are revoked, so that the next token of each account is asked for its code."""

from django.conf import settings
from django.db import migrations
from django.db.models import Q
from django.utils import timezone


def revoke_tokens_without_second_factor(apps, schema_editor):
    ApiToken = apps.get_model("org", "ApiToken")
    must = (
        Q(user__is_staff=True)
        | Q(user__is_superuser=True)
        | Q(user__role__in=settings.PHANANH_REQUIRE_2FA_ROLES)
    )
    ApiToken.objects.filter(must, revoked_at__isnull=True).update(revoked_at=timezone.now())


class Migration(migrations.Migration):
    dependencies = [
        ("org", "0004_names_as_written_and_commune_centres"),
    ]

    operations = [
        migrations.RunPython(revoke_tokens_without_second_factor, migrations.RunPython.noop),
    ]
