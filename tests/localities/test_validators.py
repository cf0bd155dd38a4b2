import pytest
from django.core.exceptions import ValidationError

from localities.models import Practice
from localities.validators import (
    normalise_postcode,
    validate_commissioner_code,
    validate_postcode,
    validate_practice_code,
)
from tests.localities.factories import PracticeFactory


@pytest.mark.parametrize("code", ["L81001", "Y02578", "A99931", "M85063"])
def test_it_accepts_practice_codes(code):
    validate_practice_code(code)


@pytest.mark.parametrize("code", ["", "L8100", "L810012", "81001L", "LL1001", "l81001", "L81 01", "Y58"])
def test_it_rejects_malformed_practice_codes(code):
    with pytest.raises(ValidationError) as error:
        validate_practice_code(code)
    assert "letter and five digits" in error.value.messages[0]


@pytest.mark.parametrize("code", ["11H", "15C", "B2M3M"])
def test_it_accepts_commissioner_codes(code):
    validate_commissioner_code(code)


@pytest.mark.parametrize("code", ["", "1H", "11HH", "B2M3M3"])
def test_it_rejects_malformed_commissioner_codes(code):
    with pytest.raises(ValidationError):
        validate_commissioner_code(code)


@pytest.mark.parametrize(
    ("raw", "normal"),
    [("BS206AQ", "BS20 6AQ"), ("BS3  1AS", "BS3 1AS"), (" bs11 9sb ", "BS11 9SB"), ("W1A 1AA", "W1A 1AA")],
)
def test_it_normalises_postcodes(raw, normal):
    assert normalise_postcode(raw) == normal
    validate_postcode(normal)


@pytest.mark.parametrize("raw", ["BS", "NOT A POSTCODE", "12345", "BS1 AAA"])
def test_it_rejects_what_is_not_a_postcode(raw):
    with pytest.raises(ValidationError):
        validate_postcode(normalise_postcode(raw))


def test_it_normalises_code_and_postcode_on_save():
    practice = PracticeFactory(code=" l81007 ", postcode="bs3  1as")
    practice.refresh_from_db()
    assert (practice.code, practice.postcode) == ("L81007", "BS3 1AS")


def test_it_reports_a_bad_code_through_full_clean():
    practice = Practice(code="X1", name="Nowhere Surgery", postcode="BS1 1AA")
    with pytest.raises(ValidationError) as error:
        practice.full_clean()
    assert "code" in error.value.message_dict
