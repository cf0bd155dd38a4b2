"""The data version: a PostgreSQL number that moves whenever data a page can show is written, and only then.

What it is. A sequence, `portal_data_version`, that a statement-level trigger on every table of the project's
schema advances (`nextval`) after each INSERT, UPDATE, DELETE or TRUNCATE statement, whoever runs it: a view,
the admin, a Celery task, an import's COPY, psql. FOR EACH STATEMENT, so a bulk write or a COPY costs one bump,
and a write that sends no Django signal is counted all the same. The tables that hold only sign-in bookkeeping,
which no page shows, do not move it (EXEMPT_APPS, EXEMPT_MODELS and EXEMPT_COLUMNS below): the sessions (a page's key
carries the session's own contents instead: onecare/pagecache.py), django-axes' attempts and logs, a user's
`last_login`, and the counters django-otp keeps on a TOTP device at each use. So signing in, the second factor
and signing out leave the version where it was; any other write moves it.

Why it can be trusted, against a writer that has bumped but not yet committed. The trigger first takes
`pg_advisory_xact_lock_shared(LOCK_KEY)`, held until the writer's transaction ends, and only then bumps. The
reader, `portal_data_version_current()` (one round trip), tries `pg_try_advisory_lock(LOCK_KEY)` (exclusive,
session level), reads the sequence's `last_value` while it holds it, and gives it back at once:
- the try fails while any writer that has bumped is still in its transaction: the answer is NULL, "a write is
  under way", and the caller must not keep what it renders;
- the try succeeds: no writer that has bumped is still in its transaction, so every bump up to `last_value` is
  committed (or rolled back); PostgreSQL makes a commit visible before it releases the transaction's locks, so
  whatever is read afterwards sees all their writes. No writer can bump while the reader holds the lock (its
  trigger waits for it), so a writer that bumps later moves `last_value` above the value read, and no later
  reader can come to the same value. Read under the lock, the value is also the one every reader gives between
  two writers: a value read before the lock, while a writer was half-way through its statements, would have
  been a version of its own once the writer committed during the retry below, and its pages rendered twice.
Readers take the lock only for an instant, but two of them may meet (on a busy machine a reader can be
descheduled holding it): the later one tries again after 1 ms, ATTEMPTS times in all, before it answers NULL
(with 8 connections calling nothing else, about 1.5% of calls met another reader on the first try, and
0.002% on all three). A backend never conflicts with its own locks, so inside one transaction (the test suite's
per-test transaction) the transaction's own writes move the version and the reader still answers.

What it costs. A write statement pays a shared advisory lock (once per transaction) and a `nextval`; a reader
one function call, about as dear as the `pg_current_snapshot()` it replaces (one round trip either way). While
any writing transaction that has moved the version is open, every reader answers NULL, 2 ms later: a long
import or an evaluation turns the page cache off until it commits. The sequence must keep CACHE 1 (the
installer sees to it): values cached in a backend would be handed out below a `last_value` already read.

How the triggers get there. `install` runs after every `migrate` (and every `flush`: post_migrate, from
onecare.accounts' AppConfig) and compares the tables with what they should have: any table without its trigger
(say, a new model's) gets it, a trigger whose definition changed is replaced, and an exempt table's is dropped;
when nothing differs it is a few catalog queries. Each trigger's name carries a digest of its definition, which is
how a changed one is recognised. When it changes anything it bumps the version, so a write made before a
table had its trigger (a migration that loads data) cannot hide behind an old value. Only PostgreSQL: on
SQLite there is no version, and the page cache stays off.

What it does not see: writes made with the triggers disabled (`session_replication_role = replica`, as
pg_restore --disable-triggers does), and a sequence set back by a restore. Restart the web processes after
either; their page caches are their own memory, and go with them.
"""

import hashlib
from dataclasses import dataclass

from django.apps import apps as global_apps
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction

SEQUENCE = "portal_data_version"
BUMP = "portal_data_version_bump"
CURRENT = "portal_data_version_current"
TRIGGER_PREFIX = "portal_data_version"
# The advisory lock that writers share until they commit and readers try for an instant: "DATA" in ASCII
# (funding/ledger.py's lock is "LTS").
LOCK_KEY = 0x44415441
# A reader that finds the lock taken tries again after 1 ms, this many times in all: another reader holds it for an
# instant (unless descheduled on a busy machine), a writer until it commits.
ATTEMPTS = 3

