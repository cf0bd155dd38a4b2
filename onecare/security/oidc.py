"""Sign in with NHSmail: OpenID Connect (authorisation code flow with PKCE) against NHSmail's Entra ID tenant.

Built on mozilla-django-oidc, which provides the flow: state, nonce and PKCE (S256) kept in the session, the code
exchanged at the token endpoint, the ID token's RS256 signature checked with the key the provider's JWKS publishes
under the token's kid. Its check of the token itself stops at the signature and the nonce: it decodes with
`verify_aud` off, passes no issuer, and requires no claim (an ID token without `exp` would pass). So the ID token is
checked here again, in full: the signature (RS256 only), the issuer (exactly the configured one), the audience
(this client; with several audiences `azp` must be this client), `exp`/`iat` present and in date within a small
clock skew, `sub` present, and the nonce equal to the one this sign-in sent.

The account is the existing portal user whose e-mail matches the token's `email` (or, without one, its
`preferred_username`, which is the NHSmail address in Entra ID), compared without case. Nobody is created and
nothing in the token changes the account: its role stays what the portal gave it. Every refusal is a page that says
why (`refusal`), never a server error.

The endpoints come from the issuer's /.well-known/openid-configuration, fetched at first use and kept for the
process's life; or all three of authorisation, token and JWKS are given in the environment.
"""

import hmac
import logging
import threading
from dataclasses import dataclass, replace

import jwt
import requests
from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib import auth
from django.contrib.auth import get_user_model
from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render, resolve_url
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.cache import never_cache
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from onecare.accounts.backends import AccountBackend
from onecare.accounts.nhsmail import END_SESSION_URL_KEY, nhsmail_configured

from .twofactor import NHSMAIL_BACKEND

logger = logging.getLogger(__name__)

BACKEND_PATH = NHSMAIL_BACKEND
ALGORITHM = "RS256"
REQUIRED_CLAIMS = ["iss", "sub", "aud", "exp", "iat", "nonce"]

# The reasons a sign-in is refused: (HTTP status, what the page says).
REFUSALS = {
    "not-configured": (404, "Signing in with NHSmail is not set up for this portal. Sign in with your password."),
    "state": (
        400,
        "This sign-in could not be matched to one this browser started: it may have been started in another "
        "window, taken too long, or been changed on the way. Start again.",
    ),
    "provider-error": (403, "NHSmail did not sign you in. Start again, or sign in with your password."),
    "unavailable": (
        503,
        "NHSmail could not be reached, or did not answer as expected. Try again in a few minutes, "
        "or sign in with your password.",
    ),
    "unverified": (
        403,
        "NHSmail's answer could not be verified, so you have not been signed in. Start again; if it keeps "
        "happening, tell your data admin.",
    ),
    "wrong-issuer": (403, "The sign-in answer did not come from NHSmail, so you have not been signed in."),
    "wrong-audience": (
        403,
        "The sign-in answer was meant for another service, not this portal, so you have not been signed in.",
    ),
    "expired": (
        403,
        "The sign-in answer from NHSmail had expired, so you have not been signed in. Start again; if it keeps "
        "happening, the clock of this computer or of the portal may be wrong.",
    ),
    "no-email": (403, "NHSmail did not say which e-mail address you signed in with, so you have not been signed in."),
    "no-account": (
        403,
        "There is no portal account for this NHSmail address. Ask your data admin to set one up with this address.",
    ),
    "inactive": (403, "Your portal account has been switched off. Ask your data admin if you still need it."),
    "locked": (
        429,
        "Your portal account is locked after too many failed sign-ins, so it cannot be signed in to for a while, "
        "with NHSmail or with a password.",
    ),
    "ambiguous": (
        403,
        "More than one portal account has this NHSmail address, so the portal cannot tell which is yours. "
        "Ask your data admin to correct the accounts.",
    ),
}


class SignInRefused(Exception):  # noqa: N818  (a refusal, not an error of the portal)
    def __init__(self, reason: str, detail: str = "", email: str = ""):
        assert reason in REFUSALS, reason
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail
        self.email = email


@dataclass(frozen=True)
class ProviderEndpoints:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    end_session_endpoint: str = ""


_discovered: dict[str, ProviderEndpoints] = {}
_discovery_lock = threading.Lock()


def endpoints() -> ProviderEndpoints:
    """The provider's endpoints: from the environment when all three are given, else its discovery document."""
    issuer = settings.PORTAL_OIDC_ISSUER
    given = (
        settings.PORTAL_OIDC_AUTHORIZATION_ENDPOINT,
        settings.PORTAL_OIDC_TOKEN_ENDPOINT,
        settings.PORTAL_OIDC_JWKS_URI,
    )
    if all(given):
        return ProviderEndpoints(issuer, *given, settings.PORTAL_OIDC_END_SESSION_ENDPOINT)
    with _discovery_lock:
        if issuer not in _discovered:
            _discovered[issuer] = discover(issuer)
        found = _discovered[issuer]
    if settings.PORTAL_OIDC_END_SESSION_ENDPOINT:
        return replace(found, end_session_endpoint=settings.PORTAL_OIDC_END_SESSION_ENDPOINT)
    return found


