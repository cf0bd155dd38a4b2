"""Lost races: when the database says another transaction got there first, the transition answers in words.

Every transition locks its rows and re-reads them, so two people acting at once normally meet the
transition's own checks ("R-12 was approved by someone else a moment ago"). What is left is the database's
last word: a deadlock, a serialization failure, a lock wait that timed out, a unique constraint that the
other transaction filled first, or (on SQLite, the embedded demo) "database is locked". `lost_race` turns
each of those into the transition's own error with a message for the person, after the transaction (or
savepoint) has been rolled back, so a view shows the message and nothing was changed. Any other
database error is still raised: it is a bug, not a race.

No database text reaches the person: the message is the caller's; the original error is kept as __cause__
for the logs.
"""

import sqlite3
from collections.abc import Callable
from contextlib import contextmanager

from django.db import DatabaseError, IntegrityError, OperationalError, connection

# PostgreSQL SQLSTATEs that mean "someone else was at the same rows at the same moment".
RACE_SQLSTATES = {
    "40001": "serialization failure",
    "40P01": "deadlock",
    "55P03": "lock not available",
    "57014": "lock or statement timeout",
    "23505": "unique violation",
}
# Class 23: the ledger's constraints and triggers refused the write (the rows changed under the transition).
REFUSED_SQLSTATE_CLASS = "23"

# How long a transition waits for a row another transaction holds before answering "try again".
LOCK_TIMEOUT = "10s"


def sqlstate(error: BaseException) -> str:
    cause = error.__cause__
    return str(getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None) or "")


def is_lost_race(error: BaseException) -> bool:
    if not isinstance(error, DatabaseError):
        return False
    if sqlstate(error) in RACE_SQLSTATES:
        return True
    text = str(error)
    # SQLite: a writer waited past its timeout, or two writers met; a unique index the other filled first.
    return (isinstance(error, OperationalError) and "database is locked" in text) or (
        isinstance(error, IntegrityError) and "UNIQUE constraint failed" in text
    )


def is_refused(error: BaseException) -> bool:
    """A constraint or trigger refused the write: class 23 on PostgreSQL; any integrity error on SQLite."""
    if not isinstance(error, IntegrityError):
        return False
    return sqlstate(error).startswith(REFUSED_SQLSTATE_CLASS) or isinstance(error.__cause__, sqlite3.IntegrityError)


def at_the_same_moment(subject: str, what: str = "changed") -> str:
    """The words for a lost race: what was being changed by someone else, and what to do now."""
    return (
        f"{subject} was being {what} by someone else at the same moment, so nothing was changed. "
        "Look at it again, and try again if it still needs doing."
    )


@contextmanager
def lost_race(error_class: type[Exception], message: str | Callable[[], str], refused: str | None = None):
    """Run a transition; a lost race raises error_class(message) instead of a database error.

    Put it outside the transition's `transaction.atomic()`, so the rollback has happened when the
    message is raised. `message` may be a callable, called only when it is needed. `refused`, when
    given, is the message for a write the ledger's constraints refused (class 23 on PostgreSQL).
    """
    try:
        yield
    except DatabaseError as error:
        if is_lost_race(error):
            raise error_class(message() if callable(message) else message) from error
        if refused is not None and is_refused(error):
            raise error_class(refused) from error
        raise


def wait_no_longer() -> None:
    """Inside a transition's transaction: wait at most LOCK_TIMEOUT for a row lock (PostgreSQL), then give up.

    The limit lasts to the end of the transaction (SET LOCAL); its timeout is answered by lost_race.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
