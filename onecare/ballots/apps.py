from django.apps import AppConfig


class BallotsConfig(AppConfig):
    name = "onecare.ballots"
    label = "ballots"
    verbose_name = "Practice ballots and decisions"
