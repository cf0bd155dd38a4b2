"""IA tests: a locality with a known population (20,000 registered and weighted at 1 January 2018)."""

import datetime

import pytest

from tests.localities.factories import LocalityFactory

ON = datetime.date(2018, 4, 2)


@pytest.fixture
def locality(bnssg, make_member_practice):
    """Two practices, 10,000 registered and 10,000 weighted patients each (capacity counts registered patients,
    payment weighted ones: test_scheme_conditions has a locality where they differ)."""
    south = LocalityFactory(code="sbris", name="South Bristol", commissioner=bnssg)
    make_member_practice(south, patients=10_000, weighted=10_000)
    make_member_practice(south, patients=10_000, weighted=10_000)
    return south
