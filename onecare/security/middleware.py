"""Sends staff who have signed in with a password but not yet with their authenticator to prove it.

Runs after django-otp's OTPMiddleware (which sets request.user.is_verified()); a sign-in with NHSmail counts as
verified where PORTAL_OIDC_COUNTS_AS_2FA says so (twofactor.provider_counts_as_two_factor). Until verified,
such a user reaches only the two-factor pages, log-out and static files; everything else,
the Django admin included, redirects to setting up a device or to entering a code.
"""

from functools import cache
from urllib.parse import urlencode

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse

from .twofactor import confirmed_device, provider_counts_as_two_factor, requires_two_factor, two_factor_enforced

# Signing in again with NHSmail is open too: it starts a new sign-in, which replaces the half-finished one.
OPEN_URL_NAMES = ("security:setup", "security:verify", "accounts:logout", "oidc:authenticate", "oidc:callback")


class RequireTwoFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if self.must_verify(request) and not self.is_open(request.path_info):
            target = "security:verify" if confirmed_device(request.user) else "security:setup"
            url = reverse(target)
            if request.method == "GET":
                url += "?" + urlencode({"next": request.get_full_path()})
            return redirect(url)
        return self.get_response(request)

    @staticmethod
    def must_verify(request) -> bool:
        if not two_factor_enforced():
            return False
        user = request.user
        if user.is_authenticated and provider_counts_as_two_factor(request):
            # django-otp's is_verified() asks for a device proven in this session; an NHSmail sign-in is the proof.
            user.is_verified = lambda: True
        return requires_two_factor(user) and not user.is_verified()

    @staticmethod
    def is_open(path: str) -> bool:
        if path.startswith(settings.STATIC_URL):
            return True
        return path in open_paths()


@cache
def open_paths() -> frozenset[str]:
    return frozenset(reverse(name) for name in OPEN_URL_NAMES)
