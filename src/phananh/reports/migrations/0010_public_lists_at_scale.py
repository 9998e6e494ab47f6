from django.db import migrations, models

TRIGRAM_INDEX = "report_public_search_trgm"


def add_trigram_index(apps, schema_editor):
    """PostgreSQL only: pg_trgm (a trusted extension since PostgreSQL 13) and a GIN index.

    It answers the search's `search_text LIKE '%word%'` over the published reports; SQLite has
    no such index and reads the rows, with the same results.
    """
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {TRIGRAM_INDEX} ON reports_report "
        "USING gin (search_text gin_trgm_ops) WHERE is_public"
    )


def drop_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {TRIGRAM_INDEX}")


class Migration(migrations.Migration):
    """The public lists at a million reports: keyset orders and search through an index."""

    dependencies = [
        ("reports", "0009_search_words_without_punctuation"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="report", name="report_public_list"),
        migrations.AddIndex(
            model_name="report",
            index=models.Index(
                condition=models.Q(is_public=True), fields=["published_at", "id"], name="report_public_newest"
            ),
        ),
        migrations.AddIndex(
            model_name="report",
            index=models.Index(
                condition=models.Q(is_public=True), fields=["created_at", "id"], name="report_public_received"
            ),
        ),
        migrations.RunPython(add_trigram_index, drop_trigram_index),
    ]
