"""The password sign-in's authentication backend: Django's ModelBackend, loading the signed-in user of each request
together with the page cache's data version (onecare/pagecache.py) in one query.

Every signed-in request loads its user; a request for a cached page then needs the data version as well, read
before the page is rendered. Reading both in the same statement spares a round trip to the database on every such
request, which is most of what a page served from the cache costs beyond the session. The version is kept on the
instance (pagecache.VERSION_ATTRIBUTE) for the page cache to take; nothing else reads it.

That statement is compiled by the ORM once per process (signed_in_user_statement) and then run with each request's user
id, its row given to the model as Model.from_db does for any query (without the version where the page cache is off;
through the ORM where a value needs converting, as dates do on SQLite). Compiling it afresh (the user's columns, the
annotation, the filter) and building the user through a queryset took about 0.8 ms of CPU of the 2 ms a signed-in
request cost; run this way the user costs about 0.25 ms, most of it the round trip. The statement is the ORM's own, so
it follows the user model's columns; only the id changes between requests.

A person's permissions (the admin's pages check them) are read in one query too: those given to the person and
those of their groups, where ModelBackend reads each set on its own.
"""

from functools import cache

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.db import DatabaseError, connection
from django.db.models import Q

from onecare import pagecache

# Stands for the user's id while the statement is compiled; no account has it (ids start at 1).
UNKNOWN_ID = -1


@cache
def signed_in_user_statement(model, vendor: str, with_version: bool) -> tuple[str, tuple[str, ...]] | None:
    """The signed-in user's statement as the ORM compiles it for the database (`vendor`), with the id as its one
    parameter: every column of the user, then the data version where the page cache reads it; and the user's field
    names in the order it reads them. None where a field's value must be converted from what the database sends
    (dates on SQLite): the ORM loads the user there."""
    for field in model._meta.concrete_fields:
        if field.get_db_converters(connection) or connection.ops.get_db_converters(field.get_col(model._meta.db_table)):
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


class AccountBackend(ModelBackend):
    def get_user(self, user_id):
        model = get_user_model()
        with_version = pagecache.enabled()
        statement = signed_in_user_statement(model, connection.vendor, with_version)
        if statement is None:
            return super().get_user(user_id)
        sql, fields = statement
        try:
            with connection.cursor() as cursor:
                cursor.execute(sql, [user_id])
                row = cursor.fetchone()
        except DatabaseError:
            if with_version:
                pagecache.forget_failed_read()
            raise
        if row is None:
            return None
        user = model.from_db(connection.alias, fields, row[: len(fields)])
        if with_version:
            setattr(user, pagecache.VERSION_ATTRIBUTE, row[-1])
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
