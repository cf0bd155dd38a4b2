"""ODS codes and postcodes: normalising and validating the identifiers the NHS files carry."""

import re

from django.core.exceptions import ValidationError

# A GP practice (or other prescribing setting) is a letter and five digits, e.g. L81001; the
# "Y" codes ODS gives newer settings (Y02578) have the same shape. Commissioner codes are
# three characters (11H, 15C) or, for sub-ICB locations, five (B2M3M).
PRACTICE_CODE_RE = re.compile(r"^[A-Z][0-9]{5}$")
COMMISSIONER_CODE_RE = re.compile(r"^[0-9A-Z]{3}([0-9A-Z]{2})?$")

# The UK postcode shape: outward code (area, district) then inward code (sector, unit).
POSTCODE_RE = re.compile(r"^([A-Z]{1,2}[0-9][0-9A-Z]?) ?([0-9][A-Z]{2})$")


def normalise_ods_code(value: str) -> str:
    return (value or "").strip().upper()


def validate_practice_code(value: str) -> None:
    if not PRACTICE_CODE_RE.match(value or ""):
        raise ValidationError(
            "%(value)s is not a practice ODS code: it should be a letter and five digits, like L81001.",
            code="invalid_ods_code",
            params={"value": value or "(blank)"},
        )


def validate_commissioner_code(value: str) -> None:
    if not COMMISSIONER_CODE_RE.match(value or ""):
        raise ValidationError(
            "%(value)s is not a commissioner ODS code: it should be three characters like 15C, or five like B2M3M.",
            code="invalid_ods_code",
            params={"value": value or "(blank)"},
        )


def normalise_postcode(value: str) -> str:
    """Upper-case, single space before the inward code: 'bs206aq' and 'BS3  1AS' become 'BS20 6AQ', 'BS3 1AS'."""
    compact = re.sub(r"\s+", "", (value or "")).upper()
    if len(compact) < 5:
        return compact
    return f"{compact[:-3]} {compact[-3:]}"


def validate_postcode(value: str) -> None:
    if not POSTCODE_RE.match(value or ""):
        raise ValidationError(
            "%(value)s is not a UK postcode.", code="invalid_postcode", params={"value": value or "(blank)"}
        )
