"""One way to show a figure: £1,234.50 for money, 163,506 for people, an en dash for none."""

from decimal import Decimal

import pytest
from django.template import Context, Template

from onecare.formats import money, patients


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (Decimal("81753.00"), "£81,753.00"),
        (Decimal("246926.5"), "£246,926.50"),
        (Decimal("-1234.5"), "-£1,234.50"),
        (Decimal("0"), "£0.00"),
        (Decimal("0.005"), "£0.01"),
        (3, "£3.00"),
        ("1234567.891", "£1,234,567.89"),
        (None, "–"),
        ("", "–"),
        ("not a number", "–"),
    ],
)
def test_money_is_shown_with_the_pound_sign_separators_and_pence(value, shown):
    assert money(value) == shown


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (Decimal("163506.000"), "163,506"),
        (Decimal("163505.5"), "163,506"),
        (42, "42"),
        (163506, "163,506"),
        (-1234, "-1,234"),
        (None, "–"),
    ],
)
def test_patients_are_whole_numbers_with_separators(value, shown):
    assert patients(value) == shown


def test_every_template_has_the_filters_without_loading_them():
    rendered = Template("{{ amount|money }} for {{ people|patients }}").render(
        Context({"amount": Decimal("52500"), "people": Decimal("105000.000")})
    )
    assert rendered == "£52,500.00 for 105,000"
