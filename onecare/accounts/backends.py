"""The password sign-in's authentication backend: Django's ModelBackend, loading the signed-in user of each request
together with the page cache's data version (onecare/pagecache.py) in one query.

Every signed-in request loads its user; a request for a cached page then needs the data version as well, read
before the page is rendered. Reading both in the same statement spares a round trip to the database on every such
request, which is most of what a page served from the cache costs beyond the session. The version is kept on the
instance (pagecache.VERSION_ATTRIBUTE) for the page cache to take; nothing else reads it.

A person's permissions (the admin's pages check them) are read in one query too: those given to the person and
those of their groups, where ModelBackend reads each set on its own.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.db import DatabaseError
from django.db.models import Q

from onecare import pagecache


class AccountBackend(ModelBackend):
    def get_user(self, user_id):
        if not pagecache.enabled():
            return super().get_user(user_id)
        model = get_user_model()
        try:
            user = pagecache.with_data_version(model._default_manager.filter(pk=user_id)).get()
        except model.DoesNotExist:
            return None
        except DatabaseError:
            pagecache.forget_failed_read()
            raise
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
