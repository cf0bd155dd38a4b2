"""Parsing one cell: dates in the NHS files' several spellings, patient counts, ODS codes and postcodes.

Each parser returns the value or raises RowInvalid(column, reason) with a reason a data admin can act on.
"""

import datetime
import functools
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import ValidationError

from ..validators import (
    PRACTICE_CODE_RE,
    normalise_ods_code,
    normalise_postcode,
    validate_postcode,
)
from .outcome import RowInvalid

# No GP practice in England has half a million patients (the largest had under 100,000 in 2021):
# a bigger figure is a column mix-up or a typing slip, not a list size.
MAX_PATIENTS = 500_000
MONTHS = {
    name: number
    for number, name in enumerate(
        ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"], start=1
    )
}
DATE_SHAPES = [
    # 01JAN2021, 01SEP2017: NHS Digital list-size files until 2022
    (re.compile(r"^(\d{1,2})([A-Za-z]{3})(\d{4})$"), "dmy_month_name"),
    # 01-Apr-17: older NHS Digital files
    (re.compile(r"^(\d{1,2})-([A-Za-z]{3})-(\d{2}|\d{4})$"), "dmy_month_name"),
    # 2026-04-01: newer files and the portal's template
    (re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"), "ymd"),
    # 20180401: the ODS register
    (re.compile(r"^(\d{4})(\d{2})(\d{2})$"), "ymd"),
    # 01/04/1957: NHS Payments files and spreadsheets set to UK dates
    (re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$"), "dmy"),
]


@functools.lru_cache(maxsize=4096)
def _parse_date_text(text: str) -> datetime.date | None:
    for shape, order in DATE_SHAPES:
        match = shape.match(text)
        if not match:
            continue
        a, b, c = match.groups()
        try:
            if order == "ymd":
                return datetime.date(int(a), int(b), int(c))
            year = int(c) + 2000 if len(c) == 2 else int(c)
            month = MONTHS.get(b.upper()) if order == "dmy_month_name" else int(b)
            return datetime.date(year, month, int(a)) if month else None
        except ValueError:
            return None
    return None


def parse_date(value, column: str, required: bool = True) -> datetime.date | None:
    if isinstance(value, datetime.date):
        return value
    text = (value or "").strip()
    if not text:
        if required:
            raise RowInvalid(column, "the date is missing.")
        return None
    parsed = _parse_date_text(text)
    if parsed is None:
        raise RowInvalid(
            column,
            f"'{text}' is not a date the portal reads (for example 01JAN2021, 01-Apr-17, 2026-04-01 or 01/04/2026).",
        )
    return parsed


def parse_not_future(value, column: str, today: datetime.date) -> datetime.date:
    parsed = parse_date(value, column)
    if parsed > today:
        raise RowInvalid(column, f"the date {parsed:%d %B %Y} is in the future: a list size cannot be counted yet.")
    return parsed


def parse_patients(value, column: str, fractional: bool = False) -> int:
    """A registered-patient count; averages (fractional) are rounded to the nearest whole patient."""
    text = str(value).strip().replace(",", "")
    if text == "":
        raise RowInvalid(column, "the number of patients is missing.")
    if not fractional and text.isdigit():
        number = int(text)
    else:
        number = _decimal(text, column, "number of patients")
        if not fractional and number != number.to_integral_value():
            raise RowInvalid(column, f"'{text}' is not a whole number of patients.")
        number = int(number.to_integral_value(rounding=ROUND_HALF_UP))
    return _check_count(number, text, column)


def parse_weighted(value, column: str) -> Decimal:
    text = str(value).strip().replace(",", "")
    number = _decimal(text, column, "number of weighted patients").quantize(Decimal("0.001"), rounding=ROUND_HALF_UP)
    _check_count(number, text, column)
    return number


def _decimal(text: str, column: str, what: str) -> Decimal:
    try:
        number = Decimal(text)
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite():
        raise RowInvalid(column, f"'{text}' is not a {what}.")
    return number


def _check_count(number, text: str, column: str):
    if number < 0:
        raise RowInvalid(column, f"{text} is negative: a practice cannot have fewer than no patients.")
    if number > MAX_PATIENTS:
        raise RowInvalid(
            column, f"{text} patients is more than any GP practice has (over {MAX_PATIENTS:,}): check the column."
        )
    return number


def parse_practice_code(value, column: str) -> str:
    code = normalise_ods_code(value)
    if not PRACTICE_CODE_RE.match(code):
        shown = code or "(blank)"
        raise RowInvalid(
            column, f"'{shown}' is not a practice ODS code: it should be a letter and five digits, like L81001."
        )
    return code


def parse_postcode(value, column: str, required: bool = False) -> str:
    postcode = normalise_postcode(value)
    if not postcode:
        if required:
            raise RowInvalid(column, "the postcode is missing.")
        return ""
    try:
        validate_postcode(postcode)
    except ValidationError as error:
        raise RowInvalid(column, f"'{postcode}' is not a UK postcode.") from error
    return postcode
