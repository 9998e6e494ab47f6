from django.db import migrations, models

ADD_CONSENT_VERSION = {
    # SQLite cannot drop a column's default, so Django would rebuild the whole table for a NOT NULL
    # column, and a rebuilt table loses its triggers: the map grid's (portal 0001). A plain ADD
    # COLUMN keeps them; the default stays in the table's schema, where it does no harm.
    "sqlite": ["ALTER TABLE reports_report ADD COLUMN consent_version varchar(20) NOT NULL DEFAULT 'v1'"],
    # With a constant default PostgreSQL adds the column without rewriting the table.
    "postgresql": [
        "ALTER TABLE reports_report ADD COLUMN consent_version varchar(20) NOT NULL DEFAULT 'v1'",
        "ALTER TABLE reports_report ALTER COLUMN consent_version DROP DEFAULT",
    ],
}


def add_consent_version(apps, schema_editor):
    for statement in ADD_CONSENT_VERSION[schema_editor.connection.vendor]:
        schema_editor.execute(statement)


def drop_consent_version(apps, schema_editor):
    schema_editor.execute("ALTER TABLE reports_report DROP COLUMN consent_version")


class Migration(migrations.Migration):
    """The reporter's rights: which consent text was shown, and the erasure of personal data.

    The reports sent before were shown the only text there was: version "v1" (reports.consent).
    The other columns may be empty, and are added without rebuilding anything.
    """

    dependencies = [
        ("reports", "0011_idempotency_answers_without_secrets"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(add_consent_version, drop_consent_version)],
            state_operations=[
                migrations.AddField(
                    model_name="report",
                    name="consent_version",
                    field=models.CharField(max_length=20, verbose_name="consent text version"),
                ),
            ],
        ),
        migrations.AddField(
            model_name="report",
            name="consent_withdrawn_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="consent withdrawn at"),
        ),
        migrations.AddField(
            model_name="report",
            name="personal_data_erased_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="personal data erased at"),
        ),
        migrations.AddIndex(
            model_name="report",
            index=models.Index(
                condition=models.Q(("personal_data_erased_at", None)),
                fields=["status", "created_at"],
                name="report_personal_data_kept",
            ),
        ),
    ]
