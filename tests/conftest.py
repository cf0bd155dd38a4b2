"""Shared fixtures: every test runs on the throwaway PostgreSQL cluster `make test` starts."""

import datetime

import pytest
from django.db.models.sql.compiler import SQLCompiler

from tests.localities.factories import (
    CommissionerFactory,
    ListSizeFactory,
    LocalityFactory,
    MembershipFactory,
    PracticeCommissionerFactory,
    PracticeFactory,
)
from tests.onecare.factories import UserFactory

JAN_2018 = datetime.date(2018, 1, 1)
# The test OpenID Connect provider (sign in with NHSmail): `oidc_provider` and `nhsmail`.
pytest_plugins = ["tests.oidc_provider.fixtures"]


@pytest.fixture(autouse=True)
def _database(db):
    """Every test may use the database; the role groups come from the post-migrate hook."""


@pytest.fixture
def bristol():
    return CommissionerFactory(code="11H", name="NHS Bristol CCG", valid_to=datetime.date(2018, 3, 31))


@pytest.fixture
def north_somerset():
    return CommissionerFactory(code="11T", name="NHS North Somerset CCG", valid_to=datetime.date(2018, 3, 31))


@pytest.fixture
def bnssg(bristol, north_somerset):
    merged = CommissionerFactory(
        code="15C",
        name="NHS Bristol, North Somerset and South Gloucestershire CCG",
        valid_from=datetime.date(2018, 4, 1),
    )
    for predecessor in (bristol, north_somerset):
        predecessor.successor = merged
        predecessor.save()
    return merged


@pytest.fixture
def make_member_practice():
    """A practice in a locality with a list size at 1 January 2018."""

    def make(locality, patients=10_000, weighted=None, commissioner=None, **membership):
        practice = PracticeFactory()
        PracticeCommissionerFactory(practice=practice, commissioner=commissioner or locality.commissioner)
        ListSizeFactory(practice=practice, registered_patients=patients, weighted_patients=weighted)
        MembershipFactory(practice=practice, locality=locality, **membership)
        return practice

    return make


@pytest.fixture
def two_localities(bristol, north_somerset, make_member_practice):
    """One locality in Bristol and one in North Somerset, two practices each."""
    south_bristol = LocalityFactory(code="sbris", name="South Bristol", commissioner=bristol)
    woodspring = LocalityFactory(code="wood", name="Woodspring", commissioner=north_somerset)
    for locality in (south_bristol, woodspring):
        make_member_practice(locality, patients=60_000)
        make_member_practice(locality, patients=45_000)
    return south_bristol, woodspring


@pytest.fixture
def user_factory():
    return UserFactory


@pytest.fixture
def compiled(monkeypatch) -> list:
    """The ORM's compilers that compile a query from now on in the test, one a SQLCompiler.as_sql call: for the hot
    paths that run their statements as written, or compiled once a process, rather than build a queryset on every
    request."""
    seen = []
    as_sql = SQLCompiler.as_sql

    def recording(self, *args, **kwargs):
        seen.append(self)
        return as_sql(self, *args, **kwargs)

    monkeypatch.setattr(SQLCompiler, "as_sql", recording)
    return seen
