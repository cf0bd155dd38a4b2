"""Django's PostgreSQL backend with a health check that costs no round trip while the connection is quiet.

With CONN_HEALTH_CHECKS (production keeps each worker's connection for ten minutes), Django checks a kept connection
before a request's first query by running `SELECT 1` on it: a round trip to the server on every request that reads the
database, before the query the request came for (for a signed-in request, about a tenth of a millisecond of the
worker's CPU and a wake-up of the server, of a request that costs about one).

A PostgreSQL server that ends a connection (it is shutting down or restarting, an administrator ended the session,
`idle_session_timeout`) says so on it: it sends the error and closes the socket. An idle connection that has been sent
nothing since its last reply is one the server has not ended, so it is used without asking. When something has arrived
unasked, or libpq already holds the connection bad, Django's own check runs (`SELECT 1`); if that fails the connection
is closed and the request opens a new one, as before. A connection lost without a word (a network cut with no reset)
shows nothing either way: `SELECT 1` would wait on it as long as the request's query does.

Django's other use of the check, after a request in which a query failed, is left to `SELECT 1` (is_usable).
"""

import select

from django.db.backends.postgresql import base
from psycopg import pq


def quiet(connection) -> bool:
    """Whether libpq holds the connection good and nothing has arrived on it unasked (the server has not ended it)."""
    if not hasattr(select, "poll"):  # Windows has no poll(): Django's check, as before
        return False
    pgconn = connection.pgconn
    if pgconn.status != pq.ConnStatus.OK or pgconn.transaction_status != pq.TransactionStatus.IDLE:
        return False
    poll = select.poll()
    poll.register(pgconn.socket, select.POLLIN | select.POLLPRI)
    return not poll.poll(0)


class DatabaseWrapper(base.DatabaseWrapper):
    def close_if_health_check_failed(self):
        due = self.connection is not None and self.health_check_enabled and not self.health_check_done
        if due and not self.pool and quiet(self.connection):
            self.health_check_done = True
            return
        super().close_if_health_check_failed()
