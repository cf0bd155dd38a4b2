"""The session engine (onecare/accounts/sessions.py) and AuthenticationMiddleware (onecare/accounts/middleware.py): a
signed-in request reads its session, its user and the data version in one statement, and trusts no more than Django
would."""

import datetime

import pytest
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from onecare import dataversion, pagecache
from onecare.accounts import backends
from onecare.accounts.models import Session, User
from onecare.accounts.roles import Role
from onecare.accounts.sessions import SessionStore
from onecare.accounts.tasks import sessions_clear_expired
from tests.onecare.factories import PASSWORD

pytestmark = pytest.mark.django_db
# A page every signed-in person may open that the page cache does not keep: each request runs its view.
PAGE = reverse("accounts:password-change")


@pytest.fixture
def commissioner(user_factory, bristol):
    return user_factory(role=Role.COMMISSIONER, commissioner=bristol)


def signed_in(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def session_key(client: Client) -> str:
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def user_of(response) -> User:
    return response.wsgi_request.user


def test_a_signed_in_request_asks_the_database_once_for_its_session_its_user_and_the_data_version(commissioner):
    client = signed_in(commissioner)
    client.get(PAGE)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(PAGE)

    assert response.status_code == 200
    assert user_of(response).pk == commissioner.pk
    first = queries.captured_queries[0]["sql"]
    assert 'FROM "accounts_session" LEFT OUTER JOIN "accounts_user"' in first
    assert "portal_data_version_current()" in first
    assert not any('FROM "accounts_user"' in q["sql"] for q in queries.captured_queries)  # no second read of the user
    assert not any("django_session" in q["sql"] for q in queries.captured_queries)


def test_the_store_loads_the_user_as_the_orm_would_with_the_version(commissioner, django_assert_num_queries):
    key = session_key(signed_in(commissioner))
    store = SessionStore(key)
    with django_assert_num_queries(1):
        data = store.load()

    assert data[SESSION_KEY] == str(commissioner.pk)
    user = store.signed_in_user
    expected = User.objects.get(pk=commissioner.pk)
    assert type(user) is User
    assert {f.attname: getattr(user, f.attname) for f in User._meta.concrete_fields} == {
        f.attname: getattr(expected, f.attname) for f in User._meta.concrete_fields
    }
    assert getattr(user, pagecache.VERSION_ATTRIBUTE) == dataversion.current()
    assert user._state.db == "default" and not user._state.adding


def test_the_statement_is_compiled_once_not_on_every_request(commissioner, compiled):
    client = signed_in(commissioner)
    client.get(PAGE)
    key = session_key(client)
    SessionStore(key).load()  # compiled by now, if it had not been before
    compiled.clear()

    stores = [SessionStore(key) for _ in range(3)]
    for store in stores:
        store.load()

    assert [store.signed_in_user.pk for store in stores] == [commissioner.pk] * 3
    assert compiled == []


def test_with_the_page_cache_off_the_statement_reads_no_version(commissioner, settings):
    settings.PORTAL_PAGE_CACHE = False
    key = session_key(signed_in(commissioner))
    with CaptureQueriesContext(connection) as queries:
        store = SessionStore(key)
        store.load()

    assert store.signed_in_user.pk == commissioner.pk
    assert not hasattr(store.signed_in_user, pagecache.VERSION_ATTRIBUTE)
    assert len(queries) == 1 and "portal_data_version_current" not in queries[0]["sql"]


def test_each_row_names_the_user_signed_in_on_it_and_a_session_of_nobody_names_nobody(commissioner):
    client = signed_in(commissioner)
    assert Session.objects.get(session_key=session_key(client)).user_id == commissioner.pk

    anonymous = SessionStore()
    anonymous["seen"] = True
    anonymous.save()
    assert Session.objects.get(session_key=anonymous.session_key).user_id is None
    loaded = SessionStore(anonymous.session_key)
    assert loaded["seen"] is True
    assert loaded.signed_in_user is None

    client.logout()
    assert not Session.objects.filter(user=commissioner).exists()


def test_a_row_naming_someone_else_signs_in_only_who_the_session_says(commissioner, user_factory, bristol):
    """The data says who is signed in; the column only saves a read. A row whose column names another account (or none)
    has its user read by the backend, as Django would."""
    other = user_factory(role=Role.FINANCE_APPROVER, commissioner=bristol)
    client = signed_in(commissioner)
    Session.objects.filter(session_key=session_key(client)).update(user=other)

    with CaptureQueriesContext(connection) as queries:
        response = client.get(PAGE)
    assert user_of(response).pk == commissioner.pk
    assert sum('FROM "accounts_user"' in q["sql"] for q in queries.captured_queries) == 1  # read by the backend

    Session.objects.filter(session_key=session_key(client)).update(user=None)
    assert user_of(client.get(PAGE)).pk == commissioner.pk


def test_a_deactivated_account_is_signed_out(commissioner):
    client = signed_in(commissioner)
    assert client.get(PAGE).status_code == 200
    User.objects.filter(pk=commissioner.pk).update(is_active=False)  # no signal: only the row changes

    response = client.get(PAGE)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_a_password_changed_elsewhere_signs_the_session_out(commissioner):
    """Django's check of the password's hash in the session still runs on the user read with the session."""
    client = signed_in(commissioner)
    assert client.get(PAGE).status_code == 200
    commissioner.set_password("a new and longer passphrase")
    commissioner.save()

    response = client.get(PAGE)
    assert response.status_code == 302
    assert not Session.objects.filter(session_key=session_key(client), user=commissioner).exists()


def test_an_expired_session_signs_nobody_in(commissioner):
    client = signed_in(commissioner)
    key = session_key(client)
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() - datetime.timedelta(seconds=1))

    store = SessionStore(key)
    assert store.load() == {}
    assert store.session_key is None and store.signed_in_user is None
    assert client.get(PAGE).status_code == 302


def test_deleting_an_account_deletes_its_sessions(commissioner):
    client = signed_in(commissioner)
    key = session_key(client)
    commissioner.delete()

    assert not Session.objects.filter(session_key=key).exists()
    assert client.get(PAGE).status_code == 302


def test_the_session_being_read_is_seen_by_the_backend_only_while_its_user_is_loaded(commissioner):
    client = signed_in(commissioner)
    client.get(PAGE)
    assert backends.SESSION_BEING_READ.get() is None
    store = SessionStore(session_key(client))
    store.load()
    assert backends.user_read_with_session(commissioner.pk) is None  # outside get_user: the backend asks itself
    with backends.reading_user_of(store):
        assert backends.user_read_with_session(commissioner.pk) is store.signed_in_user
        assert backends.user_read_with_session(commissioner.pk + 1) is None  # not the one the row holds
    assert backends.SESSION_BEING_READ.get() is None


def test_expired_sessions_are_cleared_each_night(commissioner):
    live = session_key(signed_in(commissioner))
    gone = session_key(signed_in(commissioner))
    Session.objects.filter(session_key=gone).update(expire_date=timezone.now() - datetime.timedelta(days=1))

    assert sessions_clear_expired() == 1
    assert list(Session.objects.values_list("session_key", flat=True)) == [live]
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "accounts.sessions_clear_expired" in tasks


def test_a_session_write_does_not_move_the_data_version(commissioner):
    before = dataversion.current()
    client = signed_in(commissioner)
    client.logout()
    assert dataversion.current() == before
