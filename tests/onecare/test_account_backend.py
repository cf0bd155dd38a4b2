"""The password backend (onecare/accounts/backends.py): the signed-in user with the data version in one statement
compiled once, and ModelBackend's permissions in one query."""

import pytest
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext

from onecare import dataversion, pagecache
from onecare.accounts.backends import AccountBackend, signed_in_user_statement
from onecare.accounts.models import User
from onecare.accounts.roles import Role
from onecare.outbox.models import UnsentTask
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


def fields(user: User) -> list:
    return [getattr(user, field.attname) for field in User._meta.concrete_fields]


def test_the_signed_in_user_is_the_one_the_orm_reads_with_the_data_version_in_one_query(
    person, django_assert_num_queries
):
    with django_assert_num_queries(1):
        user = AccountBackend().get_user(person.pk)

    assert type(user) is User
    assert fields(user) == fields(fresh(person))
    assert getattr(user, pagecache.VERSION_ATTRIBUTE) == dataversion.current()
    assert user._state.db == "default" and not user._state.adding
    user.first_name = "Changed"  # an instance like any other: it saves
    user.save(update_fields=["first_name"])
    assert fresh(person).first_name == "Changed"


def test_the_statement_is_compiled_once_not_on_every_request(person, compiled):
    AccountBackend().get_user(person.pk)  # compiled by now, if it had not been before
    compiled.clear()

    users = [AccountBackend().get_user(person.pk) for _ in range(3)]

    assert [user.pk for user in users] == [person.pk] * 3
    assert compiled == []


def test_an_unknown_or_deactivated_account_is_nobody(person):
    assert AccountBackend().get_user(person.pk + 1000) is None
    person.is_active = False
    person.save()
    assert AccountBackend().get_user(person.pk) is None


def test_with_the_page_cache_off_it_is_the_same_user_without_the_version(person, settings, compiled):
    settings.PORTAL_PAGE_CACHE = False
    AccountBackend().get_user(person.pk)
    expected = fields(fresh(person))
    compiled.clear()

    with CaptureQueriesContext(connection) as queries:
        user = AccountBackend().get_user(person.pk)

    assert fields(user) == expected
    assert not hasattr(user, pagecache.VERSION_ATTRIBUTE)
    assert len(queries) == 1 and "portal_data_version_current" not in queries[0]["sql"]
    assert compiled == []


def test_a_model_whose_values_need_converting_is_left_to_the_orm():
    """The statement's values go to the model as the database sends them: right for every field the user has on
    PostgreSQL; a field such as JSON, whose text the ORM decodes, leaves the loading to the ORM (as SQLite's dates
    do)."""
    assert signed_in_user_statement(User, connection.vendor, True) is not None
    assert signed_in_user_statement(UnsentTask, connection.vendor, True) is None
