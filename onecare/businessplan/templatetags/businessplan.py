from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def millions(amount: Decimal | None) -> str:
    """GBP as millions the way Table One shows them: 6,000,000.00 -> 6.00; no figure -> a dash."""
    if amount is None:
        return "–"
    return f"{(amount / Decimal(1_000_000)).quantize(Decimal('0.01'))}"
