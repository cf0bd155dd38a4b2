from django.apps import AppConfig


class BusinessPlanConfig(AppConfig):
    name = "onecare.businessplan"
    label = "businessplan"
    verbose_name = "One Care business plan"
