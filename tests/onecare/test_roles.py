import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.urls import reverse

from onecare.accounts.models import User
from onecare.accounts.roles import Role
from onecare.accounts.scoping import visible_localities, visible_practices
from tests.localities.factories import LocalityFactory
from tests.onecare.factories import PASSWORD, UserFactory


def test_it_creates_a_group_per_role_with_permissions():
    groups = {group.name: group for group in Group.objects.prefetch_related("permissions")}
    assert set(groups) >= {role.value for role in Role}
    codenames = {role: {p.codename for p in groups[role.value].permissions.all()} for role in Role}
    assert "change_locality" in codenames[Role.COMMISSIONER]
    assert "add_listsizesnapshot" in codenames[Role.DATA_ADMIN]
    assert "add_listsizesnapshot" not in codenames[Role.COMMISSIONER]
    assert not any(name.startswith(("add_", "change_", "delete_")) for name in codenames[Role.PRACTICE_MANAGER])


@pytest.mark.django_db
def test_a_persons_roles_are_read_in_one_statement_compiled_by_nobody(django_assert_num_queries, compiled):
    person = UserFactory(role=Role.DATA_ADMIN)
    person.groups.add(Group.objects.create(name="Auditors"))  # a group that is no role counts for nothing
    person = User.objects.get(pk=person.pk)
    compiled.clear()  # the user's own query
    with django_assert_num_queries(1):
        assert person.roles == {Role.DATA_ADMIN}
        assert person.has_role(Role.DATA_ADMIN) and person.role == Role.DATA_ADMIN
    assert compiled == []


@pytest.mark.django_db
def test_roles_come_from_groups_prefetched_with_the_user(django_assert_num_queries):
    first, second = UserFactory(role=Role.COMMISSIONER), UserFactory(role=Role.FINANCE_APPROVER)
    people = list(User.objects.filter(pk__in=[first.pk, second.pk]).prefetch_related("groups").order_by("pk"))
    with django_assert_num_queries(0):
        assert [person.roles for person in people] == [{Role.COMMISSIONER}, {Role.FINANCE_APPROVER}]


def test_a_user_not_yet_saved_has_no_role():
    assert User(username="new").roles == frozenset()


def test_it_scopes_a_practice_manager_to_their_practices_locality(two_localities):
    south_bristol, woodspring = two_localities
    manager = UserFactory(role=Role.PRACTICE_MANAGER, practice=south_bristol.memberships.first().practice)

    assert list(visible_localities(manager)) == [south_bristol]
    assert set(visible_practices(manager)) == {m.practice for m in south_bristol.memberships.all()}


def test_it_scopes_a_commissioner_to_their_ccg(two_localities, bristol):
    south_bristol, _ = two_localities
    assert list(visible_localities(UserFactory(role=Role.COMMISSIONER, commissioner=bristol))) == [south_bristol]


def test_it_lets_the_merged_ccg_see_its_predecessors_localities(two_localities, bnssg):
    commissioner = UserFactory(role=Role.COMMISSIONER, commissioner=bnssg)
    assert set(visible_localities(commissioner)) == set(two_localities)


def test_it_shows_nothing_to_a_user_without_a_role(two_localities):
    assert not visible_localities(UserFactory()).exists()


def test_it_needs_the_organisation_of_the_role():
    user = UserFactory(role=Role.LOCALITY_LEAD)
    with pytest.raises(ValidationError) as error:
        user.full_clean()
    assert "locality" in error.value.message_dict


def test_it_answers_404_for_another_localitys_page(client, two_localities):
    south_bristol, woodspring = two_localities
    manager = UserFactory(role=Role.PRACTICE_MANAGER, practice=south_bristol.memberships.first().practice)
    client.force_login(manager)

    assert client.get(reverse("localities:detail", args=[south_bristol.code])).status_code == 200
    assert client.get(reverse("localities:detail", args=[woodspring.code])).status_code == 404
    assert client.get(reverse("localities:detail", args=["no-such-place"])).status_code == 404
    assert client.get(reverse("localities:overview")).status_code == 403


