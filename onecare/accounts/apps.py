from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AccountsConfig(AppConfig):
    name = "onecare.accounts"
    label = "accounts"
    verbose_name = "People and roles"

    def ready(self) -> None:
        from .roles import sync_role_groups

        # Groups carry the roles' permissions; keeping them in step after every migrate means a
        # fresh database, and one that gains a model, always has the right permissions.
        post_migrate.connect(sync_role_groups, sender=self)
        # Every table, a new model's too, moves the data version the page cache keys on (onecare/dataversion.py).
        post_migrate.connect(install_data_version, sender=self, dispatch_uid="onecare.dataversion.install")


def install_data_version(sender, using, **kwargs) -> None:
    from onecare import dataversion

    dataversion.install(using)