def discover(issuer: str) -> ProviderEndpoints:
    url = issuer.rstrip("/") + "/.well-known/openid-configuration"
    try:
        response = requests.get(url, timeout=settings.OIDC_TIMEOUT)
        response.raise_for_status()
        document = response.json()
        # OpenID Connect Discovery 1.0, 4.3: the document's issuer must be exactly the one asked about.
        if document.get("issuer") != issuer:
            raise SignInRefused("unavailable", f"the discovery document names the issuer {document.get('issuer')!r}")
        return ProviderEndpoints(
            issuer=issuer,
            authorization_endpoint=document["authorization_endpoint"],
            token_endpoint=document["token_endpoint"],
            jwks_uri=document["jwks_uri"],
            end_session_endpoint=document.get("end_session_endpoint", ""),
        )
    except (requests.RequestException, ValueError, KeyError, TypeError) as exc:
        raise SignInRefused("unavailable", f"discovery at {url} failed: {exc}") from exc


def forget_discovered() -> None:
    """Drop the endpoints found so far (tests start a provider on a new port)."""
    with _discovery_lock:
        _discovered.clear()


def email_from(claims: dict) -> str:
    for name in ("email", "preferred_username"):
        value = claims.get(name)
        if isinstance(value, str) and "@" in value.strip():
            return value.strip()
    return ""


class NHSmailBackend(OIDCAuthenticationBackend):
    """mozilla-django-oidc's backend with the endpoints discovered, the ID token checked in full, and accounts
    matched by e-mail, never created and never changed."""

    def __init__(self, *args, **kwargs):
        # The library's own __init__ reads the endpoints from settings; here they are found at first use, so that
        # building the backend (Django does for every request of a signed-in person) never calls the provider.
        self.UserModel = get_user_model()
        self.OIDC_RP_SIGN_ALGO = ALGORITHM
        self.OIDC_RP_IDP_SIGN_KEY = None

    @property
    def OIDC_RP_CLIENT_ID(self):  # noqa: N802  (the library's attribute names)
        return settings.PORTAL_OIDC_CLIENT_ID

    @property
    def OIDC_RP_CLIENT_SECRET(self):  # noqa: N802
        return settings.PORTAL_OIDC_CLIENT_SECRET

    @property
    def OIDC_OP_TOKEN_ENDPOINT(self):  # noqa: N802
        return endpoints().token_endpoint

    @property
    def OIDC_OP_JWKS_ENDPOINT(self):  # noqa: N802
        return endpoints().jwks_uri

    def authenticate(self, request, nonce=None, code_verifier=None, **kwargs):
        """Only the callback's call (with the nonce and PKCE verifier of a sign-in this session started) is ours;
        a password sign-in never reaches the provider. Raises SignInRefused with the reason."""
        if request is None or kwargs or not nonce or not code_verifier or not nhsmail_configured():
            return None
        try:
            return super().authenticate(request, nonce=nonce, code_verifier=code_verifier)
        except requests.RequestException as exc:
            raise SignInRefused("unavailable", str(exc)) from exc

    def verify_token(self, token, **kwargs):
        """The ID token's claims, once its signature, issuer, audience, times and nonce have all been checked."""
        nonce = kwargs.get("nonce")
        if not isinstance(token, str) or not token:
            raise SignInRefused("unverified", "the token response has no ID token")
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise SignInRefused("unverified", f"unreadable ID token: {exc}") from exc
        if header.get("alg") != ALGORITHM:
            raise SignInRefused("unverified", f"ID token signed with {header.get('alg')!r}, not {ALGORITHM}")
        try:
            key = self.retrieve_matching_jwk(token)
        except (SuspiciousOperation, KeyError, jwt.PyJWTError) as exc:
            raise SignInRefused("unverified", f"no key in the provider's JWKS for this ID token: {exc}") from exc
        client_id = settings.PORTAL_OIDC_CLIENT_ID
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=[ALGORITHM],
                audience=client_id,
                issuer=settings.PORTAL_OIDC_ISSUER,
                leeway=settings.PORTAL_OIDC_CLOCK_SKEW_SECONDS,
                options={"require": REQUIRED_CLAIMS, "verify_signature": True, "strict_aud": False},
            )
        except jwt.ExpiredSignatureError as exc:
            raise SignInRefused("expired", str(exc)) from exc
        except jwt.InvalidAudienceError as exc:
            raise SignInRefused("wrong-audience", str(exc)) from exc
        except jwt.InvalidIssuerError as exc:
            raise SignInRefused("wrong-issuer", str(exc)) from exc
        except jwt.PyJWTError as exc:
            raise SignInRefused("unverified", f"{type(exc).__name__}: {exc}") from exc
        audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
        if len(audiences) > 1 and claims.get("azp") != client_id:
            raise SignInRefused("wrong-audience", f"several audiences and azp {claims.get('azp')!r}")
        if not nonce or not hmac.compare_digest(str(claims["nonce"]), str(nonce)):
            raise SignInRefused("unverified", "the ID token's nonce is not this sign-in's")
        return claims

    def get_user(self, user_id):
        # The password sign-in's (Django's own, with the page cache's data version): an account switched off after
        # signing in is signed out at its next request; the library's returns the account whether or not it is active.
        return AccountBackend.get_user(self, user_id)

    def get_userinfo(self, access_token, id_token, payload):
        # The verified ID token's claims are the ones used: Entra ID puts the address there.
        return payload

    def get_or_create_user(self, access_token, id_token, payload):
        claims = self.get_userinfo(access_token, id_token, payload)
        email = email_from(claims)
        if not email:
            raise SignInRefused("no-email", f"sub {claims.get('sub')!r}")
        users = list(self.UserModel.objects.filter(email__iexact=email).order_by("pk")[:2])
        if not users:
            raise SignInRefused("no-account", email=email)
        if len(users) > 1:
            raise SignInRefused("ambiguous", email=email)
        user = users[0]
        if not self.user_can_authenticate(user):
            raise SignInRefused("inactive", email=email)
        # django-axes counts failed passwords by username (AXES_LOCKOUT_PARAMETERS), and this sign-in's credentials
        # carry none, so axes itself never refuses here: ask it about the matched account's username.
        if settings.AXES_ENABLED and not AxesProxyHandler.is_allowed(self.request, {"username": user.username}):
            raise SignInRefused("locked", f"username {user.username!r}", email=email)
        return user


