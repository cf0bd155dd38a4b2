import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from localities.models import Locality, SourceKind
from localities.population import Basis, population_of, with_population
from tests.localities.factories import ListSizeFactory, LocalityFactory, MembershipFactory

JAN_2018 = datetime.date(2018, 1, 1)
APR_2018 = datetime.date(2018, 4, 1)


@pytest.fixture
def locality(bristol):
    return LocalityFactory(commissioner=bristol)


def test_it_sums_each_members_latest_snapshot(locality, make_member_practice):
    first = make_member_practice(locality, patients=10_000)
    make_member_practice(locality, patients=5_000)
    ListSizeFactory(practice=first, extract_date=datetime.date(2017, 10, 1), registered_patients=9_000)

    assert population_of(locality, JAN_2018) == 15_000
    assert population_of(locality, datetime.date(2017, 12, 31)) == 9_000  # the second has no figure yet


def test_it_ignores_snapshots_after_the_date(locality, make_member_practice):
    practice = make_member_practice(locality, patients=10_000)
    ListSizeFactory(practice=practice, extract_date=APR_2018, registered_patients=12_000)

    assert population_of(locality, datetime.date(2018, 3, 31)) == 10_000
    assert population_of(locality, APR_2018) == 12_000


def test_it_counts_opted_out_practices(locality, make_member_practice):
    make_member_practice(locality, patients=10_000)
    make_member_practice(locality, patients=4_000, opted_out=True)

    assert population_of(locality, JAN_2018) == 14_000


def test_it_follows_a_practice_that_moved_locality(bristol, make_member_practice):
    old, new = LocalityFactory(commissioner=bristol), LocalityFactory(commissioner=bristol)
    mover = make_member_practice(old, patients=8_000, valid_to=datetime.date(2018, 3, 31))
    MembershipFactory(practice=mover, locality=new, valid_from=APR_2018)
    ListSizeFactory(practice=mover, extract_date=APR_2018, registered_patients=8_100)

    assert (population_of(old, JAN_2018), population_of(new, JAN_2018)) == (8_000, 0)
    assert (population_of(old, APR_2018), population_of(new, APR_2018)) == (0, 8_100)
    assert population_of(old, datetime.date(2018, 3, 31)) == 8_000  # the end date is inclusive


def test_it_ignores_membership_before_it_starts(locality, make_member_practice):
    make_member_practice(locality, patients=7_000, valid_from=datetime.date(2018, 2, 1))

    assert population_of(locality, JAN_2018) == 0
    assert population_of(locality, datetime.date(2018, 2, 1)) == 7_000


def test_it_sums_weighted_population_from_snapshots_that_have_it(locality, make_member_practice):
    practice = make_member_practice(locality, patients=10_000, weighted=Decimal("9541.4"))
    make_member_practice(locality, patients=2_000, weighted=Decimal("2100.25"))
    # A later snapshot without a weighted figure does not hide the earlier weighted one.
    ListSizeFactory(practice=practice, extract_date=datetime.date(2018, 2, 1), source_kind=SourceKind.NHS_DIGITAL)

    assert population_of(locality, datetime.date(2018, 2, 1), Basis.WEIGHTED) == Decimal("11641.650")


def test_it_prefers_nhs_digital_when_two_sources_share_a_date(locality, make_member_practice):
    practice = make_member_practice(locality, patients=10_000)  # from the payments file
    ListSizeFactory(practice=practice, registered_patients=10_050, source_kind=SourceKind.NHS_DIGITAL)

    assert population_of(locality, JAN_2018) == 10_050


def test_it_computes_every_locality_in_one_query(bristol, make_member_practice, django_assert_num_queries):
    for n in range(5):
        locality = LocalityFactory(commissioner=bristol)
        for _ in range(n):
            make_member_practice(locality, patients=1_000, weighted=Decimal("1000.5"))

    with django_assert_num_queries(1):
        rows = {
            loc.name: (loc.practice_count, loc.population) for loc in with_population(Locality.objects.all(), JAN_2018)
        }

    assert sorted(rows.values()) == [(0, 0), (1, 1_000), (2, 2_000), (3, 3_000), (4, 4_000)]


def test_without_the_count_it_gives_the_same_populations(bristol, make_member_practice):
    """The money page asks for the two populations only: the same figures, a locality without members included."""
    for n in range(3):
        locality = LocalityFactory(commissioner=bristol)
        for _ in range(n):
            make_member_practice(locality, patients=1_000, weighted=Decimal("1000.5"))
        make_member_practice(locality, patients=50, valid_from=datetime.date(2018, 2, 1))  # not a member yet

    def figures(localities):
        return sorted((loc.pk, loc.population, loc.weighted_population) for loc in localities)

    counted = with_population(Locality.objects.all(), JAN_2018)
    uncounted = with_population(Locality.objects.all(), JAN_2018, practice_count=False)
    assert figures(uncounted) == figures(counted)
    assert [row[1:] for row in figures(uncounted)] == [(0, 0), (1_000, Decimal("1000.5")), (2_000, Decimal("2001"))]
    assert not hasattr(uncounted[0], "practice_count")


def test_it_refuses_overlapping_memberships(locality, make_member_practice, bristol):
    practice = make_member_practice(locality)
    clash = MembershipFactory.build(
        practice=practice, locality=LocalityFactory(commissioner=bristol), valid_from=datetime.date(2017, 12, 1)
    )
    with pytest.raises(ValidationError, match="two localities cannot hold it on the same day"):
        clash.full_clean()


def test_it_requires_a_reason_to_opt_out(locality, make_member_practice):
    membership = make_member_practice(locality).memberships.get()
    membership.opted_out_on = JAN_2018
    with pytest.raises(ValidationError) as error:
        membership.full_clean()
    assert "opt_out_reason" in error.value.message_dict
