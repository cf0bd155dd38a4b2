"""The page cache (onecare/pagecache.py): a page comes from the cache only while nothing it could show has changed.

Most of these tests run in the suite's usual per-test transaction, where the test's own writes move the key
(as they do for every other test that reads a page twice); those marked `transactional` commit, as
production does, where the writes of others move it.
"""

import datetime
import re
import threading
import time

import psycopg
import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser, update_last_login
from django.contrib.messages import constants
from django.contrib.messages.storage.base import Message
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.management.sql import emit_post_migrate_signal
from django.db import connection, connections
from django.http import HttpRequest
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from funding.transitions import evidence_save_draft
from localities.models import ListSizeSnapshot, Locality
from onecare import dataversion, pagecache
from onecare.accounts.models import Session
from onecare.accounts.roles import Role
from onecare.security.twofactor import NHSMAIL_BACKEND
from tests.funding.factories import ItemFactory, PhaseFactory
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


def tables_read(queries) -> list[tuple[str, bool]]:
    """Each query's table, and whether it reads the data version."""
    return [
        (re.search(r'FROM "(\w+)"', q["sql"]).group(1), "portal_data_version_current()" in q["sql"])
        for q in queries.captured_queries
    ]


@transactional
def test_the_second_visit_is_served_from_the_cache_after_the_sign_in_is_checked(two_localities, commissioner):
    client = signed_in(commissioner)
    first = client.get(OVERVIEW)
    with CaptureQueriesContext(connection) as queries:
        second = client.get(OVERVIEW)

    assert first.status_code == second.status_code == 200
    assert not hit(first) and hit(second)
    # The session, its user and the data version, as for any signed-in request, in one statement: not the page's own
    # queries.
    assert tables_read(queries) == [("accounts_session", True)]
    assert TOKEN.sub("", second.content.decode()) == TOKEN.sub("", first.content.decode())
    assert second["Content-Type"] == "text/html; charset=utf-8"
    assert second["X-Frame-Options"] == "DENY"
    assert "Cookie" in second["Vary"]


def test_a_session_signed_in_with_nhsmail_reads_its_user_with_the_session_too(two_localities, commissioner):
    client = Client()
    client.force_login(commissioner, backend=NHSMAIL_BACKEND)
    client.get(OVERVIEW)
    with CaptureQueriesContext(connection) as queries:
        second = client.get(OVERVIEW)
    assert hit(second)
    assert tables_read(queries) == [("accounts_session", True)]


def test_a_user_read_without_the_data_version_has_it_read_on_its_own(two_localities, commissioner):
    request = HttpRequest()
    request.user = commissioner  # as a backend that does not read it would leave it
    with CaptureQueriesContext(connection) as queries:
        version = pagecache.data_version(request)
    assert version == dataversion.current()
    assert [q["sql"] for q in queries.captured_queries] == ["SELECT portal_data_version_current()"]


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
    # Expiry writes nothing, so the key would stay: here the data version is held still while the session's user
    # is no longer signed in, and the page is refused rather than served.
    monkeypatch.setattr(pagecache, "data_version", lambda request: 1)
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
    assert cache > middleware.index("onecare.accounts.middleware.AuthenticationMiddleware")
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


# --- the data version (onecare/dataversion.py): what moves the key, and what does not -----------------------


def code_for(device: TOTPDevice) -> str:
    return f"{TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token():06d}"


def another_connection() -> psycopg.Connection:
    """A connection of its own to the test database, as another process would have: its transactions are its own."""
    params = connection.get_connection_params()
    keys = ("dbname", "user", "password", "host", "port")
    return psycopg.connect(**{key: params[key] for key in keys if params.get(key)})


@transactional
def test_a_sign_in_elsewhere_does_not_move_the_page_on(two_localities, commissioner, user_factory, settings):
    """A sign-in, with django-axes' logs, a failed attempt first, the second factor and a sign-out, as deployed:
    every one of them writes, and none writes anything a page shows."""
    settings.AXES_ENABLED = True
    settings.PORTAL_REQUIRE_2FA = True
    other = user_factory(role=Role.DATA_ADMIN)
    device = TOTPDevice.objects.create(user=other, name="app", confirmed=True)
    own_device = TOTPDevice.objects.create(user=commissioner, name="app", confirmed=True)
    client = Client()
    client.force_login(commissioner)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = own_device.persistent_id
    session.save()
    assert [hit(client.get(OVERVIEW)) for _ in range(2)] == [False, True]
    history = other.history.count()

    elsewhere = Client()
    refused = elsewhere.post(reverse("accounts:login"), {"username": other.username, "password": "not it"})
    assert refused.status_code == 200
    signed = elsewhere.post(reverse("accounts:login"), {"username": other.username, "password": PASSWORD})
    assert signed.status_code == 302
    assert elsewhere.post(reverse("security:verify"), {"token": code_for(device)}).status_code == 302
    assert elsewhere.get("/admin/").status_code == 200  # signed in, past the second factor
    elsewhere.post(reverse("accounts:logout"))

    assert hit(client.get(OVERVIEW))
    other.refresh_from_db()
    assert other.last_login is not None
    assert other.history.count() == history  # last_login alone makes no history row


