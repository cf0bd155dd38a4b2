"""Governance domain functions for the vehicle, representatives and sub-localities: happy path, wrong person,
invalid input and the repeat."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from localities import governance
from localities.models import LocalityVehicle, Representative, SubLocality
from localities.models.localities import RepresentativeRole, VehicleKind
from onecare.accounts.roles import Role
from tests.localities.factories import (
    CommissionerFactory,
    PracticeFactory,
    RepresentativeFactory,
    SubLocalityFactory,
    VehicleFactory,
)

APRIL_2017 = datetime.date(2017, 4, 1)


@pytest.fixture
def south_bristol(two_localities):
    return two_localities[0]


@pytest.fixture
def lead(user_factory, south_bristol):
    return user_factory(role=Role.LOCALITY_LEAD, locality=south_bristol)


@pytest.fixture
def outsiders(user_factory, two_localities):
    south_bristol, woodspring = two_localities
    practice = south_bristol.memberships.first().practice
    return [
        user_factory(role=Role.PRACTICE_MANAGER, practice=practice),
        user_factory(role=Role.LOCALITY_LEAD, locality=woodspring),
        user_factory(role=Role.COMMISSIONER, commissioner=woodspring.commissioner),
        user_factory(role=Role.FINANCE_APPROVER, commissioner=south_bristol.commissioner),
        user_factory(role=Role.DATA_ADMIN),
    ]


def test_it_allows_the_locality_lead_and_commissioners_of_its_ccg_lineage(user_factory, south_bristol, lead, bnssg):
    assert governance.can_record_governance(lead, south_bristol) == (True, "")
    for commissioner in (south_bristol.commissioner, bnssg):
        assert governance.can_record_governance(
            user_factory(role=Role.COMMISSIONER, commissioner=commissioner), south_bristol
        )[0]


def test_it_refuses_everyone_else_with_a_reason(south_bristol, outsiders):
    for user in outsiders:
        allowed, reason = governance.can_record_governance(user, south_bristol)
        assert not allowed and "lead or its commissioners" in reason


def test_it_records_the_vehicle_and_its_rules_with_the_actor_in_history(south_bristol, lead):
    vehicle = governance.vehicle_update(
        south_bristol,
        actor=lead,
        kind=VehicleKind.FORMAL,
        legal_name=" South Bristol Health Ltd ",
        pre_existing=True,
        established_on=APRIL_2017,
        decision_rules="One vote per practice; simple majority.",
        ratification_rules="Practices ratify within 14 days.",
        governance_notes="",
    )
    vehicle.refresh_from_db()
    assert vehicle.legal_name == "South Bristol Health Ltd"
    assert vehicle.decision_rules == "One vote per practice; simple majority."
    assert vehicle.ratification_rules == "Practices ratify within 14 days."
    assert vehicle.history.get().history_user == lead


def test_it_changes_an_existing_vehicle_and_does_nothing_on_a_repeat(south_bristol, lead):
    VehicleFactory(locality=south_bristol)
    governance.vehicle_update(south_bristol, actor=lead, decision_rules="Consensus.")
    governance.vehicle_update(south_bristol, actor=lead, decision_rules="Consensus.")
    vehicle = LocalityVehicle.objects.get(locality=south_bristol)
    assert vehicle.decision_rules == "Consensus."
    assert [h.history_user for h in vehicle.history.all()] == [lead, None]


def test_it_refuses_a_formal_vehicle_without_a_legal_name(south_bristol, lead):
    with pytest.raises(ValidationError) as error:
        governance.vehicle_update(south_bristol, actor=lead, kind=VehicleKind.FORMAL, legal_name="")
    assert error.value.message_dict == {"legal_name": ["A formal entity needs its legal name."]}
    assert not LocalityVehicle.objects.exists()


def test_it_refuses_the_vehicle_to_the_wrong_people(south_bristol, outsiders):
    for user in outsiders:
        with pytest.raises(governance.GovernanceNotAllowed):
            governance.vehicle_update(south_bristol, actor=user, kind=VehicleKind.INFORMAL)
    assert not LocalityVehicle.objects.exists()


def test_it_refuses_fields_that_are_not_the_vehicles(south_bristol, lead):
    with pytest.raises(TypeError):
        governance.vehicle_update(south_bristol, actor=lead, locality_id=99)


def add_deputy(locality, actor, **overrides):
    fields = {"role": RepresentativeRole.DEPUTY, "name": "Dr Dee Puty", "valid_from": APRIL_2017, **overrides}
    return governance.representative_add(locality, actor=actor, **fields)


def test_it_adds_a_deputy_from_a_member_practice(south_bristol, lead):
    practice = south_bristol.memberships.first().practice
    deputy = add_deputy(south_bristol, lead, practice=practice, email="dee@example.nhs.uk")
    deputy.refresh_from_db()
    assert (deputy.role, deputy.practice, deputy.valid_to) == (RepresentativeRole.DEPUTY, practice, None)
    assert deputy.history.get().history_user == lead


def test_it_adds_the_same_representative_once(south_bristol, lead):
    first = add_deputy(south_bristol, lead)
    assert add_deputy(south_bristol, lead, name="dr dee puty") == first
    assert Representative.objects.count() == 1


def test_it_refuses_a_practice_that_is_not_a_member(south_bristol, two_localities, lead):
    elsewhere = two_localities[1].memberships.first().practice
    for practice in (elsewhere, PracticeFactory()):
        with pytest.raises(ValidationError) as error:
            add_deputy(south_bristol, lead, practice=practice)
        assert "member of this locality" in error.value.message_dict["practice"][0]
    assert not Representative.objects.exists()


def test_it_refuses_an_end_before_the_start(south_bristol, lead):
    with pytest.raises(ValidationError) as error:
        add_deputy(south_bristol, lead, valid_to=datetime.date(2017, 3, 1))
    assert error.value.message_dict["valid_to"] == ["The end date cannot be before the start date."]


def test_it_keeps_a_deputy_one_person_at_a_time(south_bristol, lead):
    add_deputy(south_bristol, lead, email="dee@example.nhs.uk")
    with pytest.raises(ValidationError) as error:
        add_deputy(south_bristol, lead, role=RepresentativeRole.LEAD, name="Dee Puty", email="DEE@example.nhs.uk")
    assert "already deputy" in error.value.message_dict["valid_from"][0]
    assert Representative.objects.count() == 1


def test_it_refuses_representatives_to_the_wrong_people(south_bristol, outsiders):
    for user in outsiders:
        with pytest.raises(governance.GovernanceNotAllowed):
            add_deputy(south_bristol, user)
    assert not Representative.objects.exists()


def test_it_ends_a_term_and_ending_it_again_changes_nothing(south_bristol, lead):
    representative = RepresentativeFactory(locality=south_bristol)
    end = datetime.date(2018, 3, 31)
    governance.representative_end(representative, actor=lead, valid_to=end)
    governance.representative_end(representative, actor=lead, valid_to=end)
    representative.refresh_from_db()
    assert representative.valid_to == end
    assert representative.history.count() == 2
    assert representative.history.first().history_user == lead


def test_it_refuses_to_end_an_ended_term_on_another_date(south_bristol, lead):
    representative = RepresentativeFactory(locality=south_bristol, valid_to=datetime.date(2018, 3, 31))
    with pytest.raises(ValidationError) as error:
        governance.representative_end(representative, actor=lead, valid_to=datetime.date(2018, 6, 30))
    assert error.value.message_dict["valid_to"] == ["This term already ended on 31 March 2018."]


def test_it_refuses_to_end_a_term_before_it_began(south_bristol, lead):
    representative = RepresentativeFactory(locality=south_bristol)
    with pytest.raises(ValidationError):
        governance.representative_end(representative, actor=lead, valid_to=datetime.date(2017, 1, 1))
    representative.refresh_from_db()
    assert representative.valid_to is None


def test_it_refuses_to_end_a_term_for_the_wrong_people(south_bristol, outsiders):
    representative = RepresentativeFactory(locality=south_bristol)
    for user in outsiders:
        with pytest.raises(governance.GovernanceNotAllowed):
            governance.representative_end(representative, actor=user, valid_to=datetime.date(2018, 1, 1))


def test_it_adds_a_sub_locality_once_and_renames_it(south_bristol, lead):
    added = governance.sub_locality_add(south_bristol, actor=lead, name=" Hartcliffe ")
    assert governance.sub_locality_add(south_bristol, actor=lead, name="hartcliffe") == added
    governance.sub_locality_rename(added, actor=lead, name="Hartcliffe and Withywood")
    governance.sub_locality_rename(added, actor=lead, name="Hartcliffe and Withywood")
    added.refresh_from_db()
    assert added.name == "Hartcliffe and Withywood"
    assert [h.history_user for h in added.history.all()] == [lead, lead]


def test_it_refuses_a_name_another_sub_locality_has(south_bristol, lead):
    SubLocalityFactory(locality=south_bristol, name="Knowle")
    other = SubLocalityFactory(locality=south_bristol, name="Bedminster")
    with pytest.raises(ValidationError) as error:
        governance.sub_locality_rename(other, actor=lead, name="KNOWLE")
    assert "already has a sub-locality" in error.value.message_dict["name"][0]


def test_it_refuses_a_blank_sub_locality_name(south_bristol, lead):
    with pytest.raises(ValidationError) as error:
        governance.sub_locality_add(south_bristol, actor=lead, name="  ")
    assert "name" in error.value.message_dict


def test_it_refuses_sub_localities_to_the_wrong_people(south_bristol, outsiders):
    cluster = SubLocalityFactory(locality=south_bristol, name="Knowle")
    for user in outsiders:
        with pytest.raises(governance.GovernanceNotAllowed):
            governance.sub_locality_add(south_bristol, actor=user, name="Elsewhere")
        with pytest.raises(governance.GovernanceNotAllowed):
            governance.sub_locality_rename(cluster, actor=user, name="Elsewhere")
    assert list(SubLocality.objects.values_list("name", flat=True)) == ["Knowle"]


def test_it_refuses_a_commissioner_of_an_unrelated_ccg(user_factory, south_bristol):
    stranger = user_factory(role=Role.COMMISSIONER, commissioner=CommissionerFactory(code="12A"))
    with pytest.raises(governance.GovernanceNotAllowed):
        governance.sub_locality_add(south_bristol, actor=stranger, name="Elsewhere")


# The payee record: kept by data admins, through governance.vehicle_payee_update (the vehicle's admin page calls it).


def test_a_data_admin_changes_the_payee_record_with_the_actor_in_history(user_factory, south_bristol):
    vehicle = VehicleFactory(locality=south_bristol, supplier_number="SUP-1", decision_rules="Consensus.")
    data_admin = user_factory(role=Role.DATA_ADMIN)

    changed = governance.vehicle_payee_update(
        vehicle, actor=data_admin, supplier_number=" SUP-2 ", bank_reference="LTS SBRIS"
    )

    changed.refresh_from_db()
    assert (changed.supplier_number, changed.bank_reference, changed.decision_rules) == (
        "SUP-2",
        "LTS SBRIS",
        "Consensus.",
    )
    latest = changed.history.first()
    assert (latest.history_user, latest.history_change_reason) == (data_admin, "Payee record changed")
    # The same record again changes nothing.
    governance.vehicle_payee_update(vehicle, actor=data_admin, supplier_number="SUP-2", bank_reference="LTS SBRIS")
    assert changed.history.count() == 2


def test_it_refuses_the_payee_record_to_everyone_but_data_admins(user_factory, south_bristol, lead, bnssg):
    vehicle = VehicleFactory(locality=south_bristol, supplier_number="SUP-1")
    refused = [
        lead,
        user_factory(role=Role.COMMISSIONER, commissioner=south_bristol.commissioner),
        user_factory(role=Role.COMMISSIONER, commissioner=bnssg),
        user_factory(role=Role.FINANCE_APPROVER, commissioner=bnssg),
        user_factory(role=Role.PRACTICE_MANAGER, practice=south_bristol.memberships.first().practice),
    ]
    for user in refused:
        assert governance.can_keep_payee_record(user) == (
            False,
            "Only data admins can change where a Locality Vehicle is paid.",
        )
        with pytest.raises(governance.GovernanceNotAllowed):
            governance.vehicle_payee_update(vehicle, actor=user, supplier_number="SUP-9", bank_reference="")
    vehicle.refresh_from_db()
    assert (vehicle.supplier_number, vehicle.history.count()) == ("SUP-1", 1)


def test_it_refuses_a_payee_record_longer_than_a_bank_statement_shows(user_factory, south_bristol):
    vehicle = VehicleFactory(locality=south_bristol)
    with pytest.raises(ValidationError) as error:
        governance.vehicle_payee_update(
            vehicle, actor=user_factory(role=Role.DATA_ADMIN), supplier_number="SUP-1", bank_reference="R" * 19
        )
    assert "bank_reference" in error.value.message_dict
    vehicle.refresh_from_db()
    assert vehicle.bank_reference == ""
