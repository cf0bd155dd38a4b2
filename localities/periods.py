"""One locality and one commissioner per practice at a time: the words for a clash, and the database's refusal.

A practice's memberships (LocalityMembership) and its commissioner links (PracticeCommissioner) are dated
rows, from valid_from to valid_to (both inclusive, no end while it still holds). No two rows of one practice
may overlap: otherwise two localities would be paid for the same patients on the same day. The forms, the
admin's inlines, the governance pages and the imports check it and say which practice and which dates
clash; the database holds it whatever code writes (migration 0005: a PostgreSQL exclusion constraint on
daterange(valid_from, valid_to, '[]'), SQLite triggers). When the database refuses a write the checks
passed (someone saved the other row a moment before), the caller shows the same words, never its text.
"""

import datetime
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import DatabaseError, IntegrityError, connection

# The names of the database's constraints (PostgreSQL) and of the SQLite triggers' messages.
MEMBERSHIP_CONSTRAINT = "membership_one_locality_at_a_time"
COMMISSIONER_CONSTRAINT = "practice_one_commissioner_at_a_time"
CONSTRAINTS = (MEMBERSHIP_CONSTRAINT, COMMISSIONER_CONSTRAINT)
EXCLUSION_VIOLATION = "23P01"


def long_date(at: datetime.date) -> str:
    return f"{at.day} {at:%B %Y}"


def period_words(valid_from: datetime.date, valid_to: datetime.date | None) -> str:
    if valid_to is None:
        return f"from {long_date(valid_from)}"
    if valid_to == valid_from:
        return f"on {long_date(valid_from)}"
    return f"from {long_date(valid_from)} to {long_date(valid_to)}"


def overlap(a_from, a_to, b_from, b_to) -> bool:
    """Two periods with inclusive ends (None: no end) share at least one day."""
    return (a_to is None or a_to >= b_from) and (b_to is None or b_to >= a_from)


@dataclass(frozen=True)
class Period:
    """A row as it will be saved: its id (None when new), dates, and what holds the practice (a locality
    or a commissioner, as shown to people)."""

    pk: int | None
    valid_from: datetime.date
    valid_to: datetime.date | None
    holder: str
    holder_id: int | None = None
    key: object = None  # whatever the caller needs to find the row again (a form, a line of a file)


def clashes(periods: Iterable[Period]) -> list[tuple[Period, Period]]:
    """Every pair of overlapping periods, as (earlier, later) by start date."""
    ordered = sorted(periods, key=lambda p: (p.valid_from, p.valid_to or datetime.date.max))
    found = []
    for i, earlier in enumerate(ordered):
        for later in ordered[i + 1 :]:
            if earlier.valid_to is not None and earlier.valid_to < later.valid_from:
                break
            found.append((earlier, later))
    return found


def membership_clash(practice, other: Period) -> str:
    """Why a practice cannot be in a locality for these dates: it is in `other` already."""
    return (
        f"{practice} is already in {other.holder} {period_words(other.valid_from, other.valid_to)}: "
        "two localities cannot hold it on the same day."
    )


def commissioner_clash(practice, other: Period) -> str:
    return (
        f"{practice} already belongs to {other.holder} {period_words(other.valid_from, other.valid_to)}: "
        "two commissioners cannot hold it on the same day."
    )


def membership_period(membership) -> Period:
    return Period(
        membership.pk, membership.valid_from, membership.valid_to, str(membership.locality), membership.locality_id
    )


def commissioner_period(link) -> Period:
    return Period(link.pk, link.valid_from, link.valid_to, str(link.commissioner), link.commissioner_id)


def refused_constraint(error: BaseException) -> str | None:
    """The name of the period constraint the database refused a write with, or None for any other error."""
    if not isinstance(error, IntegrityError):
        return None
    cause = error.__cause__
    diag = getattr(cause, "diag", None)
    name = getattr(diag, "constraint_name", None)
    if name in CONSTRAINTS:
        return name
    text = str(error)
    return next((constraint for constraint in CONSTRAINTS if constraint in text), None)


def is_period_clash(error: BaseException) -> bool:
    return isinstance(error, DatabaseError) and refused_constraint(error) is not None


@contextmanager
def periods_checked_at_the_end():
    """Inside a transaction: check the period constraints once the block has written all its rows, not
    row by row, so rows that only clash half-way (one moved later, the next one later still) can be saved
    together. PostgreSQL only (SQLite's triggers check each row); a clash raises IntegrityError at the end."""
    if connection.vendor != "postgresql":
        yield
        return
    names = ", ".join(CONSTRAINTS)
    with connection.cursor() as cursor:
        cursor.execute(f"SET CONSTRAINTS {names} DEFERRED")
    yield
    with connection.cursor() as cursor:
        cursor.execute(f"SET CONSTRAINTS {names} IMMEDIATE")


PERIODS_MIGRATION = ("localities", "0005_one_locality_at_a_time")


def restore_sqlite_triggers(sender=None, using: str = "default", **kwargs) -> None:
    """post_migrate: on SQLite, once migration 0005 is applied, make sure its triggers exist (a later migration
    that rebuilds either table drops them)."""
    import importlib

    from django.db import connections
    from django.db.migrations.recorder import MigrationRecorder

    database = connections[using]
    if database.vendor != "sqlite" or PERIODS_MIGRATION not in MigrationRecorder(database).applied_migrations():
        return
    migration = importlib.import_module("localities.migrations.0005_one_locality_at_a_time")
    with database.cursor() as cursor:
        for sql in migration.sqlite_triggers():
            cursor.execute(sql)
