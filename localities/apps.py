from django.apps import AppConfig


class LocalitiesConfig(AppConfig):
    name = "localities"
    verbose_name = "Organisations and localities"

    def ready(self):
        from django.db.models.signals import post_migrate

        from .periods import restore_sqlite_triggers

        # One locality and one commissioner per practice at a time: SQLite drops a table's triggers when a
        # migration rebuilds it, so they are written again after every migrate (PostgreSQL's constraints stay).
        post_migrate.connect(restore_sqlite_triggers, sender=self, dispatch_uid="localities_period_triggers")
