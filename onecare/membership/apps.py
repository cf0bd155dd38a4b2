from django.apps import AppConfig


class MembershipConfig(AppConfig):
    name = "onecare.membership"
    label = "membership"
    verbose_name = "One Care member register"
