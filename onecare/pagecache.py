"""Whole-page caching for the heavy read pages, after sign-in and two-factor, keyed by the data they can show.

Views opt in with `@cached_page`; `PageCacheMiddleware` does the work. It runs after authentication and
`RequireTwoFactorMiddleware`: a request it answers has passed both, and it answers only a signed-in,
active user (the session and the user are read on every request, hit or miss). A page is stored per
log-in session (its cookie and its loaded contents), per URL (host, path and query string), per day and
per **data version** (onecare/dataversion.py): a PostgreSQL sequence that a trigger on every table moves
after each statement that writes, whoever runs it (a view, the admin, a Celery task, an import's COPY, a
TRUNCATE), except the tables and columns that only signing in writes and no page shows (the sessions,
django-axes' records, a user's `last_login`, a TOTP device's counters). A GET to these pages is a function
of its URL, its session, the data, the date and the settings. The session's part is in the key as its
contents: signing in or out, the second factor, a changed password (its hash is in the session) each give
new keys; a changed role, a deactivated account or any other change to a user writes the user's tables and
moves the version. So a page stored under one key is the right answer to every later request with that key,
and nothing has to remember to clear the cache: a write moves every later request to new keys, and old
entries age out.

The version is read before the page is rendered, and it is trusted only once every writer that has moved it
that far has committed: while one has not, the reader answers None and the page is rendered and not kept
(dataversion.py gives the argument: a lock that writers share until they commit). So a page never sits under
a key older than the committed data it was rendered from. Inside a transaction (the test suite's per-test
transactions, or any caller's atomic block) the transaction's own writes move the version too, and its own
lock does not stop it: the tests see cached pages, and see them go when they write.

The session is loaded on every request anyway, and its contents are hashed into the key (a session's change need not
be a write that moves the version). An entry is served only to a request whose session is still signed in: an expired
or deleted session is signed out by the authentication before the cache sees it. Settings change only when the
processes restart, which empties their caches; a test that overrides one (override_settings, pytest-django's
`settings`) empties it too.

Why it stays, and what it costs under writes (bench/pages.py measures both): rendered afresh, a page costs 15 to 70 ms
of one worker; 40% of a trivial view's throughput needs about 2 ms. A hit costs the session and the user (as any
signed-in request does: one statement reads the session, its user and the data version, onecare/accounts/sessions.py
and with_data_version) and a look-up in the process's memory; it skips the permission checks, the page's 6 to 15
queries and its template. A write statement pays a shared advisory lock and a `nextval`. Sign-ins, second factors and
sign-outs leave the pages where they are; a write of data (an evidence save, an approval, an import) moves every key,
and each session then renders each page afresh once, in each worker process; while that write's transaction is open no
page is kept at all (a long import turns the cache off until it commits). The benchmark's write mix (a sign-in and an
evidence save every second) shows what that leaves.

The page is rendered as usual (and not stored) when:
- the request is not a GET, or carries no session cookie, or nobody (active) is signed in on the session;
- the database is not PostgreSQL (the embedded SQLite default has no data version);
- a write is under way: a writer has moved the data version and not yet committed;
- a message is waiting to be shown, or the view leaves one (it belongs to one response);
- the response is not a plain 200 (redirects, refusals, files) or sets a cookie other than CSRF's.

The CSRF tokens in a page are per request: they are stored as a placeholder and filled in with the
requester's own token when the page is served.
"""

import hashlib
import json
import re
from functools import lru_cache

from django.conf import settings
from django.core.cache import caches
from django.core.signals import setting_changed
from django.db import DatabaseError, connection
from django.db.models import BigIntegerField, Func, QuerySet
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.utils.cache import patch_vary_headers

from onecare import dataversion

CSRF_INPUT = re.compile(rb'(name="csrfmiddlewaretoken" value=")[A-Za-z0-9]{32,64}(")')
PLACEHOLDER = b"__PORTAL_CSRF_TOKEN__"
DROPPED_HEADERS = {"content-length", "set-cookie"}


def forget_pages(**kwargs) -> None:
    """A changed setting (only tests change them while running: override_settings) may change every page, and a
    changed URLconf which views are marked."""
    caches[settings.PORTAL_PAGE_CACHE_ALIAS].clear()
    marked_path.cache_clear()


setting_changed.connect(forget_pages, dispatch_uid="onecare.pagecache.forget_pages")


def cached_page(view):
    """Mark a view whose GET pages PageCacheMiddleware may store and serve again."""
    view.page_cache = True
    return view


def enabled() -> bool:
    return settings.PORTAL_PAGE_CACHE and connection.vendor == "postgresql"


VERSION_ATTRIBUTE = "page_cache_data_version"
UNREAD = object()


def with_data_version(users: QuerySet) -> QuerySet:
    """The signed-in user's query, reading the data version in the same statement (the session's statement,
    onecare/accounts/sessions.py, or the backend's own, onecare/accounts/backends.py): a request for a cached page then
    asks the database once before it is served. The user is loaded before any view runs, so the version is read before
    the page is rendered, as it must be."""
    return users.annotate(**{VERSION_ATTRIBUTE: Func(function=dataversion.CURRENT, output_field=BigIntegerField())})


def data_version(request: HttpRequest) -> int | None:
    """The data version (onecare/dataversion.py), read before the page is rendered; None while a writer that has
    moved it has not committed: then the page is rendered and not kept. Read with the user where the user's
    backend did (with_data_version), else now."""
    version = getattr(request.user, VERSION_ATTRIBUTE, UNREAD)
    if version is not UNREAD:
        return version
    try:
        return dataversion.current()
    except DatabaseError:
        forget_failed_read()
        raise


def forget_failed_read() -> None:
    """The reader holds a session-level lock for an instant: if it failed half-way (a cancel, a timeout), the lock
    might stay taken and hold every writer up. Closing the connection ends that, whatever happened."""
    if not connection.in_atomic_block:
        connection.close()


def marked(request: HttpRequest) -> bool:
    return marked_path(request.path_info, getattr(request, "urlconf", None))


@lru_cache(maxsize=4096)
def marked_path(path: str, urlconf: str | None) -> bool:
    """Whether the view at a path is marked; the URLconf is fixed while a process runs (and cleared with it)."""
    try:
        match = resolve(path, urlconf)
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


def session_contents(request: HttpRequest) -> str:
    """The loaded session, as the page's key sees it: who is signed in, the second factor, the password's hash."""
    return json.dumps(dict(request.session.items()), sort_keys=True, default=str)


def page_key(request: HttpRequest, version: int) -> str:
    """Everything the page depends on; the version is read before the page is rendered."""
    parts = [
        request.get_host(),
        request.get_full_path(),
        session_cookie(request),
        session_contents(request),
        timezone.localdate().isoformat(),
        str(version),
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
        version = data_version(request)
        if version is None:  # a write is under way: what is rendered now may be out of date before it is kept
            return self.get_response(request)
        cache = caches[settings.PORTAL_PAGE_CACHE_ALIAS]
        key = page_key(request, version)
        stored = cache.get(key)
        if stored is not None:
            return served_from(request, stored)
        response = self.get_response(request)
        kept = stored_from(request, response)
        if kept is not None and still_signed_in(request):
            cache.set(key, kept, settings.PORTAL_PAGE_CACHE_SECONDS)
        return response
