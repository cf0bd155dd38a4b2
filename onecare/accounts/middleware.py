"""Django's AuthenticationMiddleware, letting the backend take the user the session's statement read.

Django's get_user(request) reads the session and then asks the session's backend for the user the session names, by
id. The session engine (onecare/accounts/sessions.py) has read that user already, with the session; while get_user runs,
the backend (onecare/accounts/backends.py) can see the session being read, and takes its user when it is the one asked
for. Nothing else changes: the same checks (the backend, the password's hash in the session), the same lazy user.
"""

from django.contrib import auth
from django.contrib.auth import middleware
from django.utils.functional import SimpleLazyObject

from onecare.accounts.backends import reading_user_of


def get_user(request):
    if not hasattr(request, "_cached_user"):  # as Django's: once a request
        with reading_user_of(request.session):
            request._cached_user = auth.get_user(request)
    return request._cached_user


class AuthenticationMiddleware(middleware.AuthenticationMiddleware):
    def process_request(self, request):
        super().process_request(request)
        request.user = SimpleLazyObject(lambda: get_user(request))
