"""Many rows of one model written at once, for the few places that write tens of thousands.

`bulk_create` builds a model instance per row and prepares every value of every instance through
the fields: about 50 µs a row here, most of a deadline sweep that tells 100,000 people. The rows
given here are plain dicts of column values (`report_id`, not `report`), and on PostgreSQL go in
by `COPY`, the ids taken from the table's sequence beforehand in one query. Other databases get
`bulk_create`, so the behaviour is the same everywhere and only the cost differs.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from django.db import connection, models
from django.utils import timezone


def _column_defaults(model: type[models.Model], now) -> dict[str, object]:
    """The value of each column a row may leave out: what saving a model instance would write."""
    defaults = {}
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            defaults[field.attname] = now
        else:
            # What Django would save for it: the default, "" for text, None for the rest.
            defaults[field.attname] = field.get_default()
    return defaults


def _copyable(value: object) -> object:
    """A value as COPY's text format takes it (psycopg adapts the rest): JSON as its text."""
    if isinstance(value, dict | list):
        return json.dumps(value)
    return value


def insert_rows(model: type[models.Model], rows: Sequence[dict]) -> list[int]:
    """Insert `rows` ({column attname: value}, every row the same keys) and return their ids, in order.

    A column a row leaves out gets its field's default. Call inside the transaction the rows
    belong to: the ids taken from the sequence are lost, as usual, if it rolls back.
    """
    if not rows:
        return []
    if connection.vendor != "postgresql":
        return [obj.pk for obj in model.objects.bulk_create([model(**row) for row in rows])]
    defaults = _column_defaults(model, timezone.now())
    column_of = {field.attname: field.column for field in model._meta.concrete_fields}
    given = list(rows[0])
    unknown = set(given) - set(column_of)
    if unknown:
        raise ValueError(f"{model.__name__} has no column {', '.join(sorted(unknown))}")
    missing = {name: value for name, value in defaults.items() if name not in rows[0]}
    fixed = tuple(_copyable(value) for value in missing.values())
    quote = connection.ops.quote_name
    table, pk = model._meta.db_table, model._meta.pk.column
    names = ", ".join(quote(column) for column in (pk, *(column_of[name] for name in (*given, *missing))))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [table, pk, len(rows)],
        )
        ids = [row[0] for row in cursor.fetchall()]
        with cursor.cursor.copy(f"COPY {quote(table)} ({names}) FROM STDIN") as copy:
            for pk_value, row in zip(ids, rows, strict=True):
                copy.write_row((pk_value, *(_copyable(row[name]) for name in given), *fixed))
    return ids
