"""Governance domain functions for member practices: their sub-locality and opt-outs from the vehicle."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from localities import governance
from onecare.accounts.roles import Role
from tests.localities.factories import SubLocalityFactory

OCTOBER_2017 = datetime.date(2017, 10, 1)


@pytest.fixture
def south_bristol(two_localities):
    return two_localities[0]


@pytest.fixture
def membership(south_bristol):
    return south_bristol.memberships.select_related("practice").first()


@pytest.fixture
def lead(user_factory, south_bristol):
    return user_factory(role=Role.LOCALITY_LEAD, locality=south_bristol)


@pytest.fixture
def commissioner(user_factory, bnssg):
    return user_factory(role=Role.COMMISSIONER, commissioner=bnssg)


@pytest.fixture
def outsiders(user_factory, two_localities, membership):
    woodspring = two_localities[1]
    return [
        user_factory(role=Role.PRACTICE_MANAGER, practice=membership.practice),
        user_factory(role=Role.LOCALITY_LEAD, locality=woodspring),
        user_factory(role=Role.COMMISSIONER, commissioner=woodspring.commissioner),
    ]


def test_it_puts_a_practice_in_a_sub_locality_and_takes_it_out(south_bristol, membership, commissioner):
    cluster = SubLocalityFactory(locality=south_bristol)
    governance.membership_assign_sub_locality(membership, actor=commissioner, sub_locality=cluster)
    governance.membership_assign_sub_locality(membership, actor=commissioner, sub_locality=cluster)
    membership.refresh_from_db()
    assert membership.sub_locality == cluster
    governance.membership_assign_sub_locality(membership, actor=commissioner, sub_locality=None)
    membership.refresh_from_db()
    assert membership.sub_locality is None
    assert [h.history_user for h in membership.history.all()[:2]] == [commissioner, commissioner]
    assert membership.history.count() == 3


def test_it_refuses_a_sub_locality_of_another_locality(two_localities, membership, lead):
    elsewhere = SubLocalityFactory(locality=two_localities[1])
    with pytest.raises(ValidationError) as error:
        governance.membership_assign_sub_locality(membership, actor=lead, sub_locality=elsewhere)
    assert error.value.message_dict["sub_locality"] == ["The sub-locality must be part of the same locality."]
    membership.refresh_from_db()
    assert membership.sub_locality is None


def test_it_refuses_sub_locality_changes_to_the_wrong_people(south_bristol, membership, outsiders):
    cluster = SubLocalityFactory(locality=south_bristol)
    for user in outsiders:
        with pytest.raises(governance.GovernanceNotAllowed):
            governance.membership_assign_sub_locality(membership, actor=user, sub_locality=cluster)


def test_it_records_an_opt_out_with_its_reason(membership, lead):
    governance.membership_opt_out(membership, actor=lead, opted_out_on=OCTOBER_2017, reason=" Works alone. ")
    membership.refresh_from_db()
    assert (membership.opted_out_on, membership.opt_out_reason) == (OCTOBER_2017, "Works alone.")
    assert membership.history.first().history_user == lead
    assert membership.history.first().history_change_reason == "Opted out of the vehicle"


def test_it_records_the_same_opt_out_once(membership, lead):
    for _ in range(2):
        governance.membership_opt_out(membership, actor=lead, opted_out_on=OCTOBER_2017, reason="Works alone.")
    assert membership.history.count() == 2


def test_it_refuses_an_opt_out_without_a_reason(membership, lead):
    with pytest.raises(ValidationError) as error:
        governance.membership_opt_out(membership, actor=lead, opted_out_on=OCTOBER_2017, reason="   ")
    assert error.value.message_dict["opt_out_reason"] == ["Give the reason the practice opted out."]
    membership.refresh_from_db()
    assert membership.opted_out_on is None


def test_it_refuses_an_opt_out_before_the_membership_began(membership, lead):
    with pytest.raises(ValidationError) as error:
        governance.membership_opt_out(membership, actor=lead, opted_out_on=datetime.date(2016, 1, 1), reason="x")
    assert "within the practice's membership" in error.value.message_dict["opted_out_on"][0]


def test_it_refuses_a_second_opt_out_on_another_date(membership, lead):
    governance.membership_opt_out(membership, actor=lead, opted_out_on=OCTOBER_2017, reason="Works alone.")
    with pytest.raises(ValidationError) as error:
        governance.membership_opt_out(membership, actor=lead, opted_out_on=datetime.date(2018, 1, 1), reason="x")
    assert "already opted out on 1 October 2017" in error.value.message_dict["opted_out_on"][0]


def test_it_withdraws_an_opt_out_and_withdrawing_again_changes_nothing(membership, commissioner):
    governance.membership_opt_out(membership, actor=commissioner, opted_out_on=OCTOBER_2017, reason="Works alone.")
    governance.membership_opt_back_in(membership, actor=commissioner)
    governance.membership_opt_back_in(membership, actor=commissioner)
    membership.refresh_from_db()
    assert (membership.opted_out_on, membership.opt_out_reason) == (None, "")
    assert membership.history.count() == 3
    assert membership.history.all()[1].opt_out_reason == "Works alone."


def test_it_refuses_opt_outs_to_the_wrong_people(membership, outsiders, lead):
    for user in outsiders:
        with pytest.raises(governance.GovernanceNotAllowed):
            governance.membership_opt_out(membership, actor=user, opted_out_on=OCTOBER_2017, reason="x")
    governance.membership_opt_out(membership, actor=lead, opted_out_on=OCTOBER_2017, reason="Works alone.")
    for user in outsiders:
        with pytest.raises(governance.GovernanceNotAllowed):
            governance.membership_opt_back_in(membership, actor=user)
    membership.refresh_from_db()
    assert membership.opted_out_on == OCTOBER_2017
