"""Whole-page caching for the heavy read pages, after sign-in and two-factor, keyed by what the database can see.

Views opt in with `@cached_page`; `PageCacheMiddleware` does the work. It runs after authentication and
`RequireTwoFactorMiddleware`: a request it answers has passed both, and it answers only a signed-in,
active user (the session and the user are read on every request, hit or miss). A page is stored per
log-in session, per URL (host, path and query string), per day and per **database snapshot**:
PostgreSQL's `pg_current_snapshot()` (the transactions running, and the next transaction id) changes
whenever a transaction that writes anything starts or ends, in any table, by any process (a view, the
admin, a Celery task, an import's COPY). Two requests that read the same snapshot read the same
committed data. Inside a transaction (the test suite's per-test transactions, or any caller's atomic
block) the key also carries the rows that transaction has itself inserted, updated and deleted so far
(`pg_stat_xact_all_tables`), so its own uncommitted writes move the key too: the tests see cached pages,
and see them go when they write. A GET to these pages is a function of its URL, its session, the data,
the date and the settings; and with sessions kept in the database (the `db` and `cached_db` engines) a
session's contents are data too: signing in or out, a second factor, a changed password or role all
write. So a page stored under one key is the right answer to every later request with that key, and
nothing has to remember to clear the cache: a write moves every later request to new keys, and old
entries age out. The snapshot is read before the page is rendered, so a page never sits under a key
older than the data it was rendered from allows. An entry is served only to a request whose session is
still signed in (an expired session, which writes nothing, is signed out by the authentication before it).
Settings change only when the processes restart, which empties their caches; a test that overrides one
(override_settings, pytest-django's `settings`) empties it too.

Why it stays, and what it costs under writes (bench/pages.py measures both): rendered afresh, a page
costs 15 to 70 ms of one worker; 40% of a trivial view's throughput needs about 2 ms. A hit costs the
session and the user (as any signed-in request does), one small query and a look-up in the process's
memory; it skips the permission checks, the page's 6 to 20 queries and its template. Every transaction
that writes, anywhere, moves the key: a sign-in (it writes `last_login`, the session and django-axes'
log), an evidence save, autovacuum's ANALYZE. So each session renders each page afresh once after each
write, in each worker process; the benchmark's write mix (a sign-in and an evidence save every second)
shows what that leaves. A key that ignored the sign-in tables would need bookkeeping on every write
(triggers on every other table, or a version row each write would queue on); it is not done.

The page is rendered as usual (and not stored) when:
- the request is not a GET, or carries no session cookie, or nobody (active) is signed in on the session;
- the database is not PostgreSQL (the embedded SQLite default has no snapshot to key on), or the
  sessions are not kept in the database;
- a message is waiting to be shown, or the view leaves one (it belongs to one response);
- the response is not a plain 200 (redirects, refusals, files) or sets a cookie other than CSRF's.

The CSRF tokens in a page are per request: they are stored as a placeholder and filled in with the
requester's own token when the page is served.
"""

import hashlib
import re

from django.conf import settings
from django.core.cache import caches
from django.core.signals import setting_changed
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.utils.cache import patch_vary_headers

CSRF_INPUT = re.compile(rb'(name="csrfmiddlewaretoken" value=")[A-Za-z0-9]{32,64}(")')
PLACEHOLDER = b"__PORTAL_CSRF_TOKEN__"
DROPPED_HEADERS = {"content-length", "set-cookie"}
DATABASE_SESSIONS = ("django.contrib.sessions.backends.db", "django.contrib.sessions.backends.cached_db")


def forget_pages(**kwargs) -> None:
    """A changed setting (only tests change them while running: override_settings) may change every page."""
    caches[settings.PORTAL_PAGE_CACHE_ALIAS].clear()


setting_changed.connect(forget_pages, dispatch_uid="onecare.pagecache.forget_pages")


