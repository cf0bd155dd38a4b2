"""Governance pages: who can read and who can change them, the forms and their errors, and query counts."""

import datetime

import pytest
from django.urls import reverse

from localities.models import LocalityVehicle, Representative
from onecare.accounts.roles import Role
from tests.localities.factories import RepresentativeFactory, SubLocalityFactory, VehicleFactory
from tests.test_pages import assert_no_inline_code


@pytest.fixture
def south_bristol(two_localities):
    return two_localities[0]


@pytest.fixture
def membership(south_bristol):
    return south_bristol.memberships.select_related("practice").first()


@pytest.fixture
def lead(user_factory, south_bristol):
    return user_factory(role=Role.LOCALITY_LEAD, locality=south_bristol)


def form_urls(locality, membership):
    representative = RepresentativeFactory(locality=locality)
    cluster = SubLocalityFactory(locality=locality)
    code = locality.code
    return [
        reverse("localities:vehicle-edit", args=[code]),
        reverse("localities:representative-add", args=[code]),
        reverse("localities:representative-end", args=[code, representative.pk]),
        reverse("localities:sub-locality-add", args=[code]),
        reverse("localities:sub-locality-rename", args=[code, cluster.pk]),
        reverse("localities:membership-sub-locality", args=[code, membership.pk]),
        reverse("localities:membership-opt-out", args=[code, membership.pk]),
        reverse("localities:membership-opt-back-in", args=[code, membership.pk]),
    ]


def test_it_sends_anonymous_visitors_to_log_in(client, south_bristol, membership):
    for url in [reverse("localities:governance", args=[south_bristol.code]), *form_urls(south_bristol, membership)]:
        response = client.get(url)
        assert response.status_code == 302 and reverse("accounts:login") in response.url


def test_it_lets_the_lead_and_commissioners_use_every_form(
    client, user_factory, south_bristol, membership, lead, bnssg
):
    urls = form_urls(south_bristol, membership)
    for user in (lead, user_factory(role=Role.COMMISSIONER, commissioner=bnssg)):
        client.force_login(user)
        summary = client.get(reverse("localities:governance", args=[south_bristol.code]))
        assert summary.status_code == 200 and "Add a representative" in summary.content.decode()
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            assert_no_inline_code(response.content.decode())


def test_it_shows_practice_managers_and_finance_a_read_only_summary(client, user_factory, south_bristol, membership):
    urls = form_urls(south_bristol, membership)
    readers = [
        user_factory(role=Role.PRACTICE_MANAGER, practice=membership.practice),
        user_factory(role=Role.FINANCE_APPROVER, commissioner=south_bristol.commissioner),
        user_factory(role=Role.DATA_ADMIN),
    ]
    for user in readers:
        client.force_login(user)
        summary = client.get(reverse("localities:governance", args=[south_bristol.code]))
        assert summary.status_code == 200
        assert "Add a representative" not in summary.content.decode()
        for url in urls:
            assert client.get(url).status_code == 403, url
            assert client.post(url, {"name": "x"}).status_code == 403, url


def test_it_answers_404_to_other_localities_people(client, user_factory, two_localities, membership):
    south_bristol, woodspring = two_localities
    urls = [reverse("localities:governance", args=[south_bristol.code]), *form_urls(south_bristol, membership)]
    for user in (
        user_factory(role=Role.LOCALITY_LEAD, locality=woodspring),
        user_factory(role=Role.COMMISSIONER, commissioner=woodspring.commissioner),
        user_factory(role=Role.PRACTICE_MANAGER, practice=woodspring.memberships.first().practice),
    ):
        client.force_login(user)
        for url in urls:
            assert client.get(url).status_code == 404, url


def test_it_answers_404_for_a_record_of_another_locality(client, two_localities, lead):
    south_bristol, woodspring = two_localities
    client.force_login(lead)
    elsewhere = woodspring.memberships.first()
    representative = RepresentativeFactory(locality=woodspring)
    for url in (
        reverse("localities:membership-opt-out", args=[south_bristol.code, elsewhere.pk]),
        reverse("localities:representative-end", args=[south_bristol.code, representative.pk]),
        reverse(
            "localities:sub-locality-rename", args=[south_bristol.code, SubLocalityFactory(locality=woodspring).pk]
        ),
    ):
        assert client.get(url).status_code == 404


def test_it_saves_the_vehicle_from_the_form(client, south_bristol, lead):
    client.force_login(lead)
    response = client.post(
        reverse("localities:vehicle-edit", args=[south_bristol.code]),
        {"kind": "informal", "pre_existing": "no", "established_on": "2017-09-01", "decision_rules": "Majority."},
    )
    assert response.status_code == 302
    assert response.url == reverse("localities:governance", args=[south_bristol.code]) + "#vehicle"
    vehicle = LocalityVehicle.objects.get(locality=south_bristol)
    assert (vehicle.established_on, vehicle.decision_rules) == (datetime.date(2017, 9, 1), "Majority.")
    assert vehicle.history.get().history_user == lead


