"""Improved Access's figures for the money dashboard (portal.dashboards shows them beside the LTS)."""

from decimal import Decimal

from funding.dashboards import IA_QUARTERS_PLANNED
from funding.money import ZERO

from .models import PaymentTerms
from .quarters import LAST_PLANNED


def ia_rate_a_year() -> Decimal:
    """The Improved Access payment terms' rate a weighted head a quarter for the year the scheme plans (one query)."""
    # Only the rate is read: a whole PaymentTerms row (its version and approval fields) is not needed here.
    rate = (
        PaymentTerms.objects.filter(applies_from__lte=LAST_PLANNED.start)
        .order_by("-applies_from")
        .values_list("rate", flat=True)
        .first()
    )
    return rate * IA_QUARTERS_PLANNED if rate is not None else ZERO
