"""A locality's governance changes through localities.governance only (permission checked, locality locked, record
validated, the person in the history): in the admin its records are read, whoever posts. Each governance model's
add, change and delete page, and the locality page's inlines, are posted to by every role and by a superuser, and
nothing changes; the one change the admin makes, the vehicle's payee record, goes through the governance function.
"""

import pytest
from django.forms.models import model_to_dict
from django.urls import reverse

from localities.models import Locality, LocalityMembership, LocalityVehicle, Representative, SubLocality
from onecare.accounts.roles import Role
from tests.onecare.factories import UserFactory
from tests.security.conftest import login_verified
from tests.security.world import build_world

GOVERNANCE_MODELS = [LocalityVehicle, SubLocality, LocalityMembership, Representative]
ADMIN_LOGIN = "/admin/login/"


def own_record(model, world):
    return model.objects.filter(locality=world.own.locality).order_by("pk").first()


def change_form(model, world) -> dict:
    """A form that would change the record, were it saved: every governance model's fields but the payee record."""
    locality, practice = world.own.locality.pk, world.own.practice.pk
    return {
        LocalityVehicle: {
            "locality": locality,
            "kind": "formal",
            "legal_name": "Renamed Health Ltd",
            "decision_rules": "Changed in the admin.",
        },
        SubLocality: {"locality": locality, "name": "Renamed in the admin"},
        LocalityMembership: {
            "practice": practice,
            "locality": locality,
            "valid_from": "2016-04-01",
            "valid_to": "2018-01-31",
            "opted_out_on": "2018-01-01",
            "opt_out_reason": "Changed in the admin.",
        },
        Representative: {
            "locality": locality,
            "role": "deputy",
            "name": "Someone Else",
            "valid_from": "2017-04-01",
        },
    }[model]


def snapshot(model) -> list[dict]:
    return [model_to_dict(row) for row in model.objects.order_by("pk")]


def people(world):
    superuser = UserFactory(username="superuser", is_superuser=True, is_staff=True)
    return [*world.users.values(), superuser]


def refused(response) -> bool:
    """403 for staff; the admin's log-in page for those who may not use the admin at all."""
    return response.status_code == 403 or (response.status_code == 302 and response.url.startswith(ADMIN_LOGIN))


@pytest.mark.parametrize("model", GOVERNANCE_MODELS, ids=lambda model: model._meta.model_name)
def test_no_one_adds_changes_or_deletes_a_governance_record_in_the_admin(client, model):
    world = build_world()
    record = own_record(model, world)
    opts = model._meta
    urls = {
        "add": reverse(f"admin:{opts.app_label}_{opts.model_name}_add"),
        "change": reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[record.pk]),
        "delete": reverse(f"admin:{opts.app_label}_{opts.model_name}_delete", args=[record.pk]),
    }
    before = snapshot(model)
    for person in people(world):
        client.logout()
        login_verified(client, person)
        for step, url in urls.items():
            response = client.post(url, {**change_form(model, world), "post": "yes", "_save": "Save"})
            keeps_payee = person.is_superuser or person.has_role(Role.DATA_ADMIN)
            if model is LocalityVehicle and step == "change" and keeps_payee:
                # Data admins may change the vehicle's payee record, and nothing else on it.
                assert response.status_code == 302, (person, step)
            else:
                assert refused(response), (person.username, step, response.status_code)
            assert snapshot(model) == before, (person.username, step)


