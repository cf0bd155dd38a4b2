"""Count and total of a set of releases, overall and per state: above the releases list, on the confirmation pages
of its actions and on a payment run's page."""

from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce

from ..models import ReleaseState

ZERO = Decimal("0.00")


def totals(queryset) -> dict:
    """Count and Coalesce(Sum) of the releases, overall and per state, in one query."""
    aggregates = {"all_count": Count("pk"), "all_amount": Coalesce(Sum("amount"), ZERO)}
    for state in ReleaseState:
        aggregates[f"{state.value}_amount"] = Coalesce(Sum("amount", filter=Q(state=state)), ZERO)
        aggregates[f"{state.value}_count"] = Count("pk", filter=Q(state=state))
    figures = queryset.order_by().aggregate(**aggregates)
    by_state = [
        {"label": state.label, "count": figures[f"{state.value}_count"], "amount": figures[f"{state.value}_amount"]}
        for state in ReleaseState
        if figures[f"{state.value}_count"]
    ]
    return {"count": figures["all_count"], "amount": figures["all_amount"], "by_state": by_state}