# Sign-in bookkeeping, which no page shows: every table of these apps (the sessions; django-axes' attempts, their
# expiry and its logs).
EXEMPT_APPS = ("sessions", "axes")
# Single tables of bookkeeping that no cached page shows: the sessions (onecare/accounts/sessions.py; a page's key
# carries the session's contents instead), and the read API's record of each use of a token (api/), written on every
# API request, which would otherwise empty every page cache each time a finance tool polls.
EXEMPT_MODELS = ("api.TokenUse", "accounts.Session")
# Columns that only sign-in writes, by model: an UPDATE that writes nothing else does not move the version.
EXEMPT_COLUMNS = {
    # update_last_login saves with update_fields=["last_login"]: AFTER UPDATE OF every other column.
    settings.AUTH_USER_MODEL: ("last_login",),
    # The read API stamps a token's last use with update(last_used_at=...) on every request it answers.
    "api.AccessToken": ("last_used_at",),
    # django-otp saves the whole row at each use (verify_token), so UPDATE OF cannot tell a use from a change:
    # a row-level trigger compares the other columns instead (a table of one or two rows a person).
    "otp_totp.TOTPDevice": (
        "last_t",
        "drift",
        "throttling_failure_timestamp",
        "throttling_failure_count",
        "last_used_at",
    ),
}
# Of the above, those whose writers name their columns (update_fields), so that UPDATE OF suffices.
UPDATE_OF = (settings.AUTH_USER_MODEL, "api.AccessToken")


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def functions_sql(schema: str) -> list[str]:
    """The sequence and the two functions (the schema's name is quoted; the rest are this module's constants)."""
    seq = f"{_quote(schema)}.{_quote(SEQUENCE)}"
    return [
        f"CREATE SEQUENCE IF NOT EXISTS {seq} CACHE 1",
        f"ALTER SEQUENCE {seq} CACHE 1",
        f"""
CREATE OR REPLACE FUNCTION {_quote(schema)}.{_quote(BUMP)}() RETURNS trigger LANGUAGE plpgsql AS $body$
BEGIN
    -- Held until this transaction ends: a reader that finds it taken keeps nothing it renders.
    PERFORM pg_advisory_xact_lock_shared({LOCK_KEY});
    PERFORM nextval('{seq}');
    RETURN NULL;
END
$body$
""",
        f"""
CREATE OR REPLACE FUNCTION {_quote(schema)}.{_quote(CURRENT)}() RETURNS bigint LANGUAGE plpgsql VOLATILE AS $body$
DECLARE
    version bigint;
BEGIN
    FOR attempt IN 1..{ATTEMPTS} LOOP
        IF pg_try_advisory_lock({LOCK_KEY}) THEN
            -- Read under the lock: every writer that has bumped has committed, and none can bump until it is let go.
            SELECT last_value INTO version FROM {seq};
            PERFORM pg_advisory_unlock({LOCK_KEY});
            RETURN version;
        END IF;
        IF attempt < {ATTEMPTS} THEN
            PERFORM pg_sleep(0.001);  -- another reader's instant, most likely: it is over by now
        END IF;
    END LOOP;
    RETURN NULL;  -- a writer has not committed yet
END
$body$
""",  # noqa: S608
    ]


@dataclass(frozen=True)
class Trigger:
    table: str
    name: str
    create: str


def _trigger(table: str, definition: str) -> Trigger:
    """`definition` with {name} for the trigger's name: the name carries a digest of the definition."""
    name = f"{TRIGGER_PREFIX}_{hashlib.sha256(definition.encode()).hexdigest()[:10]}"
    return Trigger(table, name, definition.format(name=_quote(name)))


def wanted_triggers(schema: str, tables: list[str], columns: dict[str, list[str]]) -> list[Trigger]:
    """The triggers every table should have; `columns` gives, for the tables with exempt columns, all their columns."""
    exempt_tables = set(exempt_table_names())
    exempt_columns = exempt_column_names()
    update_of = {model._meta.db_table for model in map(_model, UPDATE_OF) if model is not None}
    bump = f"EXECUTE FUNCTION {_quote(schema)}.{_quote(BUMP)}()"
    wanted = []
    for table in tables:
        if table in exempt_tables:
            continue
        on = f"ON {_quote(schema)}.{_quote(table)}"

        def each_statement(events: str, table=table, on=on) -> Trigger:
            return _trigger(table, f"CREATE TRIGGER {{name}} AFTER {events} {on} FOR EACH STATEMENT {bump}")

        shown = [c for c in columns.get(table, []) if c not in exempt_columns.get(table, ())]
        if table not in exempt_columns or not shown:
            wanted.append(each_statement("INSERT OR UPDATE OR DELETE OR TRUNCATE"))
        elif table in update_of:
            wanted.append(each_statement(f"INSERT OR DELETE OR TRUNCATE OR UPDATE OF {', '.join(map(_quote, shown))}"))
        else:
            wanted.append(each_statement("INSERT OR DELETE OR TRUNCATE"))
            old = ", ".join(f"OLD.{_quote(c)}" for c in shown)
            new = ", ".join(f"NEW.{_quote(c)}" for c in shown)
            changed = f"WHEN (ROW({old}) IS DISTINCT FROM ROW({new}))"
            wanted.append(_trigger(table, f"CREATE TRIGGER {{name}} AFTER UPDATE {on} FOR EACH ROW {changed} {bump}"))
    return wanted


