"""`manage.py locality_populations --at YYYY-MM-DD [--weighted]`: every locality's population as CSV."""

import datetime
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.localities.factories import ListSizeFactory, LocalityFactory


def run(*args) -> list[str]:
    out = StringIO()
    call_command("locality_populations", *args, stdout=out)
    return out.getvalue().splitlines()


def test_it_prints_the_exact_header_and_a_row_per_locality_by_code(two_localities):
    lines = run("--at", "2018-01-01")

    assert lines == [
        "locality_code,locality_name,ccg_code,practices,population",
        "sbris,South Bristol,11H,2,105000",
        "wood,Woodspring,11T,2,105000",
    ]


def test_it_uses_the_figures_of_the_date(two_localities):
    south_bristol, _ = two_localities
    practice = south_bristol.memberships.get(practice__list_sizes__registered_patients=60_000).practice
    ListSizeFactory(practice=practice, extract_date=datetime.date(2018, 4, 1), registered_patients=70_000)

    assert run("--at", "2018-03-31")[1] == "sbris,South Bristol,11H,2,105000"
    assert run("--at", "2018-04-01")[1] == "sbris,South Bristol,11H,2,115000"
    assert run("--at", "2017-12-31")[1:] == ["sbris,South Bristol,11H,2,0", "wood,Woodspring,11T,2,0"]


def test_it_prints_the_weighted_population_to_three_decimal_places(bristol, make_member_practice):
    locality = LocalityFactory(code="icebris", name="Inner City & East Bristol", commissioner=bristol)
    make_member_practice(locality, patients=10_000, weighted=Decimal("9876.5"))
    make_member_practice(locality, patients=5_000, weighted=Decimal("5123.123"))

    assert run("--at", "2018-01-01", "--weighted") == [
        "locality_code,locality_name,ccg_code,practices,population",
        "icebris,Inner City & East Bristol,11H,2,14999.623",
    ]


def test_it_quotes_names_with_commas(north_somerset, make_member_practice):
    locality = LocalityFactory(code="wwv", name="Weston, Worle & Villages", commissioner=north_somerset)
    make_member_practice(locality, patients=100_000)

    assert run("--at", "2018-01-01")[1] == 'wwv,"Weston, Worle & Villages",11T,1,100000'


def test_it_prints_just_the_header_without_localities():
    assert run("--at", "2018-01-01") == ["locality_code,locality_name,ccg_code,practices,population"]


def test_it_reads_every_population_in_one_query(two_localities, django_assert_num_queries):
    with django_assert_num_queries(1):
        run("--at", "2018-01-01", "--weighted")


@pytest.mark.parametrize("bad", ["2018-13-01", "2018-02-30", "01/01/2018", "2018-1-1", "tomorrow", ""])
def test_it_refuses_a_bad_date(bad):
    with pytest.raises(CommandError, match=r"--at must be a date written YYYY-MM-DD"):
        run("--at", bad)


def test_it_needs_a_date():
    with pytest.raises(CommandError, match="--at"):
        run()
