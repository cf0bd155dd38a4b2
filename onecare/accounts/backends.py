"""The password sign-in's authentication backend: Django's ModelBackend, taking the signed-in user that the session's
own statement read, or else loading the user together with the page cache's data version (onecare/pagecache.py) in one
query.

Every signed-in request loads its session and its user; a request for a cached page then needs the data version as
well, read before the page is rendered. The session engine (onecare/accounts/sessions.py) reads all three in one
statement: the session's row, the user its column names, and the version. AuthenticationMiddleware
(onecare/accounts/middleware.py) lets this backend see that session while Django's get_user asks it for the user, and
the backend takes the user read there when it is the one the session's data names. Otherwise (a session kept elsewhere,
SQLite, a row without its user) it reads the user and the version in one statement of its own. Either way the version
is kept on the instance (pagecache.VERSION_ATTRIBUTE) for the page cache to take; nothing else reads it.

Those statements are compiled by the ORM once per process (signed_in_user_statement here, and the session's) and then
run with each request's id, their rows given to the model as Model.from_db does for any query (without the version where
the page cache is off; through the ORM where a value needs converting, as dates do on SQLite). Compiling it afresh (the
user's columns, the annotation, the filter) and building the user through a queryset took about 0.8 ms of CPU of the
2 ms a signed-in request cost; run this way the user costs about 0.25 ms, most of it the round trip. The statement is
the ORM's own, so it follows the user model's columns; only the id changes between requests.

A person's permissions (the admin's pages check them) are read in one query too: those given to the person and
those of their groups, where ModelBackend reads each set on its own.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.db import DatabaseError, connection
from django.db.models import Q

from onecare import pagecache

# Stands for the user's id while the statement is compiled; no account has it (ids start at 1).
UNKNOWN_ID = -1


def sent_as_loaded(model) -> bool:
    """Whether every field of the model takes its value as the database sends it (no converter): then a row of a
    statement run by hand can be given to the model as Model.from_db does. Not so for dates on SQLite, or JSON."""
    return not any(
        field.get_db_converters(connection) or connection.ops.get_db_converters(field.get_col(model._meta.db_table))
        for field in model._meta.concrete_fields
    )


@cache
def signed_in_user_statement(model, vendor: str, with_version: bool) -> tuple[str, tuple[str, ...]] | None:
    """The signed-in user's statement as the ORM compiles it for the database (`vendor`), with the id as its one
    parameter: every column of the user, then the data version where the page cache reads it; and the user's field
    names in the order it reads them. None where a field's value must be converted from what the database sends
    (dates on SQLite): the ORM loads the user there."""
    if not sent_as_loaded(model):
        return None
    fields = tuple(field.attname for field in model._meta.concrete_fields)
    users = model._default_manager.filter(pk=UNKNOWN_ID).order_by()
    if with_version:
        users = pagecache.with_data_version(users)
    columns = (*fields, pagecache.VERSION_ATTRIBUTE) if with_version else fields
    sql, params = users.values_list(*columns).query.sql_with_params()
    if params != (UNKNOWN_ID,):  # the id must be the statement's only parameter, or it cannot be reused
        raise ValueError(f"the signed-in user's statement has the parameters {params!r}")
    return sql, fields


def user_from_row(model, fields: tuple[str, ...], row: tuple, with_version: bool):
    """The user of a row of such a statement (its fields in order, then the data version where it was read)."""
    user = model.from_db(connection.alias, fields, row[: len(fields)])
    if with_version:
        setattr(user, pagecache.VERSION_ATTRIBUTE, row[len(fields)])
    return user


def fetch_row(sql: str, params: list, with_version: bool) -> tuple | None:
    """The one row of such a statement, or None. A statement that read the data version and failed half-way may have
    left the version's lock taken: pagecache.forget_failed_read lets it go."""
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchone()
    except DatabaseError:
        if with_version:
            pagecache.forget_failed_read()
        raise


# The session whose user Django's get_user is loading: set by AuthenticationMiddleware (onecare/accounts/middleware.py)
# for that call only.
SESSION_BEING_READ: ContextVar = ContextVar("onecare.accounts.backends.session", default=None)


@contextmanager
def reading_user_of(session) -> Iterator[None]:
    """While Django's get_user loads the user of `session`: the backend may take the user the session's own statement
    read (onecare/accounts/sessions.py) instead of asking the database again."""
    token = SESSION_BEING_READ.set(session)
    try:
        yield
    finally:
        SESSION_BEING_READ.reset(token)


def user_read_with_session(user_id):
    """The user the session being read loaded in its statement, if it is the one the session names; else None."""
    user = getattr(SESSION_BEING_READ.get(), "signed_in_user", None)
    return user if user is not None and user.pk == user_id else None


class AccountBackend(ModelBackend):
    def get_user(self, user_id):
        loaded = user_read_with_session(user_id)
        if loaded is not None:  # read with the session, in the session's statement (onecare/accounts/sessions.py)
            return loaded if self.user_can_authenticate(loaded) else None
        model = get_user_model()
        with_version = pagecache.enabled()
        statement = signed_in_user_statement(model, connection.vendor, with_version)
        if statement is None:
            return super().get_user(user_id)
        sql, fields = statement
        row = fetch_row(sql, [user_id], with_version)
        if row is None:
            return None
        user = user_from_row(model, fields, row, with_version)
        return user if self.user_can_authenticate(user) else None

    def get_all_permissions(self, user_obj, obj=None):
        """ModelBackend's answer (the same set, kept on the user for the request), read in one query."""
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            if user_obj.is_superuser:
                perms = Permission.objects.all()
            else:
                given = type(user_obj).user_permissions.through.objects.filter(user=user_obj)
                of_groups = Group.permissions.through.objects.filter(group__user=user_obj)
                perms = Permission.objects.filter(
                    Q(pk__in=given.values("permission_id")) | Q(pk__in=of_groups.values("permission_id"))
                )
            rows = perms.values_list("content_type__app_label", "codename").order_by()
            user_obj._perm_cache = {f"{app_label}.{codename}" for app_label, codename in rows}
        return user_obj._perm_cache