def exempt_table_names() -> list[str]:
    tables = []
    for label in EXEMPT_APPS:
        try:
            models = global_apps.get_app_config(label).get_models()
        except LookupError:  # not installed: no tables
            continue
        tables += [model._meta.db_table for model in models]
    tables += [model._meta.db_table for model in map(_model, EXEMPT_MODELS) if model is not None]
    return tables


def exempt_column_names() -> dict[str, tuple[str, ...]]:
    exempt = {}
    for label, names in EXEMPT_COLUMNS.items():
        model = _model(label)
        if model is not None:
            exempt[model._meta.db_table] = tuple(model._meta.get_field(name).column for name in names)
    return exempt


def _model(label: str):
    """The model, or None when its app is not installed (and so has no table)."""
    try:
        return global_apps.get_model(label)
    except LookupError:
        return None


# Every ordinary and partitioned table of the schema, with the data version's triggers it has now.
TABLES = """
SELECT c.relname, coalesce(array_agg(t.tgname ORDER BY t.tgname) FILTER (WHERE t.tgname IS NOT NULL), '{}')
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_trigger t ON t.tgrelid = c.oid AND NOT t.tgisinternal AND t.tgname LIKE %s
WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')
  AND NOT EXISTS (
    SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e'
  )
GROUP BY c.relname
"""
COLUMNS = """
SELECT attname FROM pg_attribute
WHERE attrelid = (quote_ident(current_schema()) || '.' || quote_ident(%s))::regclass AND attnum > 0 AND NOT attisdropped
ORDER BY attnum
"""
FUNCTIONS = """
SELECT p.proname, p.prosrc FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname = current_schema() AND p.proname IN (%s, %s)
"""
SEQUENCE_CACHE = """
SELECT s.seqcache FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = current_schema() AND c.relname = %s
"""


def install(using: str = DEFAULT_DB_ALIAS, **kwargs) -> list[str]:
    """Bring the sequence, the functions and every table's trigger up to date (post_migrate); returns the
    statements it ran (none when everything was in place). PostgreSQL only."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_schema()")
        schema = cursor.fetchone()[0]
        statements = []
        cursor.execute(FUNCTIONS, [BUMP, CURRENT])
        have = dict(cursor.fetchall())
        cursor.execute(SEQUENCE_CACHE, [SEQUENCE])
        cache = cursor.fetchone()
        definitions = functions_sql(schema)
        source = "".join(definitions)
        if cache != (1,) or any(have.get(name) is None or have[name] not in source for name in (BUMP, CURRENT)):
            statements += definitions
        cursor.execute(TABLES, [TRIGGER_PREFIX.replace("_", r"\_") + "%"])
        existing = dict(cursor.fetchall())
        columns = {}
        for table in exempt_column_names():
            if table in existing:
                cursor.execute(COLUMNS, [table])
                columns[table] = [row[0] for row in cursor.fetchall()]
        wanted = wanted_triggers(schema, sorted(existing), columns)
        wanted_names = {(t.table, t.name) for t in wanted}
        for table, names in sorted(existing.items()):
            for name in names:
                if (table, name) not in wanted_names:
                    statements.append(f"DROP TRIGGER {_quote(name)} ON {_quote(schema)}.{_quote(table)}")
        for trigger in wanted:
            if trigger.name not in existing[trigger.table]:
                statements.append(trigger.create)
        if statements:
            # Writes made before a table had its trigger (a migration's own data) count as changes.
            statements.append(f"SELECT nextval('{_quote(schema)}.{_quote(SEQUENCE)}')")
            with transaction.atomic(using):  # all or nothing
                for statement in statements:
                    cursor.execute(statement)
    return statements


def installed_on(using: str = DEFAULT_DB_ALIAS) -> dict[str, list[str]]:
    """Each table of the schema and the data version's triggers on it (for the tests and the curious)."""
    with connections[using].cursor() as cursor:
        cursor.execute(TABLES, [TRIGGER_PREFIX.replace("_", r"\_") + "%"])
        return {table: list(names) for table, names in cursor.fetchall()}


def current(using: str = DEFAULT_DB_ALIAS) -> int | None:
    """The data version, or None while a writer that has moved it has not committed (keep nothing rendered now)."""
    with connections[using].cursor() as cursor:
        cursor.execute(f"SELECT {CURRENT}()")
        return cursor.fetchone()[0]
