"""The page cache (onecare/pagecache.py): a page comes from the cache only while nothing it could show has changed.

These tests commit (transaction=True), as production does: inside the suite's usual per-test transaction
the cache stands aside, which the last test shows.
"""

import datetime
import re

import pytest
from django.contrib.messages import constants
from django.contrib.messages.storage.base import Message
from django.contrib.messages.storage.cookie import CookieStorage
from django.contrib.sessions.models import Session
from django.db import connection
from django.http import HttpRequest
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from localities.models import ListSizeSnapshot, Locality
from onecare import pagecache
from onecare.accounts.roles import Role
from tests.onecare.factories import PASSWORD

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
OVERVIEW = "/localities/"
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


@transactional
def test_the_second_visit_is_served_from_the_cache_with_one_query(two_localities, commissioner):
    client = signed_in(commissioner)
    first = client.get(OVERVIEW)
    with CaptureQueriesContext(connection) as queries:
        second = client.get(OVERVIEW)

    assert first.status_code == second.status_code == 200
    assert not hit(first) and hit(second)
    assert [q["sql"] for q in queries.captured_queries] == ["SELECT pg_current_snapshot()::text"]
    assert TOKEN.sub("", second.content.decode()) == TOKEN.sub("", first.content.decode())
    assert second["Content-Type"] == "text/html; charset=utf-8"
    assert second["X-Frame-Options"] == "DENY"
    assert "Cookie" in second["Vary"]


@transactional
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


@transactional
def test_a_bulk_write_that_sends_no_signal_moves_it_too(two_localities, commissioner):
    client = signed_in(commissioner)
    before = client.get("/localities/sbris/").content.decode()
    assert "123,456" not in before

    ListSizeSnapshot.objects.filter(practice__memberships__locality__code="sbris").update(registered_patients=61_728)

    page = client.get("/localities/sbris/")
    assert not hit(page)
    assert "123,456" in page.content.decode()


@transactional
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


@transactional
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


@transactional
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


@transactional
def test_a_waiting_message_is_shown_once_and_never_cached(two_localities, commissioner):
    client = signed_in(commissioner)
    client.get(OVERVIEW)
    client.cookies["messages"] = CookieStorage(HttpRequest())._encode([Message(constants.SUCCESS, "Release approved.")])

    with_message = client.get(OVERVIEW)
    after = client.get(OVERVIEW)

    assert not hit(with_message)
    assert "Release approved." in with_message.content.decode()
    assert "Release approved." not in after.content.decode()


@transactional
def test_refusals_and_redirects_are_not_stored(two_localities, user_factory):
    manager = user_factory(role=Role.PRACTICE_MANAGER)
    client = signed_in(manager)
    assert [client.get(OVERVIEW).status_code for _ in range(2)] == [403, 403]
    assert not hit(client.get(OVERVIEW))
    anonymous = Client()
    assert [anonymous.get(OVERVIEW).status_code for _ in range(2)] == [302, 302]


@transactional
def test_pages_that_did_not_ask_are_never_cached(two_localities, commissioner):
    client = signed_in(commissioner)
    assert not any(hit(client.get(reverse("funding:review-queue") + "x")) for _ in range(2))  # 404
    assert not any(hit(client.get(reverse("accounts:password-change"))) for _ in range(2))


@transactional
def test_an_entry_never_outlives_its_session(two_localities, commissioner):
    client = signed_in(commissioner)
    key = client.cookies["sessionid"].value
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() + datetime.timedelta(seconds=42))
    request = HttpRequest()
    request.COOKIES["sessionid"] = key
    request.session = client.session

    assert 40 <= pagecache.lifetime(request) <= 42
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() + datetime.timedelta(days=1))
    assert pagecache.lifetime(request) == 600


def test_inside_a_transaction_every_page_is_rendered_afresh(client, two_localities, commissioner):
    client.force_login(commissioner)
    assert not any(hit(client.get(OVERVIEW)) for _ in range(2))
    Locality.objects.filter(code="sbris").update(name="Renamed")
    assert "Renamed" in client.get(OVERVIEW).content.decode()


@transactional
@pytest.mark.parametrize(
    "url", ["/localities/", "/localities/sbris/", "/funding/money/", "/funding/review/", "/admin/funding/release/"]
)
def test_each_heavy_page_is_served_from_the_cache_on_a_second_visit(two_localities, commissioner, url):
    client = signed_in(commissioner)
    first, second = client.get(url), client.get(url)
    assert (first.status_code, second.status_code) == (200, 200)
    assert (hit(first), hit(second)) == (False, True)
