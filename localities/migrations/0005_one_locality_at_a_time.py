"""One locality and one commissioner per practice at a time, held by the database.

No two memberships of one practice may overlap in time, nor two of its commissioner links: otherwise two
localities (or two CCGs) count the same patients on the same day, and both are paid for them. A period runs
from valid_from to valid_to, both inclusive; no valid_to means it still holds. Two periods are adjacent, and
allowed, when one ends the day before the other starts.

PostgreSQL: exclusion constraints (btree_gist) on (practice_id WITH =, daterange(valid_from, valid_to, '[]')
WITH &&), deferrable but checked at the end of each statement unless a transaction defers them.
SQLite (the embedded demo): triggers before insert and update that abort an overlapping row.

They are not in the models' Meta.constraints: Django would build them on SQLite too, and check them in
full_clean with PostgreSQL operators; the models' clean() and the forms check the same rule in words
(localities.periods). A database that already holds overlapping rows is refused with the practices named.
"""

from django.contrib.postgres.operations import BtreeGistExtension
from django.db import migrations

TABLES = {
    "membership_one_locality_at_a_time": "localities_localitymembership",
    "practice_one_commissioner_at_a_time": "localities_practicecommissioner",
}

POSTGRES_ADD = """
ALTER TABLE {table} ADD CONSTRAINT {name}
    EXCLUDE USING gist (practice_id WITH =, daterange(valid_from, valid_to, '[]') WITH &&)
    DEFERRABLE INITIALLY IMMEDIATE
"""
POSTGRES_DROP = "ALTER TABLE {table} DROP CONSTRAINT IF EXISTS {name}"

OVERLAPPING = """
    SELECT 1 FROM {table} other
    WHERE other.practice_id = NEW.practice_id {not_itself}
      AND (other.valid_to IS NULL OR other.valid_to >= NEW.valid_from)
      AND (NEW.valid_to IS NULL OR other.valid_from <= NEW.valid_to)
"""
SQLITE_TRIGGER = """
CREATE TRIGGER IF NOT EXISTS {name}_{event} BEFORE {event_sql} ON {table}
FOR EACH ROW WHEN EXISTS ({overlapping})
BEGIN
    SELECT RAISE(ABORT, '{name}: the dates overlap another row of the same practice');
END
"""
SQLITE_EVENTS = {
    "insert": ("INSERT", ""),
    "update": ("UPDATE OF practice_id, valid_from, valid_to", "AND other.id <> NEW.id"),
}


class BtreeGist(BtreeGistExtension):
    """btree_gist (PostgreSQL only), kept when the migration is reversed: other constraints may use it, and
    Django's own reverse would ask SQLite for PostgreSQL's catalogue."""

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        pass


def refuse_existing_overlaps(apps, schema_editor):
    """Name the practices whose rows overlap already, so they are corrected before the constraint is added."""
    found = []
    for model_name, holder in (("LocalityMembership", "locality"), ("PracticeCommissioner", "commissioner")):
        model = apps.get_model("localities", model_name)
        rows = model.objects.select_related("practice", holder).order_by("practice_id", "valid_from")
        latest = {}
        for row in rows.iterator(chunk_size=5_000):
            before = latest.get(row.practice_id)
            if before is not None and (before.valid_to is None or before.valid_to >= row.valid_from):
                found.append(
                    f"{row.practice.code}: {getattr(before, holder)} from {before.valid_from} and "
                    f"{getattr(row, holder)} from {row.valid_from}"
                )
            if before is None or (before.valid_to is not None and (row.valid_to is None or row.valid_to > before.valid_to)):
                latest[row.practice_id] = row
    if found:
        shown = "; ".join(found[:20]) + (f"; and {len(found) - 20} more" if len(found) > 20 else "")
        raise RuntimeError(
            "A practice is in one locality and belongs to one commissioner at a time, but these rows overlap: "
            f"{shown}. End or correct them in the admin (or the membership template), then migrate again."
        )


def sqlite_triggers():
    """The SQLite triggers' statements. A table rebuild (SQLite's way to alter a table) drops them, so
    localities.apps writes them again, if missing, after every migrate."""
    for name, table in TABLES.items():
        for event, (event_sql, not_itself) in SQLITE_EVENTS.items():
            overlapping = OVERLAPPING.format(table=table, not_itself=not_itself)
            yield SQLITE_TRIGGER.format(
                name=name, event=event, event_sql=event_sql, table=table, overlapping=overlapping
            )


def add_constraints(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        for name, table in TABLES.items():
            schema_editor.execute(POSTGRES_ADD.format(table=table, name=name), params=None)
    elif vendor == "sqlite":
        for sql in sqlite_triggers():
            schema_editor.execute(sql, params=None)


def drop_constraints(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for name, table in TABLES.items():
        if vendor == "postgresql":
            schema_editor.execute(POSTGRES_DROP.format(table=table, name=name), params=None)
        elif vendor == "sqlite":
            for event in SQLITE_EVENTS:
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}_{event}", params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("localities", "0004_import_started_at"),
    ]

    operations = [
        BtreeGist(),
        migrations.RunPython(refuse_existing_overlaps, migrations.RunPython.noop),
        migrations.RunPython(add_constraints, drop_constraints),
    ]