def cached_page(view):
    """Mark a view whose GET pages PageCacheMiddleware may store and serve again."""
    view.page_cache = True
    return view


def enabled() -> bool:
    return (
        settings.PORTAL_PAGE_CACHE
        and connection.vendor == "postgresql"
        and settings.SESSION_ENGINE in DATABASE_SESSIONS  # a session changes only by writing to the database
    )


# The rows the current transaction has written so far, in every table: counts that only grow.
OWN_WRITES = "SELECT coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0) FROM pg_stat_xact_all_tables"


def snapshot() -> str:
    """The committed data a request can see; inside a transaction, with what it has written itself."""
    with connection.cursor() as cursor:
        if connection.in_atomic_block:
            cursor.execute(f"SELECT pg_current_snapshot()::text || ' ' || ({OWN_WRITES})::text")
        else:
            cursor.execute("SELECT pg_current_snapshot()::text")
        return cursor.fetchone()[0]


def marked(request: HttpRequest) -> bool:
    try:
        match = resolve(request.path_info, getattr(request, "urlconf", None))
    except Resolver404:
        return False
    return getattr(match.func, "page_cache", False)


def session_cookie(request: HttpRequest) -> str:
    return request.COOKIES.get(settings.SESSION_COOKIE_NAME, "")


def cacheable(request: HttpRequest) -> bool:
    return (
        request.method == "GET"
        and enabled()
        and bool(session_cookie(request))
        and marked(request)
        and not len(getattr(request, "_messages", ()))
        and request.user.is_authenticated
        and request.user.is_active
    )


def page_key(request: HttpRequest) -> str:
    """Everything the page depends on; the snapshot is read here, before the page is rendered."""
    parts = [
        request.get_host(),
        request.get_full_path(),
        session_cookie(request),
        timezone.localdate().isoformat(),
        snapshot(),
    ]
    return "page:" + hashlib.sha256("\n".join(parts).encode()).hexdigest()


def still_signed_in(request: HttpRequest) -> bool:
    """The session the page was rendered for is the one the request came with, and still signed in."""
    return request.session.session_key == session_cookie(request) and request.user.is_authenticated


def stored_from(request: HttpRequest, response: HttpResponse) -> dict | None:
    """What to keep of a freshly rendered response, or None when it must not be reused."""
    if response.status_code != 200 or response.streaming:
        return None
    if set(response.cookies) - {settings.CSRF_COOKIE_NAME}:  # the CSRF cookie is set afresh on every hit
        return None
    if len(getattr(request, "_messages", ())):  # the view left a message for the next page
        return None
    if hasattr(response, "render") and not response.is_rendered:
        response.render()
    return {
        "content": CSRF_INPUT.sub(rb"\1" + PLACEHOLDER + rb"\2", response.content),
        "headers": {name: value for name, value in response.items() if name.lower() not in DROPPED_HEADERS},
    }


def served_from(request: HttpRequest, stored: dict) -> HttpResponse:
    content = stored["content"]
    if PLACEHOLDER in content:
        content = content.replace(PLACEHOLDER, get_token(request).encode())
    response = HttpResponse(content)
    for name, value in stored["headers"].items():
        response[name] = value
    patch_vary_headers(response, ("Cookie",))  # as the session middleware does: the session was read
    response["X-Page-Cache"] = "hit"
    return response


class PageCacheMiddleware:
    """After the session, CSRF, authentication, message and two-factor middleware (RequireTwoFactorMiddleware)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not cacheable(request):
            return self.get_response(request)
        cache = caches[settings.PORTAL_PAGE_CACHE_ALIAS]
        key = page_key(request)
        stored = cache.get(key)
        if stored is not None:
            return served_from(request, stored)
        response = self.get_response(request)
        kept = stored_from(request, response)
        if kept is not None and still_signed_in(request):
            cache.set(key, kept, settings.PORTAL_PAGE_CACHE_SECONDS)
        return response