def test_it_keeps_another_ccgs_records_out_of_the_admin(client, two_localities, bristol):
    south_bristol, woodspring = two_localities
    client.force_login(UserFactory(role=Role.COMMISSIONER, commissioner=bristol))

    changelist = client.get(reverse("admin:localities_locality_changelist"))
    assert south_bristol.name in changelist.text and woodspring.name not in changelist.text
    other = client.get(reverse("admin:localities_locality_change", args=[woodspring.pk]))
    assert other.status_code == 404  # the same answer as for a record that does not exist


def test_it_keeps_anonymous_visitors_out(client, two_localities):
    south_bristol, _ = two_localities
    for url in [
        reverse("home"),
        reverse("localities:overview"),
        reverse("localities:detail", args=[south_bristol.code]),
    ]:
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))


@pytest.mark.parametrize(
    ("role", "start"),
    [
        (Role.COMMISSIONER, "/localities/"),
        (Role.FINANCE_APPROVER, "/localities/"),
        (Role.DATA_ADMIN, "/accounts/data-admin/"),
        (Role.PRACTICE_MANAGER, "/localities/sbris/"),
        (Role.LOCALITY_LEAD, "/localities/sbris/"),
    ],
)
def test_it_sends_each_role_to_its_start_page(client, two_localities, bnssg, role, start):
    south_bristol, _ = two_localities
    organisation = {
        Role.COMMISSIONER: {"commissioner": bnssg},
        Role.FINANCE_APPROVER: {"commissioner": bnssg},
        Role.DATA_ADMIN: {},
        Role.PRACTICE_MANAGER: {"practice": south_bristol.memberships.first().practice},
        Role.LOCALITY_LEAD: {"locality": south_bristol},
    }[role]
    user = UserFactory(role=role, **organisation)
    assert client.login(username=user.username, password=PASSWORD)

    response = client.get(reverse("home"))
    assert response.status_code == 302 and response.url == start


def test_it_tells_a_user_without_a_role_who_to_ask(client):
    client.force_login(UserFactory())
    assert client.get(reverse("home")).status_code == 403


def test_it_logs_out_only_by_post(client):
    client.force_login(UserFactory(role=Role.DATA_ADMIN))
    assert client.get(reverse("accounts:logout")).status_code == 405
    assert client.post(reverse("accounts:logout")).status_code == 302
    assert client.get(reverse("home")).status_code == 302


def test_it_unused_locality_is_invisible_to_leads_of_others(two_localities):
    lead = UserFactory(role=Role.LOCALITY_LEAD, locality=LocalityFactory(commissioner=two_localities[0].commissioner))
    assert set(visible_localities(lead)).isdisjoint(two_localities)


def test_it_shows_each_localitys_population_in_the_admin(client, two_localities, bnssg, make_member_practice):
    south_bristol, woodspring = two_localities
    small = LocalityFactory(name="Small Place", commissioner=south_bristol.commissioner)
    make_member_practice(small, patients=40_000)
    client.force_login(UserFactory(role=Role.COMMISSIONER, commissioner=bnssg))

    page = client.get(reverse("admin:localities_locality_changelist")).text

    assert "105,000" in page
    assert "40,000 (below the 100,000 minimum)" in page


def test_the_data_admin_starts_at_a_portal_page_linking_to_their_pages(client):
    from django.contrib import admin

    user = UserFactory(role=Role.DATA_ADMIN)
    client.force_login(user)
    page = client.get(reverse("accounts:data-admin-home")).content.decode()
    for name in (
        "admin:localities_importrecord_changelist",
        "admin:localities_practice_changelist",
        "admin:outbox_unsenttask_changelist",
        "localities:overview",
        "funding:money",
    ):
        assert f'href="{reverse(name)}"' in page, name
    assert admin.site.site_url == "/"  # "View site": home, which sends the data admin here, not back to the admin


def test_one_care_staff_and_the_scrutineer_reach_the_decisions_logs_and_the_business_plan(client, two_localities):
    from tests.onecare.onecare_factories import onecare_staff, scrutineer

    south_bristol, _ = two_localities
    for person in (onecare_staff(), scrutineer()):
        client.force_login(person)
        page = client.get(reverse("ballots:list")).content.decode()
        assert f'href="{reverse("ballots:decisions", args=[south_bristol.code])}"' in page
        assert f'href="{reverse("businessplan:plan")}"' in page
