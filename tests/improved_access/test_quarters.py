import datetime

import pytest

from improved_access.quarters import FIRST_PAYABLE, Quarter


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("2018Q1", datetime.date(2018, 4, 1), datetime.date(2018, 6, 30)),
        ("2018Q2", datetime.date(2018, 7, 1), datetime.date(2018, 9, 30)),
        ("2018Q3", datetime.date(2018, 10, 1), datetime.date(2018, 12, 31)),
        ("2018Q4", datetime.date(2019, 1, 1), datetime.date(2019, 3, 31)),
    ],
)
def test_it_maps_financial_year_quarters_to_dates(text, start, end):
    quarter = Quarter.parse(text)
    assert (quarter.start, quarter.end) == (start, end)
    assert Quarter.of(start) == quarter == Quarter.of(end)
    assert str(quarter) == text


def test_it_puts_january_to_march_in_the_previous_years_q4():
    assert Quarter.of(datetime.date(2018, 3, 31)) == Quarter(2017, 4)
    assert Quarter.of(datetime.date(2018, 4, 1)) == FIRST_PAYABLE == Quarter(2018, 1)


def test_it_steps_across_the_year_end():
    assert Quarter(2018, 4).next() == Quarter(2019, 1)
    assert Quarter(2019, 1).previous() == Quarter(2018, 4)
    assert Quarter(2017, 4) < FIRST_PAYABLE


@pytest.mark.parametrize("text", ["2018Q5", "2018Q0", "18Q1", "2018-Q1", "", "Q1 2018"])
def test_it_refuses_what_is_not_a_quarter(text):
    with pytest.raises(ValueError, match="2018Q1"):
        Quarter.parse(text)


def test_it_labels_the_months():
    assert Quarter(2018, 1).label == "April to June 2018"
