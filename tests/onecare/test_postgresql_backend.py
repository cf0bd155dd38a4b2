"""The PostgreSQL backend (onecare/postgresql): a kept connection's health check asks the server only when the
connection has been sent something unasked, and a connection the server has ended is replaced before the request's
first query."""

import time

import pytest
from django.db import Error, connection, connections

from onecare.postgresql.base import DatabaseWrapper, quiet

pytestmark = pytest.mark.django_db


@pytest.fixture
def kept():
    """A second connection to the test database, kept between requests and checked before reuse, as production's:
    outside the test's transaction, so it is idle between statements as a worker's is between requests."""
    wrapper = DatabaseWrapper({**connection.settings_dict, "CONN_HEALTH_CHECKS": True, "CONN_MAX_AGE": 600}, "kept")
    wrapper.ensure_connection()
    yield wrapper
    wrapper.close()


def next_request(wrapper):
    """What Django does when a request starts or ends (the request_started and request_finished signals)."""
    wrapper.close_if_unusable_or_obsolete()


def backend_pid(wrapper) -> int:
    with wrapper.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def statements_sent(wrapper, monkeypatch) -> list[str]:
    """Every statement the wrapper's psycopg connection is asked to run through a cursor, the health check's
    `SELECT 1` included (Django runs it on a psycopg cursor of its own, bypassing its wrappers)."""
    sent = []
    cursor = wrapper.connection.cursor

    def recording(*args, **kwargs):
        made = cursor(*args, **kwargs)
        execute = made.execute

        def recorded(query, *a, **k):
            sent.append(str(query))
            return execute(query, *a, **k)

        made.execute = recorded
        return made

    monkeypatch.setattr(wrapper.connection, "cursor", recording)
    return sent


def eventually_not_quiet(wrapper) -> bool:
    """The ended session's process says so on the socket a moment after pg_terminate_backend returns."""
    deadline = time.monotonic() + 10
    while quiet(wrapper.connection):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def test_the_engine_is_this_backend_on_postgresql():
    assert isinstance(connections["default"], DatabaseWrapper)
    assert connection.vendor == "postgresql"


def test_a_quiet_connection_is_reused_without_asking_the_server(kept, monkeypatch):
    pid = backend_pid(kept)
    sent = statements_sent(kept, monkeypatch)
    for _ in range(3):
        next_request(kept)
        assert quiet(kept.connection)
        assert backend_pid(kept) == pid
    assert sent == ["SELECT pg_backend_pid()"] * 3  # no "SELECT 1" before each request's first query


def test_a_connection_the_server_ended_is_replaced_before_the_requests_first_query(kept, monkeypatch):
    pid = backend_pid(kept)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    next_request(kept)
    # The server said why on the socket and closed it: the check cannot take the connection as quiet.
    assert eventually_not_quiet(kept)
    sent = statements_sent(kept, monkeypatch)
    new_pid = backend_pid(kept)  # no error: Django's own check found it unusable and a new connection was opened
    assert new_pid != pid
    assert sent == ["SELECT 1"]  # Django's check, on the old connection, before it was closed


def test_a_connection_in_an_unfinished_transaction_is_not_taken_as_quiet(kept):
    kept.connection.execute("BEGIN")
    assert not quiet(kept.connection)
    kept.connection.execute("ROLLBACK")
    assert quiet(kept.connection)


def test_without_health_checks_nothing_is_checked(kept, monkeypatch):
    kept.health_check_enabled = False
    pid = backend_pid(kept)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    next_request(kept)
    assert eventually_not_quiet(kept)
    checked = []
    monkeypatch.setattr("onecare.postgresql.base.quiet", lambda c: checked.append(c) or True)
    with pytest.raises(Error):  # Django's default: the request's first query meets the ended session
        backend_pid(kept)
    assert checked == []


def test_a_statement_run_again_on_a_kept_connection_is_prepared_once_for_any_values(kept):
    """The settings bind values on the server (server_side_binding) and let psycopg prepare a statement once a
    connection has run it five times: the sixth run, with other values, is planned no more."""
    with kept.cursor() as cursor:
        for value in range(6):
            cursor.execute("SELECT %s::integer + 1", [value])
            assert cursor.fetchone() == (value + 1,)
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = cursor.fetchall()
    assert prepared == [("SELECT $1::integer + 1",)]
