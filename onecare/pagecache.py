"""Whole-page caching for the heavy read pages, keyed by what the database can see.

Views opt in with `@cached_page`; `PageCacheMiddleware` does the work. A page is stored per log-in
session, per URL (host, path and query string), per day and per **database snapshot**:
PostgreSQL's `pg_current_snapshot()` (the transactions running, and the next transaction id) changes
whenever a transaction that writes anything starts or ends, in any table, by any process (a view, the
admin, a Celery task, an import's COPY). Two requests that read the same snapshot read the same
committed data. A GET to these pages is a function of its URL, its session, the data, the date and
the settings; and with sessions kept in the database (the `db` and `cached_db` engines) a session's
contents are data too: signing in or out, a second factor, a changed password or role all write. So a
page stored under one key is the right answer to every later request with that key, and nothing has to
remember to clear the cache: a write moves every later request to new keys, and old entries age out.
The snapshot is read before the page is rendered, so a page never sits under a key older than the
data it was rendered from allows. An entry never outlives its session (expiry writes nothing).

A hit costs one small query and a look-up in the process's memory: it skips the session, the user,
the permission checks, the page's 6 to 18 queries and its template.

The page is rendered as usual (and not stored) when:
- the request is not a GET, or carries no session cookie, or nobody is signed in on the session;
- the database is not PostgreSQL (the embedded SQLite default has no snapshot to key on), or the
  sessions are not kept in the database;
- the request runs inside a transaction (its own uncommitted writes would not move the snapshot),
  which is also how the test suite's per-test transactions see every page rendered afresh;
- a message is waiting to be shown, or the view leaves one (it belongs to one response);
- the response is not a plain 200 (redirects, refusals, files) or sets a cookie other than CSRF's.

The CSRF tokens in a page are per request: they are stored as a placeholder and filled in with the
requester's own token when the page is served.
"""

import hashlib
import re

from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.cache import caches
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


def snapshot() -> str:
    with connection.cursor() as cursor:
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
        and not connection.in_atomic_block
        and not len(getattr(request, "_messages", ()))
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


def lifetime(request: HttpRequest) -> int:
    """Seconds to keep a page rendered for this request: 0 unless a signed-in session asked for it, and
    never beyond that session's end (expiry writes nothing, so no snapshot would move)."""
    session = request.session
    if session.get("_auth_user_id") is None or session.session_key != session_cookie(request):
        return 0
    expires = Session.objects.filter(session_key=session.session_key).values_list("expire_date", flat=True).first()
    if expires is None:
        return 0
    return max(0, min(settings.PORTAL_PAGE_CACHE_SECONDS, int((expires - timezone.now()).total_seconds())))


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
    patch_vary_headers(response, ("Cookie",))  # as the session middleware would, had the session been read
    response["X-Page-Cache"] = "hit"
    return response


class PageCacheMiddleware:
    """After the session, CSRF, authentication and message middleware; before anything that reads the user."""

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
        seconds = lifetime(request) if kept is not None else 0
        if seconds:
            cache.set(key, kept, seconds)
        return response
