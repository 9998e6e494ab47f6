"""PartnerSync.status is named `state`: it says whether a partner system got a row, and no
reader (or checker) should take it for a report's status, which only the workflow writes."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("channels", "0002_partner_sync")]

    operations = [
        migrations.RemoveIndex(model_name="partnersync", name="partner_sync_due"),
        migrations.RenameField(model_name="partnersync", old_name="status", new_name="state"),
        migrations.AddIndex(
            model_name="partnersync",
            index=models.Index(fields=["state", "next_attempt_at"], name="partner_sync_due"),
        ),
    ]