def test_it_shows_the_domain_error_in_the_summary_and_on_the_field(client, south_bristol, lead):
    client.force_login(lead)
    page = client.post(
        reverse("localities:vehicle-edit", args=[south_bristol.code]), {"kind": "formal", "pre_existing": "yes"}
    ).content.decode()
    assert "<title>Error: " in page
    assert '<a href="#id_legal_name">A formal entity needs its legal name.</a>' in page
    assert 'id="id_legal_name-error"' in page
    assert 'id="id_kind_0" name="kind" type="radio" value="formal" checked' in page
    assert not LocalityVehicle.objects.exists()


def test_it_links_a_missing_radio_choice_to_the_first_radio(client, south_bristol, lead):
    client.force_login(lead)
    page = client.post(reverse("localities:representative-add", args=[south_bristol.code]), {}).content.decode()
    assert '<a href="#id_role_0">Select whether they are a lead representative or a deputy.</a>' in page
    assert '<a href="#id_valid_from">Enter the date their term starts.</a>' in page


def test_it_adds_a_representative_and_shows_an_end_before_the_start(client, south_bristol, membership, lead):
    client.force_login(lead)
    url = reverse("localities:representative-add", args=[south_bristol.code])
    data = {"role": "deputy", "name": "Dr Dee", "practice": membership.practice_id, "valid_from": "2017-06-01"}
    page = client.post(url, {**data, "valid_to": "2017-05-01"}).content.decode()
    assert '<a href="#id_valid_to">The end date cannot be before the start date.</a>' in page
    assert client.post(url, data).status_code == 302
    assert Representative.objects.get().practice == membership.practice


def test_it_records_and_withdraws_an_opt_out_through_the_pages(client, south_bristol, membership, lead):
    client.force_login(lead)
    opt_out = reverse("localities:membership-opt-out", args=[south_bristol.code, membership.pk])
    page = client.post(opt_out, {"opted_out_on": "2017-10-01", "opt_out_reason": ""}).content.decode()
    assert '<a href="#id_opt_out_reason">Give the reason the practice opted out.</a>' in page
    assert client.post(opt_out, {"opted_out_on": "2017-10-01", "opt_out_reason": "Alone."}).status_code == 302
    summary = client.get(reverse("localities:governance", args=[south_bristol.code])).content.decode()
    assert "Opted out" in summary and "Alone." in summary
    back_in = reverse("localities:membership-opt-back-in", args=[south_bristol.code, membership.pk])
    assert client.post(back_in).status_code == 302
    membership.refresh_from_db()
    assert membership.opted_out_on is None
    assert membership.history.first().history_user == lead


def test_it_assigns_a_sub_locality_through_the_page(client, south_bristol, membership, lead):
    cluster = SubLocalityFactory(locality=south_bristol, name="Knowle")
    client.force_login(lead)
    url = reverse("localities:membership-sub-locality", args=[south_bristol.code, membership.pk])
    assert client.post(url, {"sub_locality": cluster.pk}).status_code == 302
    membership.refresh_from_db()
    assert membership.sub_locality == cluster


def test_it_links_the_detail_page_to_the_governance_forms_only_for_editors(client, user_factory, south_bristol, lead):
    detail = reverse("localities:detail", args=[south_bristol.code])
    client.force_login(lead)
    assert "Record governance" in client.get(detail).content.decode()
    manager = user_factory(role=Role.PRACTICE_MANAGER, practice=south_bristol.memberships.first().practice)
    client.force_login(manager)
    assert "Record governance" not in client.get(detail).content.decode()


def build_governance(locality, make_member_practice, size: int) -> None:
    clusters = [SubLocalityFactory(locality=locality) for _ in range(size)]
    for n in range(size):
        make_member_practice(locality, sub_locality=clusters[n], opted_out=n % 2 == 0)
        RepresentativeFactory(locality=locality, role="deputy", valid_to=datetime.date(2018, 1, 1))


@pytest.mark.parametrize("size", [1, 8])
def test_it_reads_the_summary_in_a_fixed_number_of_queries(
    client, south_bristol, lead, make_member_practice, django_assert_max_num_queries, size
):
    VehicleFactory(locality=south_bristol)
    build_governance(south_bristol, make_member_practice, size)
    client.force_login(lead)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("localities:governance", args=[south_bristol.code]))
    assert response.status_code == 200
    assert response.content.decode().count("Withdraw opt-out") == (size + 1) // 2
