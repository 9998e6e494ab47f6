"""Remembered answers of Idempotency-Keys no longer hold the reporter's secret.

Before, the whole first answer was kept, secret included, in clear. A replay now derives the
secret again from the key and the request's content (`workflow.submission._secret_for`); the
answers already remembered lose theirs, so a resend of those old submissions gets the tracking
code and no secret (the reporter still has it from the first answer).
"""

from django.db import migrations


def forget_secrets(apps, schema_editor):
    IdempotencyRecord = apps.get_model("reports", "IdempotencyRecord")
    for record in IdempotencyRecord.objects.exclude(response__secret=None).iterator():
        record.response = {**record.response, "secret": None}
        record.save(update_fields=["response"])


class Migration(migrations.Migration):
    dependencies = [("reports", "0010_public_lists_at_scale")]

    operations = [migrations.RunPython(forget_secrets, migrations.RunPython.noop)]