@transactional
def test_a_read_api_request_elsewhere_does_not_move_the_page_on(two_localities, commissioner):
    """The read API records each use of a token (a row, and the token's last use): bookkeeping no page shows, so a
    finance tool polling the API does not empty every page cache; making a token does move it."""
    from api.models import TokenUse
    from api.tokens import token_create

    _, secret = token_create(commissioner, "Ledger", 30)
    client = signed_in(commissioner)
    assert [hit(client.get(OVERVIEW)) for _ in range(2)] == [False, True]

    answered = Client().get("/api/v1/localities/", headers={"Authorization": f"Bearer {secret}"})
    assert answered.status_code == 200
    assert TokenUse.objects.count() == 1

    assert hit(client.get(OVERVIEW))
    token_create(commissioner, "Reports", 30)
    assert not hit(client.get(OVERVIEW))


def test_an_evidence_save_moves_the_page_on(two_localities, commissioner, user_factory):
    south_bristol, _ = two_localities
    phase = PhaseFactory(number=1, title="Locality vehicle established", deadline=datetime.date(2017, 12, 31))
    item = ItemFactory(phase=phase, number="1.1", position=1)
    lead = user_factory(role=Role.LOCALITY_LEAD, locality=south_bristol)
    client = signed_in(commissioner)
    page = f"/localities/{south_bristol.code}/"
    assert [hit(client.get(page)) for _ in range(2)] == [False, True]

    evidence_save_draft(south_bristol, item, actor=lead, statement="Our vehicle's terms of reference.")

    assert not hit(client.get(page))
    assert hit(client.get(page))


@transactional
def test_a_copy_committed_elsewhere_moves_the_page_on(two_localities, commissioner):
    client = signed_in(commissioner)
    assert "123,456" not in client.get("/localities/sbris/").content.decode()
    assert hit(client.get("/localities/sbris/"))
    practices = ListSizeSnapshot.objects.filter(practice__memberships__locality__code="sbris").values_list(
        "practice_id", flat=True
    )

    with another_connection() as other, other.cursor() as cursor:
        columns = "practice_id, extract_date, registered_patients, source_kind, source, created_at"
        with cursor.copy(f"COPY localities_listsizesnapshot ({columns}) FROM STDIN") as copy:
            for practice in practices:
                copy.write_row((practice, datetime.date(2018, 2, 1), 61_728, "nhs_payments", "", timezone.now()))

    page = client.get("/localities/sbris/")
    assert not hit(page)
    assert "123,456" in page.content.decode()


@transactional
def test_a_truncate_committed_elsewhere_moves_the_page_on(two_localities, commissioner):
    client = signed_in(commissioner)
    assert "105,000" in client.get("/localities/sbris/").content.decode()
    assert hit(client.get("/localities/sbris/"))

    with another_connection() as other:
        other.execute("TRUNCATE localities_listsizesnapshot CASCADE")

    page = client.get("/localities/sbris/")
    assert not hit(page)
    assert "105,000" not in page.content.decode()


@transactional
def test_a_writer_that_has_not_committed_keeps_every_page_from_being_stored(two_localities, commissioner):
    client = signed_in(commissioner)
    assert [hit(client.get(OVERVIEW)) for _ in range(2)] == [False, True]

    with another_connection() as writer:
        writer.execute("UPDATE localities_locality SET name = 'Renamed' WHERE code = 'sbris'")
        # Written and not committed: what is rendered now may be out of date before it is served again.
        pages = [client.get(OVERVIEW) for _ in range(2)]
        assert not any(hit(page) for page in pages)
        assert not any("Renamed" in page.content.decode() for page in pages)
        writer.commit()

    page = client.get(OVERVIEW)
    assert not hit(page)
    assert "Renamed" in page.content.decode()
    assert hit(client.get(OVERVIEW))


@transactional
def test_the_data_version_is_unknown_until_every_writer_that_moved_it_has_committed(two_localities):
    before = dataversion.current()
    with another_connection() as writer, another_connection() as second:
        writer.execute("UPDATE localities_locality SET name = 'Renamed' WHERE code = 'sbris'")
        second.execute("UPDATE localities_locality SET name = 'Also renamed' WHERE code = 'wood'")
        assert dataversion.current() is None
        second.commit()
        assert dataversion.current() is None  # the first has still not committed
        writer.commit()
        after = dataversion.current()
        assert after > before
        assert dataversion.current() == after  # nothing written since

        writer.execute("SELECT name FROM localities_locality")  # reading moves nothing
        assert dataversion.current() == after
        writer.rollback()
        # A writer counts from the lock it takes before its bump: holding the lock alone is enough.
        writer.execute("SELECT pg_advisory_xact_lock_shared(%s)", [dataversion.LOCK_KEY])
        assert dataversion.current() is None
        writer.rollback()
        assert dataversion.current() == after


