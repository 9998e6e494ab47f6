"""The map's grid of published reports, kept by triggers on reports_report (SQLite and PostgreSQL).

A published report with a place adds 1 to one cell of each level (its field, its status); when
it stops being published, moves, or changes field or status, its old contribution is taken
back. The triggers run in the writer's transaction, so the grid is exact at every commit.
"""

from django.db import migrations, models

# Frozen here: a change of `portal.models.GRID_LEVELS` needs a migration that rebuilds the grid.
LEVELS = (1, 2, 3, 7, 14, 27, 55, 110, 220, 439, 879, 1758, 3516, 7031, 14062, 28125, 56250, 112500)
TRIGGERS = ("portal_map_grid_insert", "portal_map_grid_update", "portal_map_grid_delete")
WATCHED = "is_public, latitude, longitude, category_id, status"


def _levels() -> str:
    return " UNION ALL ".join(f"SELECT {size} AS size" for size in LEVELS)


def _micro(column: str, vendor: str) -> str:
    if vendor == "postgresql":
        return f"round({column} * 1000000)::bigint"
    return f"CAST(round({column} * 1000000) AS INTEGER)"


def _is_true(column: str, vendor: str) -> str:
    return f"{column} IS TRUE" if vendor == "postgresql" else f"{column} = 1"


def _count(row: str, sign: str, vendor: str) -> str:
    """Add (sign "") or take back (sign "-") the report `row` (NEW or OLD) in every level."""
    lat, lon = _micro(f"{row}.latitude", vendor), _micro(f"{row}.longitude", vendor)
    # Thousandths from 90° S / 180° W, rounded half up: (micro + offset + 500) // 1000, then // size.
    return f"""
        INSERT INTO portal_mapcell
            (level, cell_y, cell_x, category_id, status, reports, latitude_sum, longitude_sum, id_sum)
        SELECT size, ({lat} + 90000500) / (size * 1000), ({lon} + 180000500) / (size * 1000),
               coalesce({row}.category_id, 0), {row}.status, {sign}1, {sign}{lat}, {sign}{lon}, {sign}{row}.id
        FROM ({_levels()}) AS levels
        WHERE {_is_true(f"{row}.is_public", vendor)}
          AND {row}.latitude IS NOT NULL AND {row}.longitude IS NOT NULL
        ON CONFLICT (level, cell_y, cell_x, category_id, status) DO UPDATE SET
            reports = portal_mapcell.reports + excluded.reports,
            latitude_sum = portal_mapcell.latitude_sum + excluded.latitude_sum,
            longitude_sum = portal_mapcell.longitude_sum + excluded.longitude_sum,
            id_sum = portal_mapcell.id_sum + excluded.id_sum;{_emptied(row, lat, lon) if sign else ""}"""


def _emptied(row: str, lat: str, lon: str) -> str:
    """Drop the cells a report just left that hold no report any more.

    A cell never stays at zero, nor below: taking a report back from a cell already gone (the
    grid emptied before the reports, as Django's test flush does on SQLite) leaves no negative
    count for the next report to cancel out.
    """
    return f"""
        DELETE FROM portal_mapcell
        WHERE reports <= 0 AND category_id = coalesce({row}.category_id, 0) AND status = {row}.status
          AND (level, cell_y, cell_x) IN (
            SELECT size, ({lat} + 90000500) / (size * 1000), ({lon} + 180000500) / (size * 1000)
            FROM ({_levels()}) AS levels
          );"""


def _changed(vendor: str) -> str:
    differ = "IS DISTINCT FROM" if vendor == "postgresql" else "IS NOT"
    columns = [c.strip() for c in WATCHED.split(",")]
    return (
        f"({_is_true('OLD.is_public', vendor)} OR {_is_true('NEW.is_public', vendor)}) AND ("
        + " OR ".join(f"OLD.{c} {differ} NEW.{c}" for c in columns)
        + ")"
    )


def create_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(f"""
            CREATE FUNCTION portal_map_grid_count() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP IN ('UPDATE', 'DELETE') THEN {_count("OLD", "-", vendor)}
                END IF;
                IF TG_OP IN ('UPDATE', 'INSERT') THEN {_count("NEW", "", vendor)}
                END IF;
                RETURN NULL;
            END $$""")
        run = "FOR EACH ROW WHEN ({when}) EXECUTE FUNCTION portal_map_grid_count()"
        schema_editor.execute(
            "CREATE TRIGGER portal_map_grid_insert AFTER INSERT ON reports_report "
            + run.format(when="NEW.is_public IS TRUE")
        )
        schema_editor.execute(
            f"CREATE TRIGGER portal_map_grid_update AFTER UPDATE OF {WATCHED} ON reports_report "
            + run.format(when=_changed(vendor))
        )
        schema_editor.execute(
            "CREATE TRIGGER portal_map_grid_delete AFTER DELETE ON reports_report "
            + run.format(when="OLD.is_public IS TRUE")
        )
    else:
        schema_editor.execute(
            "CREATE TRIGGER portal_map_grid_insert AFTER INSERT ON reports_report "
            f"WHEN NEW.is_public = 1 BEGIN {_count('NEW', '', vendor)} END"
        )
        schema_editor.execute(
            f"CREATE TRIGGER portal_map_grid_update AFTER UPDATE OF {WATCHED} ON reports_report "
            f"WHEN {_changed(vendor)} BEGIN {_count('OLD', '-', vendor)} {_count('NEW', '', vendor)} END"
        )
        schema_editor.execute(
            "CREATE TRIGGER portal_map_grid_delete AFTER DELETE ON reports_report "
            f"WHEN OLD.is_public = 1 BEGIN {_count('OLD', '-', vendor)} END"
        )
    fill(schema_editor, vendor)


def fill(schema_editor, vendor):
    """Count the reports published before the triggers existed."""
    lat, lon = _micro("latitude", vendor), _micro("longitude", vendor)
    schema_editor.execute(f"""
        INSERT INTO portal_mapcell
            (level, cell_y, cell_x, category_id, status, reports, latitude_sum, longitude_sum, id_sum)
        SELECT size, ({lat} + 90000500) / (size * 1000), ({lon} + 180000500) / (size * 1000),
               coalesce(category_id, 0), status, count(*), sum({lat}), sum({lon}), sum(id)
        FROM reports_report CROSS JOIN ({_levels()}) AS levels
        WHERE {_is_true("is_public", vendor)} AND latitude IS NOT NULL AND longitude IS NOT NULL
        GROUP BY 1, 2, 3, 4, 5""")


def drop_triggers(apps, schema_editor):
    for name in TRIGGERS:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name} ON reports_report")
        else:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS portal_map_grid_count()")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("reports", "0010_public_lists_at_scale"),
    ]

    operations = [
        migrations.CreateModel(
            name='MapCell',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('level', models.PositiveIntegerField()),
                ('cell_y', models.BigIntegerField()),
                ('cell_x', models.BigIntegerField()),
                ('category_id', models.BigIntegerField()),
                ('status', models.CharField(max_length=30)),
                ('reports', models.IntegerField(default=0)),
                ('latitude_sum', models.BigIntegerField(default=0)),
                ('longitude_sum', models.BigIntegerField(default=0)),
                ('id_sum', models.BigIntegerField(default=0)),
            ],
            options={
                'indexes': [models.Index(fields=['level', 'cell_x', 'cell_y'], name='map_cell_by_column')],
                'constraints': [models.UniqueConstraint(fields=('level', 'cell_y', 'cell_x', 'category_id', 'status'), name='map_cell_once')],
            },
        ),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
