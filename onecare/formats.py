"""Figures as people read them, one way everywhere (portal pages, admin, exports' on-screen totals, PDFs).

- money: the pound sign, thousands separators and two decimals: £1,234.50; a claw-back is -£1,234.50.
- patients: a whole number with thousands separators (a weighted list size of 163,505.6 reads 163,506).
- no figure at all reads as an en dash, never "None".

Rounding here is for showing only: money is rounded to the penny once, where it is worked out (funding.money).
"""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

NO_FIGURE = "–"
PENNY = Decimal("0.01")
ONE = Decimal(1)


def _decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value)) if not isinstance(value, Decimal) else value
    except (InvalidOperation, ValueError, TypeError):
        return None


def money(value) -> str:
    """£1,234.50 (and -£1,234.50 for a negative amount); an en dash for no figure."""
    # A page formats hundreds of figures, nearly all Decimals already: those skip _decimal()'s tests, and the
    # rounding is passed by position (as a keyword it costs the C decimal module a fifth of this function's time).
    amount = value if type(value) is Decimal else _decimal(value)
    if amount is None:
        return NO_FIGURE
    pence = amount.quantize(PENNY, ROUND_HALF_UP)
    return f"{'-' if pence < 0 else ''}£{abs(pence):,.2f}"


def long_date(day) -> str:
    """5 March 2018 (a date in words, as the pages write it); "a day not recorded" for none."""
    return f"{day.day} {day:%B %Y}" if day else "a day not recorded"


def patients(value) -> str:
    """163,506: a count of people, whole, with thousands separators; an en dash for no figure."""
    if type(value) is int:  # a registered list size: already whole, with no Decimal to make of it
        return f"{value:,}"
    number = value if type(value) is Decimal else _decimal(value)
    if number is None:
        return NO_FIGURE
    return f"{number.quantize(ONE, ROUND_HALF_UP):,.0f}"
