from django.apps import AppConfig


class ImprovedAccessConfig(AppConfig):
    """Improved Access: plans, session timetables, compliance rules and quarterly payments.

    The national rules and payment terms are seeded once, by the data migration 0004 (not after every migrate:
    a re-seed would undo a rule change approved in the admin).
    """

    name = "improved_access"
    verbose_name = "Improved Access"
