"""The session engine (SESSION_ENGINE): Django's database sessions, each row naming its signed-in user, read together
with that user and the page cache's data version in one statement.

Every signed-in request reads its session and then its user (and, for the page cache, the data version:
onecare/pagecache.py). Kept apart, that is two round trips on every request: the session from wherever it is kept,
then the user and the version from PostgreSQL. Here the session is a row of `accounts_session` (accounts.Session, the
model Django's documentation describes for extending its database sessions) with a `user` column, written with the
session from the user id its data holds. Loading a session is one statement: the row, its user's columns (joined) and
the data version. The backend (onecare/accounts/backends.py) takes that user when Django's get_user asks for the one
the session's data names, through AuthenticationMiddleware (onecare/accounts/middleware.py), which lets it see the
session being read. So a signed-in request asks the database once, and nothing else, before its view runs.

Nothing is trusted that Django would not trust: the session's data still says who is signed in and the password hash
it was signed in with (Django checks it against the user read here), the row is read only while it has not expired,
and the user read with it is taken only if it is the one the data names. A row whose user column is empty, or a user
that is not the one named, leaves the backend to read the user itself. Deleting an account deletes its sessions.

Where a value must be converted from what the database sends (dates on SQLite, the embedded demo), the session is read
as Django reads it and the backend reads the user: two queries, as before.

Sessions are in the sign-in bookkeeping that does not move the data version (onecare/dataversion.py): a page's key
carries the session's contents instead. Expired rows are deleted each night (accounts.sessions_clear_expired).
"""

import datetime
from functools import cache

from django.contrib.auth import SESSION_KEY, get_user_model
from django.contrib.sessions.backends.db import SessionStore as DatabaseStore
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from onecare import pagecache
from onecare.accounts.backends import fetch_row, sent_as_loaded, user_from_row

# Stand for the session's key and the time while the statement is compiled; no session has that key.
UNKNOWN_KEY = "-"
SOME_TIME = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)


@cache
def session_statement(model, vendor: str, with_version: bool) -> tuple[str, tuple[str, ...]] | None:
    """The session's statement as the ORM compiles it for the database (`vendor`), with the session's key and the time
    as its parameters: the session's data, every column of its user (NULL when it names none), then the data version
    where the page cache reads it; and the user's field names in order. None where a user's field must be converted
    from what the database sends (SQLite): Django's own query is used there."""
    user_model = get_user_model()
    if not sent_as_loaded(user_model):
        return None
    user_fields = user_model._meta.concrete_fields
    sessions = model._default_manager.filter(session_key=UNKNOWN_KEY).filter(expire_date__gt=SOME_TIME).order_by()
    columns = ["session_data", *(f"user__{field.name}" for field in user_fields)]
    if with_version:
        sessions = pagecache.with_data_version(sessions)
        columns.append(pagecache.VERSION_ATTRIBUTE)
    sql, params = sessions.values_list(*columns).query.sql_with_params()
    if params != (UNKNOWN_KEY, SOME_TIME):  # the key and the time must be its only parameters, or it cannot be reused
        raise ValueError(f"the session's statement has the parameters {params!r}")
    return sql, tuple(field.attname for field in user_fields)


def named_user_id(data: dict):
    """The id of the user the session's data says is signed in, as the user's primary key takes it; None if none."""
    try:
        return get_user_model()._meta.pk.to_python(data.get(SESSION_KEY))
    except ValidationError:
        return None


class SessionStore(DatabaseStore):
    # The user read with the session (the backend takes it), once loaded; None when the row names nobody.
    signed_in_user = None

    @classmethod
    def get_model_class(cls):
        from onecare.accounts.models import Session

        return Session

    def create_model_instance(self, data):
        session = super().create_model_instance(data)
        session.user_id = named_user_id(data)
        return session

    def load(self):
        with_version = pagecache.enabled()
        statement = session_statement(self.model, connection.vendor, with_version)
        if statement is None:
            return super().load()
        sql, fields = statement
        row = fetch_row(sql, [self.session_key, timezone.now()], with_version)
        if row is None:  # no such session, or expired: as Django's store, a new key if one is saved
            self._session_key = None
            return {}
        if row[1] is not None:  # the user's id: the row names a user
            self.signed_in_user = user_from_row(get_user_model(), fields, row[1:], with_version)
        return self.decode(row[0])
