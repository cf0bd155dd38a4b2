"""The page cache (onecare/pagecache.py): a page comes from the cache only while nothing it could show has changed.

Most of these tests run in the suite's usual per-test transaction, where the test's own writes move the key
(as they do for every other test that reads a page twice); those marked `transactional` commit, as
production does, where the writes of others move it.
"""

import datetime
import re

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages import constants
from django.contrib.messages.storage.base import Message
from django.contrib.messages.storage.cookie import CookieStorage
from django.contrib.sessions.models import Session
from django.db import connection, connections
from django.http import HttpRequest
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from localities.models import ListSizeSnapshot, Locality
from onecare import pagecache
from onecare.accounts.roles import Role
from tests.onecare.factories import PASSWORD

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
OVERVIEW = "/localities/"
pytestmark = pytest.mark.django_db
transactional = pytest.mark.django_db(transaction=True)


@pytest.fixture
def commissioner(user_factory, bristol):
    return user_factory(role=Role.COMMISSIONER, commissioner=bristol)


def signed_in(user, **options) -> Client:
    client = Client(**options)
    assert client.login(username=user.username, password=PASSWORD)
    return client


def hit(response) -> bool:
    return response.get("X-Page-Cache") == "hit"


def tables_read(queries) -> list[str]:
    return [re.search(r'FROM "(\w+)"|(pg_current_snapshot)', q["sql"]).group(1, 2) for q in queries.captured_queries]


@transactional
def test_the_second_visit_is_served_from_the_cache_after_the_sign_in_is_checked(two_localities, commissioner):
    client = signed_in(commissioner)
    first = client.get(OVERVIEW)
    with CaptureQueriesContext(connection) as queries:
        second = client.get(OVERVIEW)

    assert first.status_code == second.status_code == 200
    assert not hit(first) and hit(second)
    # The session and its user, as for any signed-in request, then the snapshot: not the page's own queries.
    assert tables_read(queries) == [("django_session", None), ("accounts_user", None), (None, "pg_current_snapshot")]
    assert TOKEN.sub("", second.content.decode()) == TOKEN.sub("", first.content.decode())
    assert second["Content-Type"] == "text/html; charset=utf-8"
    assert second["X-Frame-Options"] == "DENY"
    assert "Cookie" in second["Vary"]


def test_a_save_moves_the_page_on(two_localities, commissioner):
    south_bristol, _ = two_localities
    client = signed_in(commissioner)
    client.get(OVERVIEW)
    assert hit(client.get(OVERVIEW))

    south_bristol.name = "Bristol South and Central"
    south_bristol.save()

    page = client.get(OVERVIEW)
    assert not hit(page)
    assert "Bristol South and Central" in page.content.decode()


def test_a_bulk_write_that_sends_no_signal_moves_it_too(two_localities, commissioner):
    client = signed_in(commissioner)
    before = client.get("/localities/sbris/").content.decode()
    assert "123,456" not in before
    assert hit(client.get("/localities/sbris/"))

    ListSizeSnapshot.objects.filter(practice__memberships__locality__code="sbris").update(registered_patients=61_728)

    page = client.get("/localities/sbris/")
    assert not hit(page)
    assert "123,456" in page.content.decode()


def test_each_session_has_its_own_pages(two_localities, commissioner, user_factory, north_somerset):
    other = user_factory(role=Role.COMMISSIONER, commissioner=north_somerset)
    mine, theirs = signed_in(commissioner), signed_in(other)
    assert hit(mine.get(OVERVIEW)) is False
    assert hit(mine.get(OVERVIEW)) is True

    their_page = theirs.get(OVERVIEW)
    assert not hit(their_page)
    assert "Woodspring" in their_page.content.decode()
    assert "South Bristol" not in their_page.content.decode()
    assert not hit(signed_in(commissioner).get(OVERVIEW))  # a second sign-in is a session of its own


def test_signing_out_ends_the_cached_page_for_that_session(two_localities, commissioner):
    client = signed_in(commissioner)
    client.get(OVERVIEW)
    assert hit(client.get(OVERVIEW))
    cookie = client.cookies["sessionid"].value

    client.post(reverse("accounts:logout"))
    replay = Client()
    replay.cookies["sessionid"] = cookie

    response = replay.get(OVERVIEW)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_a_cached_page_carries_a_csrf_token_that_works_for_the_requester(two_localities, commissioner):
    client = signed_in(commissioner, enforce_csrf_checks=True)
    client.get(OVERVIEW)
    page = client.get(OVERVIEW)
    assert hit(page)
    token = TOKEN.search(page.content.decode()).group(1)
    assert pagecache.PLACEHOLDER.decode() not in page.content.decode()

    response = client.post(reverse("accounts:logout"), {"csrfmiddlewaretoken": token})
    assert response.status_code == 302  # signed out, not refused (403)
    assert "_auth_user_id" not in client.session


def test_a_waiting_message_is_shown_once_and_never_cached(two_localities, commissioner):
    client = signed_in(commissioner)
    client.get(OVERVIEW)
    client.cookies["messages"] = CookieStorage(HttpRequest())._encode([Message(constants.SUCCESS, "Release approved.")])

    with_message = client.get(OVERVIEW)
    after = client.get(OVERVIEW)

    assert not hit(with_message)
    assert "Release approved." in with_message.content.decode()
    assert "Release approved." not in after.content.decode()


