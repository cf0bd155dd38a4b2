from django.apps import AppConfig


class FundingConfig(AppConfig):
    """The Locality Transformation Scheme: checklist evidence, tranche gates, the payment ledger."""

    name = "funding"
    verbose_name = "Locality Transformation Scheme funding"

    def ready(self):
        from django.db.models.signals import post_migrate

        from .sqlite_triggers import create_sqlite_triggers

        # Payments are final on SQLite too; PostgreSQL has its triggers from migration 0003.
        post_migrate.connect(create_sqlite_triggers, sender=self, dispatch_uid="funding_sqlite_triggers")
