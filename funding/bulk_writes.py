"""PostgreSQL COPY of unsaved instances, with ids taken from the sequence beforehand.

Only the synthetic-data generator (localities.scale) uses these; they go with it. The ledger writes its releases,
lines, history and transitions through funding.ledger.write, the same way on every database.
"""

from collections.abc import Sequence
from operator import attrgetter

from django.db import connection
from django.db.models import Model
from psycopg.types.json import Jsonb


def next_ids(model: type[Model], count: int) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [model._meta.db_table, count],
        )
        return [row[0] for row in cursor.fetchall()]


def _row_getter(fields):
    """A function giving an object's row for `fields` (JSON wrapped for psycopg): attrgetter does the rest in C."""
    names = [field.attname for field in fields]
    json_at = [i for i, field in enumerate(fields) if field.get_internal_type() == "JSONField"]
    get = attrgetter(*names) if len(names) > 1 else (lambda obj, name=names[0]: (getattr(obj, name),))
    if not json_at:
        return get

    def row(obj):
        values = list(get(obj))
        for i in json_at:
            values[i] = Jsonb(values[i])
        return values

    return row


def _copy_rows(table: str, columns: Sequence[str], rows) -> None:
    """COPY rows (sequences in `columns` order) into the table, in one statement."""
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {connection.ops.quote_name(table)} ({names}) FROM STDIN") as copy,
    ):
        write = copy.write_row
        for row in rows:
            write(row)


def copy_objects(model: type[Model], objects: Sequence, *, skip: Sequence[str] = (), extra: dict | None = None) -> None:
    """COPY unsaved instances (with their pk set, unless pk is skipped) into the model's table."""
    if not objects:
        return
    fields = [f for f in model._meta.concrete_fields if f.attname not in skip]
    columns = [f.column for f in fields] + list(extra or {})
    get = _row_getter(fields)
    tail = tuple((extra or {}).values())
    rows = (get(obj) for obj in objects) if not tail else ((*get(obj), *tail) for obj in objects)
    _copy_rows(model._meta.db_table, columns, rows)
