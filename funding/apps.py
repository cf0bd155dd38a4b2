from django.apps import AppConfig


class FundingConfig(AppConfig):
    """The Locality Transformation Scheme: checklist evidence, tranche gates, the payment ledger."""

    name = "funding"
    verbose_name = "Locality Transformation Scheme funding"
