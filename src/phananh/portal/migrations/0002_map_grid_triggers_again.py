"""The map grid's triggers again, after new columns on reports_report.

SQLite cannot add a NOT NULL column in place: Django rebuilds the table (a new table, the rows
copied, the old one dropped), and the triggers of `0001_map_grid` go with the old table. Without
them the grid stops counting what is published. This drops whatever is left, counts the grid
again from the reports and creates the triggers anew; on PostgreSQL, where the columns were added
in place, it does the same and changes nothing. A later migration that adds a NOT NULL column to
reports_report needs the same step after it.
"""

import importlib

from django.db import migrations

map_grid = importlib.import_module("phananh.portal.migrations.0001_map_grid")


def recreate_triggers(apps, schema_editor):
    map_grid.drop_triggers(apps, schema_editor)
    apps.get_model("portal", "MapCell").objects.all().delete()
    map_grid.create_triggers(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0001_map_grid"),
        ("reports", "0013_redaction"),
    ]

    operations = [migrations.RunPython(recreate_triggers, migrations.RunPython.noop)]
