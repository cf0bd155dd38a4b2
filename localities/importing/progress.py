"""Progress of an import the admin can watch while it runs.

The import itself runs in one transaction that nobody else can see into until it commits, so the
percentage is written through a second connection of its own, in autocommit, at most once a second.
"""

import logging
import time

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections

from ..models import ImportRecord

INTERVAL_SECONDS = 1.0
logger = logging.getLogger(__name__)


class DatabaseProgress:
    def __init__(self, record_id: int):
        self.record_id = record_id
        self.written_at = 0.0
        self.percent = -1
        self.rows = 0
        self.connection = None

    counts_rows = True  # localities.importing.reading gives the rows read and expected too

    def __enter__(self) -> "DatabaseProgress":
        return self

    def __exit__(self, *exc) -> None:
        if self.connection is not None:
            self.connection.close()

    def __call__(self, fraction: float, rows: int | None = None, expected: int | None = None) -> None:
        percent = min(int(fraction * 100), 99)  # 100 means finished, which the importer itself records
        now = time.monotonic()
        moved = percent != self.percent or (rows is not None and rows != self.rows)
        if not moved or now - self.written_at < INTERVAL_SECONDS:
            return
        self.percent, self.written_at = percent, now
        self.rows = rows if rows is not None else self.rows
        # SQLite (the local demo) allows one writer at a time: the import's own transaction.
        if connection.vendor != "postgresql":
            return
        if self.connection is None:
            self.connection = connections.create_connection(DEFAULT_DB_ALIAS)
        table = ImportRecord._meta.db_table
        try:
            with self.connection.cursor() as cursor:
                # Progress is excluded from the record's history, so a plain UPDATE loses nothing.
                if rows is None:
                    cursor.execute(f"UPDATE {table} SET progress = %s WHERE id = %s", [percent, self.record_id])  # noqa: S608
                else:
                    cursor.execute(
                        f"UPDATE {table} SET progress = %s, rows_read = %s, "  # noqa: S608
                        "rows_expected = GREATEST(rows_expected, %s) WHERE id = %s",
                        [percent, rows, expected or 0, self.record_id],
                    )
        except DatabaseError:
            logger.warning("Could not record the progress of import #%s", self.record_id, exc_info=True)
