from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _defaults_ensure(sender, **kwargs) -> None:
    from .models import defaults_ensure

    defaults_ensure()


class ImprovedAccessConfig(AppConfig):
    """Improved Access: plans, session timetables, compliance rules and quarterly payments."""

    name = "improved_access"
    verbose_name = "Improved Access"

    def ready(self) -> None:
        # After every migrate (and every flush in tests): the national rules exist, and admin edits stay.
        post_migrate.connect(_defaults_ensure, sender=self)
