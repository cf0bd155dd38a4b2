"""onecare.races: the database's word on a lost race becomes the transition's own error, in words; other errors stay."""

import pytest
from django.db import ProgrammingError, connection, transaction

from onecare.races import lost_race


class Refused(Exception):
    pass


def run_sql(sql: str) -> None:
    with (
        lost_race(Refused, lambda: "Someone else got there first.", refused="The ledger refused it."),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("CREATE TEMPORARY TABLE IF NOT EXISTS race (id int PRIMARY KEY, n int CHECK (n >= 0))")
        cursor.execute(sql)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("sql", "said"),
    [
        ("INSERT INTO race VALUES (1, 1), (1, 2)", "Someone else got there first."),  # unique violation
        (
            "DO $$ BEGIN RAISE lock_not_available; END $$",
            "Someone else got there first.",
        ),
        ("DO $$ BEGIN RAISE deadlock_detected; END $$", "Someone else got there first."),
        ("DO $$ BEGIN RAISE serialization_failure; END $$", "Someone else got there first."),
        ("INSERT INTO race VALUES (2, -1)", "The ledger refused it."),  # check violation
    ],
)
def test_it_answers_a_lost_race_in_words(sql, said):
    with pytest.raises(Refused) as raised:
        run_sql(sql)

    assert str(raised.value) == said
    assert raised.value.__cause__ is not None  # the database's own error is kept for the logs
    with connection.cursor() as cursor:  # the transaction was rolled back to the savepoint: usable
        cursor.execute("SELECT 1")


@pytest.mark.django_db
def test_it_leaves_other_database_errors_alone():
    with pytest.raises(ProgrammingError):
        run_sql("SELECT no_such_column FROM race")