def refusal(request: HttpRequest, refused: SignInRefused) -> HttpResponse:
    status, message = REFUSALS[refused.reason]
    logger.warning("NHSmail sign-in refused (%s) %s %s", refused.reason, refused.email, refused.detail)
    context = {"message": message, "reason": refused.reason, "email": refused.email}
    if refused.reason == "locked":
        context["cooloff_minutes"] = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(request, "security/oidc_refused.html", context, status=status)


class SignInView(OIDCAuthenticationRequestView):
    """Sends the browser to NHSmail with a new state, nonce and PKCE challenge (kept in the session)."""

    def __init__(self, **kwargs):
        # The library reads the authorisation endpoint from settings here; get() finds it.
        super(OIDCAuthenticationRequestView, self).__init__(**kwargs)

    def get(self, request):
        if not nhsmail_configured():
            return refusal(request, SignInRefused("not-configured"))
        try:
            self.OIDC_OP_AUTH_ENDPOINT = endpoints().authorization_endpoint
        except SignInRefused as refused:
            return refusal(request, refused)
        self.OIDC_RP_CLIENT_ID = settings.PORTAL_OIDC_CLIENT_ID
        return super().get(request)


class CallbackView(OIDCAuthenticationCallbackView):
    """Where NHSmail sends the browser back: the state must be one this session started, used once."""

    def get(self, request):
        if not nhsmail_configured():
            return refusal(request, SignInRefused("not-configured"))
        state = request.GET.get("state", "")
        states = request.session.get("oidc_states")
        started = states.pop(state, None) if isinstance(states, dict) and state else None
        if started is not None:
            request.session.modified = True  # the state is spent, whatever happens next
        if request.GET.get("error"):
            return refusal(request, SignInRefused("provider-error", request.GET.get("error", "")[:100]))
        if started is None:
            return refusal(request, SignInRefused("state", "no such sign-in in this session"))
        if not request.GET.get("code"):
            return refusal(request, SignInRefused("provider-error", "no code"))
        next_url = request.session.get("oidc_login_next")
        try:
            user = auth.authenticate(request, nonce=started.get("nonce"), code_verifier=started.get("code_verifier"))
        except SignInRefused as refused:
            return refusal(request, refused)
        if user is None or user.backend != BACKEND_PATH:
            # Not an NHSmail sign-in at all (a locked account is refused earlier, in get_or_create_user).
            return refusal(request, SignInRefused("unverified", "no account was authenticated"))
        self.user = user
        return self.signed_in(next_url)

    def signed_in(self, next_url: str | None) -> HttpResponse:
        # Always a new session key: Django keeps the key when the same person signs in again, and someone who had
        # signed in with their password (but not yet their security code) gains the second factor here.
        self.request.session.cycle_key()
        auth.login(self.request, self.user)
        if settings.PORTAL_OIDC_SIGN_OUT_AT_PROVIDER:
            end_session = endpoints().end_session_endpoint
            if end_session:
                signed_out = self.request.build_absolute_uri(reverse(settings.LOGOUT_REDIRECT_URL))
                query = urlencode({"client_id": settings.PORTAL_OIDC_CLIENT_ID, "post_logout_redirect_uri": signed_out})
                self.request.session[END_SESSION_URL_KEY] = f"{end_session}?{query}"
        return HttpResponseRedirect(next_url or resolve_url(settings.LOGIN_REDIRECT_URL))


sign_in = never_cache(SignInView.as_view())
callback = never_cache(CallbackView.as_view())