def test_the_locality_page_saves_the_locality_but_none_of_its_governance(client):
    world = build_world()
    locality = world.own.locality
    vehicle, sub_locality, representative = (
        own_record(model, world) for model in (LocalityVehicle, SubLocality, Representative)
    )
    before = {model: snapshot(model) for model in GOVERNANCE_MODELS}
    form = {
        "name": "South Bristol",
        "code": locality.code,
        "commissioner": locality.commissioner.pk,
        "vehicle-TOTAL_FORMS": "1",
        "vehicle-INITIAL_FORMS": "1",
        "vehicle-0-id": vehicle.pk,
        "vehicle-0-locality": locality.pk,
        "vehicle-0-kind": "formal",
        "vehicle-0-legal_name": "Renamed Health Ltd",
        "vehicle-0-supplier_number": "SUP-INLINE",
        "sub_localities-TOTAL_FORMS": "2",
        "sub_localities-INITIAL_FORMS": "1",
        "sub_localities-0-id": sub_locality.pk,
        "sub_localities-0-locality": locality.pk,
        "sub_localities-0-name": "Renamed in the admin",
        "sub_localities-0-DELETE": "on",
        "sub_localities-1-locality": locality.pk,
        "sub_localities-1-name": "Added in the admin",
        "representatives-TOTAL_FORMS": "1",
        "representatives-INITIAL_FORMS": "1",
        "representatives-0-id": representative.pk,
        "representatives-0-locality": locality.pk,
        "representatives-0-role": "deputy",
        "representatives-0-name": "Someone Else",
        "representatives-0-valid_from": "2017-04-01",
        "_save": "Save",
    }
    url = reverse("admin:localities_locality_change", args=[locality.pk])
    for role in (Role.COMMISSIONER, Role.DATA_ADMIN):
        client.logout()
        login_verified(client, world.users[role])
        page = client.get(url).content.decode()
        assert reverse("localities:governance", args=[locality.code]) in page
        assert 'name="vehicle-0-legal_name"' not in page and 'name="sub_localities-0-name"' not in page
        response = client.post(url, {**form, "name": f"South Bristol ({role.value})"})
        assert response.status_code == 302, response.content.decode()
        assert Locality.objects.get(pk=locality.pk).name == f"South Bristol ({role.value})"
        assert {model: snapshot(model) for model in GOVERNANCE_MODELS} == before, role


def test_a_data_admin_still_adds_a_locality_whose_governance_is_then_recorded_in_the_portal(client):
    world = build_world()
    login_verified(client, world.users[Role.DATA_ADMIN])
    commissioner = world.own.locality.commissioner

    response = client.post(
        reverse("admin:localities_locality_add"),
        {
            "name": "Bristol Inner City",
            "code": "bic",
            "commissioner": commissioner.pk,
            "vehicle-TOTAL_FORMS": "0",
            "vehicle-INITIAL_FORMS": "0",
            "sub_localities-TOTAL_FORMS": "0",
            "sub_localities-INITIAL_FORMS": "0",
            "representatives-TOTAL_FORMS": "0",
            "representatives-INITIAL_FORMS": "0",
            "_save": "Save",
        },
    )

    assert response.status_code == 302, response.content.decode()
    locality = Locality.objects.get(code="bic")
    assert (locality.name, locality.commissioner) == ("Bristol Inner City", commissioner)
    assert not LocalityVehicle.objects.filter(locality=locality).exists()
    page = client.get(reverse("admin:localities_locality_change", args=[locality.pk])).content.decode()
    assert reverse("localities:governance", args=["bic"]) in page


def test_the_vehicle_admin_changes_the_payee_record_through_the_governance_function(client):
    world = build_world()
    vehicle = own_record(LocalityVehicle, world)
    url = reverse("admin:localities_localityvehicle_change", args=[vehicle.pk])
    form = {**change_form(LocalityVehicle, world), "supplier_number": "SUP-77", "bank_reference": "LTS SBRIS"}

    login_verified(client, world.users[Role.COMMISSIONER])
    assert client.post(url, form).status_code == 403
    vehicle.refresh_from_db()
    assert vehicle.supplier_number == ""

    client.logout()
    data_admin = world.users[Role.DATA_ADMIN]
    login_verified(client, data_admin)
    page = client.get(url).content.decode()
    assert 'name="supplier_number"' in page and 'name="bank_reference"' in page
    assert 'name="decision_rules"' not in page and 'name="legal_name"' not in page
    assert client.post(url, form).status_code == 302

    vehicle.refresh_from_db()
    assert (vehicle.supplier_number, vehicle.bank_reference, vehicle.kind, vehicle.legal_name) == (
        "SUP-77",
        "LTS SBRIS",
        "informal",
        "",
    )
    latest = vehicle.history.first()
    assert (latest.history_user, latest.history_change_reason) == (data_admin, "Payee record changed")
