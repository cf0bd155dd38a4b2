"""Writing a whole evaluation's releases in a fixed number of statements, with PostgreSQL COPY.

England-sized evaluations propose thousands of releases with tens of thousands of per-practice lines:
bulk_create spends most of its time turning model instances into parameters. Here the release ids
come from the sequence in one query, and releases, their history records (as simple_history's
bulk_create_with_history would write them), lines and transitions each go in with one COPY.
"""

from collections.abc import Sequence

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


def _getters(fields) -> list:
    """One function per column: the attribute, wrapped for psycopg if it is JSON."""
    getters = []
    for field in fields:
        name = field.attname
        if field.get_internal_type() == "JSONField":
            getters.append(lambda obj, name=name: Jsonb(getattr(obj, name)))
        else:
            getters.append(lambda obj, name=name: getattr(obj, name))
    return getters


def copy_objects(model: type[Model], objects: Sequence, *, skip: Sequence[str] = (), extra: dict | None = None) -> None:
    """COPY unsaved instances (with their pk set, unless pk is skipped) into the model's table."""
    if not objects:
        return
    fields = [f for f in model._meta.concrete_fields if f.attname not in skip]
    columns = [f.column for f in fields] + list(extra or {})
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    tail = list((extra or {}).values())
    getters = _getters(fields)
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
        for obj in objects:
            copy.write_row([get(obj) for get in getters] + tail)


def copy_history(releases: Sequence[Release], *, user, reason: str, at) -> None:
    """The "+" history record of each new release, as bulk_create_with_history writes it."""
    history = Release.history.model
    own = {f.attname for f in Release._meta.concrete_fields}
    fields = [f for f in history._meta.concrete_fields if f.attname in own]
    columns = [f.column for f in fields] + ["history_date", "history_change_reason", "history_type", "history_user_id"]
    table = connection.ops.quote_name(history._meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    tail = [at, reason, "+", user.pk if user else None]
    getters = _getters(fields)
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
        for release in releases:
            copy.write_row([get(release) for get in getters] + tail)


def _insert_releases_portably(releases: list[Release], *, user, reason: str, at) -> None:
    """The embedded SQLite default has no COPY or sequences: the ORM's bulk path, history included."""
    created = bulk_create_with_history(
        releases, Release, batch_size=500, default_user=user, default_change_reason=reason, default_date=at
    )
    for release, saved in zip(releases, created, strict=True):
        release.pk = saved.pk


def write_releases(made, *, user, reason: str, at) -> list[Release]:
    """Insert (release, lines) pairs and a "proposed" transition for each, in six statements whatever their number."""
    releases = [release for release, _ in made]
    if not releases:
        return []
    if connection.vendor != "postgresql":
        _insert_releases_portably(releases, user=user, reason=reason[:100], at=at)
        _insert_lines_and_transitions(made, releases, user=user, reason=reason, at=at, portable=True)
        return releases
    for release, pk in zip(releases, next_ids(Release, len(releases)), strict=True):
        release.pk = pk
    copy_objects(Release, releases)
    copy_history(releases, user=user, reason=reason[:100], at=at)
    _insert_lines_and_transitions(made, releases, user=user, reason=reason, at=at, portable=False)
    return releases


def _insert_lines_and_transitions(made, releases: list[Release], *, user, reason: str, at, portable: bool) -> None:
    lines = []
    for release, release_lines in made:
        for line in release_lines:
            line.release_id = release.pk
            lines.append(line)
    transitions = [
        ReleaseTransition(
            release_id=r.pk, from_state="", to_state=r.state, actor_id=user.pk if user else None, at=at, reason=reason
        )
        for r in releases
    ]
    if portable:
        fields = [f.attname for f in ReleaseLine._meta.concrete_fields if f.attname != "id"]
        ReleaseLine.objects.bulk_create(
            [ReleaseLine(**{name: getattr(line, name) for name in fields}) for line in lines], batch_size=1000
        )
        ReleaseTransition.objects.bulk_create(transitions, batch_size=1000)
        return
    copy_objects(ReleaseLine, lines, skip=["id"])
    copy_objects(ReleaseTransition, transitions, skip=["id"])
    for release in releases:
        release._state.adding = False
        release._state.db = "default"
