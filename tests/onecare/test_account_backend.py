"""The password backend's permissions (onecare/accounts/backends.py): ModelBackend's answer, in one query."""

import pytest
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission

from onecare.accounts.backends import AccountBackend
from onecare.accounts.models import User
from onecare.accounts.roles import Role
from tests.onecare.factories import UserFactory

pytestmark = pytest.mark.django_db


def fresh(user: User) -> User:
    """The user as a new request loads it: nothing kept from earlier checks."""
    return User.objects.get(pk=user.pk)


@pytest.fixture
def person():
    """A data admin (a role's group and its permissions) given one more permission of their own, and in a second
    group that grants one the role does not."""
    user = UserFactory(role=Role.DATA_ADMIN)
    user.user_permissions.add(Permission.objects.get(codename="delete_group"))
    extra = Group.objects.create(name="Auditors")
    extra.permissions.add(Permission.objects.get(codename="view_permission"))
    user.groups.add(extra)
    return user


def test_it_reads_the_same_permissions_as_django_in_one_query(person, django_assert_num_queries):
    expected = ModelBackend().get_all_permissions(fresh(person))
    assert {"auth.delete_group", "auth.view_permission", "localities.add_listsizesnapshot"} <= expected

    user = fresh(person)
    with django_assert_num_queries(1):
        assert AccountBackend().get_all_permissions(user) == expected
    with django_assert_num_queries(0):  # kept on the user for the rest of the request
        assert AccountBackend().get_all_permissions(user) == expected
        assert user.has_perm("auth.delete_group")
        assert user.has_perm("auth.view_permission")
        assert not user.has_perm("auth.delete_permission")


def test_a_permission_given_or_taken_away_counts_from_the_next_request(person):
    person.user_permissions.clear()
    assert "auth.delete_group" not in AccountBackend().get_all_permissions(fresh(person))
    person.groups.remove(Group.objects.get(name="Auditors"))
    assert "auth.view_permission" not in AccountBackend().get_all_permissions(fresh(person))
    assert "localities.add_listsizesnapshot" in AccountBackend().get_all_permissions(fresh(person))


def test_a_person_without_groups_or_permissions_has_none():
    user = fresh(UserFactory())
    assert AccountBackend().get_all_permissions(user) == set()


def test_a_superuser_has_every_permission_and_an_inactive_user_none(person):
    person.is_superuser = True
    person.save()
    assert AccountBackend().get_all_permissions(fresh(person)) == ModelBackend().get_all_permissions(fresh(person))
    assert len(AccountBackend().get_all_permissions(fresh(person))) == Permission.objects.count()

    person.is_active = False
    person.save()
    assert AccountBackend().get_all_permissions(fresh(person)) == set()
    assert not fresh(person).has_perm("auth.delete_group")


def test_it_answers_no_permissions_for_one_object(person):
    # As ModelBackend: it keeps no permission on single objects.
    assert AccountBackend().get_all_permissions(fresh(person), obj=person) == set()