@transactional
def test_a_version_read_while_a_writer_commits_is_the_one_after_all_its_statements(two_localities):
    """A writer's transaction moves the version once a statement; a reader that meets it and tries again a moment later
    must answer the version after all of them, as every later reader does, not one from half-way through (a version
    no later reader gives: its pages would be rendered again under the next). Each transaction here writes two
    statements, so every answer is the first version plus an even number."""
    first = dataversion.current()
    stop = threading.Event()

    def write():
        with another_connection() as writer:
            while not stop.is_set():
                writer.execute("UPDATE localities_locality SET name = name WHERE code = 'sbris'")
                writer.execute("UPDATE localities_locality SET name = name WHERE code = 'wood'")
                writer.commit()

    writing = threading.Thread(target=write)
    writing.start()
    answers = []
    try:
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline:
            answers.append(dataversion.current())
    finally:
        stop.set()
        writing.join()
    seen = [answer for answer in answers if answer is not None]
    assert len(seen) > 10  # the reader did meet the writer's commits
    assert [answer for answer in seen if (answer - first) % 2] == []


@pytest.mark.parametrize("engine", ["django.contrib.sessions.backends.db", "django.contrib.sessions.backends.cache"])
def test_a_changed_session_gets_pages_of_its_own(two_localities, commissioner, settings, engine):
    """The second factor is in the session only: its contents are in the key, wherever sessions are kept."""
    settings.SESSION_ENGINE = engine
    device = TOTPDevice.objects.create(user=commissioner, name="app", confirmed=True)
    client = signed_in(commissioner)
    assert [hit(client.get(OVERVIEW)) for _ in range(2)] == [False, True]

    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()

    assert [hit(client.get(OVERVIEW)) for _ in range(2)] == [False, True]


def test_signing_in_writes_nothing_that_moves_the_data_version(commissioner):
    device = TOTPDevice.objects.create(user=commissioner, name="app", confirmed=True)
    before = dataversion.current()

    update_last_login(None, commissioner)
    assert device.verify_token(code_for(device))  # django-otp saves the whole row, counters and all
    Session.objects.create(session_key="x" * 32, session_data="", expire_date=timezone.now())
    assert dataversion.current() == before

    device.name = "Work phone"
    device.save()
    assert dataversion.current() > before
    before = dataversion.current()
    commissioner.first_name = "Ada"
    commissioner.save(update_fields=["first_name"])
    assert dataversion.current() > before


def test_every_table_moves_the_data_version_but_the_sign_in_bookkeeping():
    tables = dataversion.installed_on()
    exempt = {
        "django_session",
        "accounts_session",
        "axes_accessattempt",
        "axes_accessattemptexpiration",
        "axes_accessfailurelog",
        "axes_accesslog",
        "api_tokenuse",
    }
    assert set(dataversion.exempt_table_names()) == exempt
    assert dataversion.exempt_column_names() == {
        "accounts_user": ("last_login",),
        "api_accesstoken": ("last_used_at",),
        "otp_totp_totpdevice": (
            "last_t",
            "drift",
            "throttling_failure_timestamp",
            "throttling_failure_count",
            "last_used_at",
        ),
    }
    assert len(tables) > 50 and {"localities_locality", "accounts_historicaluser", "django_migrations"} <= set(tables)
    assert [table for table, triggers in tables.items() if not triggers and table not in exempt] == []
    assert [table for table in exempt if tables.get(table)] == []
    assert len(tables["otp_totp_totpdevice"]) == 2  # every statement but UPDATE, and UPDATE row by row
    assert dataversion.install() == []  # in place: nothing to do


def test_a_table_made_after_the_migrations_gets_its_trigger_from_the_post_migrate_hook():
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE pagecache_later (id integer)")
        emit_post_migrate_signal(verbosity=0, interactive=False, db="default")
        assert len(dataversion.installed_on()["pagecache_later"]) == 1
        before = dataversion.current()
        cursor.execute("INSERT INTO pagecache_later VALUES (1)")
        assert dataversion.current() > before


def test_the_installer_puts_back_what_is_missing_or_changed_and_takes_off_what_should_not_be_there():
    tables = dataversion.installed_on()
    with connection.cursor() as cursor:
        (locality_trigger,) = tables["localities_locality"]
        cursor.execute(f'DROP TRIGGER "{locality_trigger}" ON localities_locality')
        cursor.execute(  # an old definition, and one on a table that is exempt
            "CREATE TRIGGER portal_data_version_0000000000 AFTER INSERT ON localities_practice "
            "FOR EACH STATEMENT EXECUTE FUNCTION portal_data_version_bump()"
        )
        cursor.execute(
            "CREATE TRIGGER portal_data_version_0000000000 AFTER INSERT ON django_session "
            "FOR EACH STATEMENT EXECUTE FUNCTION portal_data_version_bump()"
        )
        cursor.execute("ALTER SEQUENCE portal_data_version CACHE 20")

        assert len(dataversion.install()) == 8  # the sequence and functions (4), two drops, one trigger, the bump
        assert dataversion.installed_on() == tables
        cursor.execute("SELECT seqcache FROM pg_sequence WHERE seqrelid = 'portal_data_version'::regclass")
        assert cursor.fetchone() == (1,)
