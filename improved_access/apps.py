from django.apps import AppConfig


class ImprovedAccessConfig(AppConfig):
    """Improved Access: plans, session timetables, compliance rules and quarterly payments."""

    name = "improved_access"
    verbose_name = "Improved Access"
