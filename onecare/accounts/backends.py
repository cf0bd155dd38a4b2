"""The password sign-in's authentication backend: Django's ModelBackend, loading the signed-in user of each request
together with the page cache's data version (onecare/pagecache.py) in one query.

Every signed-in request loads its user; a request for a cached page then needs the data version as well, read
before the page is rendered. Reading both in the same statement spares a round trip to the database on every such
request, which is most of what a page served from the cache costs beyond the session. The version is kept on the
instance (pagecache.VERSION_ATTRIBUTE) for the page cache to take; nothing else reads it.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db import DatabaseError

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