def test_refusals_and_redirects_are_not_stored(two_localities, user_factory):
    manager = user_factory(role=Role.PRACTICE_MANAGER)
    client = signed_in(manager)
    assert [client.get(OVERVIEW).status_code for _ in range(2)] == [403, 403]
    assert not hit(client.get(OVERVIEW))
    anonymous = Client()
    assert [anonymous.get(OVERVIEW).status_code for _ in range(2)] == [302, 302]


def test_pages_that_did_not_ask_are_never_cached(two_localities, commissioner):
    client = signed_in(commissioner)
    assert not any(hit(client.get(reverse("funding:review-queue") + "x")) for _ in range(2))  # 404
    assert not any(hit(client.get(reverse("accounts:password-change"))) for _ in range(2))


@transactional
def test_an_expired_session_is_never_served_its_cached_page(two_localities, commissioner):
    client = signed_in(commissioner)
    client.get(OVERVIEW)
    assert hit(client.get(OVERVIEW))
    Session.objects.filter(session_key=client.cookies["sessionid"].value).update(
        expire_date=timezone.now() - datetime.timedelta(seconds=1)
    )

    response = client.get(OVERVIEW)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    assert not hit(response)


def test_a_page_is_served_only_to_a_signed_in_session(two_localities, commissioner, monkeypatch):
    client = signed_in(commissioner)
    client.get(OVERVIEW)
    assert hit(client.get(OVERVIEW))
    # Expiry writes nothing, so the key would stay: here the snapshot is held still while the session's user
    # is no longer signed in, and the page is refused rather than served.
    monkeypatch.setattr(pagecache, "snapshot", lambda: "held")
    client.get(OVERVIEW)
    assert hit(client.get(OVERVIEW))
    monkeypatch.setattr("django.contrib.auth.get_user", lambda request: AnonymousUser())
    response = client.get(OVERVIEW)
    assert response.status_code == 302
    assert not hit(response)


@transactional
def test_a_write_committed_by_another_connection_moves_the_page_on(two_localities, commissioner):
    client = signed_in(commissioner)
    client.get(OVERVIEW)
    assert hit(client.get(OVERVIEW))
    with connections["default"].cursor() as cursor:  # autocommit: committed at once, as another process would
        cursor.execute("UPDATE localities_locality SET name = 'Renamed' WHERE code = 'sbris'")

    page = client.get(OVERVIEW)
    assert not hit(page)
    assert "Renamed" in page.content.decode()


def test_inside_a_transaction_its_own_writes_move_the_page_on(client, two_localities, commissioner):
    client.force_login(commissioner)
    assert [hit(client.get(OVERVIEW)) for _ in range(2)] == [False, True]
    Locality.objects.filter(code="sbris").update(name="Renamed")
    page = client.get(OVERVIEW)
    assert not hit(page)
    assert "Renamed" in page.content.decode()
    assert hit(client.get(OVERVIEW))


def test_it_runs_after_sign_in_and_the_second_factor():
    middleware = settings.MIDDLEWARE
    cache = middleware.index("onecare.pagecache.PageCacheMiddleware")
    assert cache > middleware.index("django.contrib.auth.middleware.AuthenticationMiddleware")
    assert cache > middleware.index("onecare.security.middleware.RequireTwoFactorMiddleware")


@override_settings(PORTAL_REQUIRE_2FA=True)
def test_a_session_without_its_second_factor_never_reaches_a_cached_page(two_localities, user_factory, bristol):
    staff = user_factory(role=Role.COMMISSIONER, commissioner=bristol, is_staff=True)
    client = signed_in(staff)
    responses = [client.get(OVERVIEW) for _ in range(2)]
    assert [r.status_code for r in responses] == [302, 302]
    assert all(r["Location"].startswith(reverse("security:setup")) for r in responses)
    assert not any(hit(r) for r in responses)


def test_a_deactivated_user_is_not_served_the_page(two_localities, commissioner):
    client = signed_in(commissioner)
    client.get(OVERVIEW)
    assert hit(client.get(OVERVIEW))
    commissioner.is_active = False
    commissioner.save()
    response = client.get(OVERVIEW)
    assert response.status_code == 302
    assert not hit(response)


@pytest.mark.parametrize(
    "url", ["/localities/", "/localities/sbris/", "/funding/money/", "/funding/review/", "/admin/funding/release/"]
)
def test_each_heavy_page_is_served_from_the_cache_on_a_second_visit(two_localities, commissioner, url):
    client = signed_in(commissioner)
    first, second = client.get(url), client.get(url)
    assert (first.status_code, second.status_code) == (200, 200)
    assert (hit(first), hit(second)) == (False, True)


def test_a_changed_setting_empties_the_cache(two_localities, commissioner, settings):
    client = signed_in(commissioner)
    client.get(OVERVIEW)
    assert hit(client.get(OVERVIEW))
    settings.LOCALITY_MINIMUM_POPULATION = 123_456_789
    page = client.get(OVERVIEW)
    assert not hit(page)
    assert "123,456,789" in page.content.decode()
