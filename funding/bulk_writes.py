"""Writing a whole evaluation's releases in a fixed number of statements, with PostgreSQL COPY.

England-sized evaluations propose thousands of releases with tens of thousands of per-practice lines:
bulk_create spends most of its time turning model instances into parameters. Here the release ids
come from the sequence in one query, releases and lines each go in with one COPY, and the releases'
history records (as simple_history's bulk_create_with_history would write them) and "proposed"
transitions are read back from the release rows by one INSERT ... SELECT, so Python sends them nothing.
"""

from collections.abc import Sequence
from operator import attrgetter

from django.db import connection
from django.db.models import Model
from psycopg.types.json import Jsonb
from simple_history.utils import bulk_create_with_history

from .models import Release, ReleaseLine, ReleaseTransition


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


def insert_history_and_transitions(ids: Sequence[int], *, user, reason: str, at) -> None:
    """Each new release's "+" history record (as bulk_create_with_history writes it) and its "proposed" transition,
    read back from the release rows just copied in, in one statement: nothing more to send from Python."""
    quote = connection.ops.quote_name
    history = Release.history.model
    own = {f.attname: f.column for f in Release._meta.concrete_fields}
    fields = [f for f in history._meta.concrete_fields if f.attname in own]
    history_user = history._meta.get_field("history_user")
    history_columns = [f.column for f in fields] + ["history_date", "history_change_reason", "history_type"]
    history_columns.append(history_user.column)
    copied = ", ".join(f"r.{quote(own[f.attname])}" for f in fields)
    transitions = ReleaseTransition._meta
    transition_columns = ", ".join(quote(transitions.get_field(name).column) for name in TRANSITION)
    pk, state = quote(Release._meta.pk.column), quote(Release._meta.get_field("state").column)
    new = f"{quote(Release._meta.db_table)} r WHERE r.{pk} = ANY(%(ids)s) ORDER BY r.{pk}"
    user_id = f"CAST(%(user)s AS {history_user.db_type(connection)})"
    actor_id = f"CAST(%(user)s AS {transitions.get_field('actor').db_type(connection)})"
    # Identifiers from the models' metadata only; every value is a parameter.
    sql = f"""
        WITH history AS (
            INSERT INTO {quote(history._meta.db_table)} ({", ".join(quote(c) for c in history_columns)})
            SELECT {copied}, %(at)s, %(history_reason)s, '+', {user_id} FROM {new}
        )
        INSERT INTO {quote(transitions.db_table)} ({transition_columns})
        SELECT r.{pk}, '', r.{state}, {actor_id}, %(at)s, %(reason)s FROM {new}
    """  # noqa: S608
    params = {"ids": list(ids), "at": at, "history_reason": reason[:100], "reason": reason}
    params["user"] = user.pk if user else None
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


# A new release's transition: (release, "", its state, the user, when, why).
TRANSITION = ["release", "from_state", "to_state", "actor", "at", "reason"]


def _insert_releases_portably(releases: list[Release], *, user, reason: str, at) -> None:
    """The embedded SQLite default has no COPY or sequences: the ORM's bulk path, history included."""
    created = bulk_create_with_history(
        releases, Release, batch_size=500, default_user=user, default_change_reason=reason, default_date=at
    )
    for release, saved in zip(releases, created, strict=True):
        release.pk = saved.pk


def write_releases(made, *, user, reason: str, at) -> list[Release]:
    """Insert (release, lines) pairs, each release's history record and a "proposed" transition for each, in a fixed
    number of statements whatever their number (on PostgreSQL: the ids, two COPYs and one INSERT ... SELECT).

    A line is a tuple of ReleaseLine's fields in LINE order (funding.evaluation.Line).
    """
    releases = [release for release, _ in made]
    if not releases:
        return []
    if connection.vendor != "postgresql":
        _insert_releases_portably(releases, user=user, reason=reason[:100], at=at)
        _insert_lines_and_transitions_portably(made, releases, user=user, reason=reason, at=at)
        return releases
    ids = next_ids(Release, len(releases))
    for release, pk in zip(releases, ids, strict=True):
        release.pk = pk
    copy_objects(Release, releases)
    _copy_rows(
        ReleaseLine._meta.db_table,
        [ReleaseLine._meta.get_field(name).column for name in ["release", *LINE]],
        ((release.pk, *line) for release, lines in made for line in lines),
    )
    insert_history_and_transitions(ids, user=user, reason=reason, at=at)
    for release in releases:
        release._state.adding = False
        release._state.db = "default"
    return releases


# A line's fields, in the order of its tuple: all of ReleaseLine's but its id and its release.
LINE = ["practice", "patients", "snapshot_date", "source_kind", "opted_out", "amount"]


def _insert_lines_and_transitions_portably(made, releases: list[Release], *, user, reason: str, at) -> None:
    names = [ReleaseLine._meta.get_field(name).attname for name in LINE]
    ReleaseLine.objects.bulk_create(
        [
            ReleaseLine(release_id=release.pk, **dict(zip(names, line, strict=True)))
            for release, lines in made
            for line in lines
        ],
        batch_size=1000,
    )
    actor_id = user.pk if user else None
    ReleaseTransition.objects.bulk_create(
        [
            ReleaseTransition(release_id=r.pk, from_state="", to_state=r.state, actor_id=actor_id, at=at, reason=reason)
            for r in releases
        ],
        batch_size=1000,
    )
