"""Sign in with NHSmail (OpenID Connect), against a real provider the test run starts (tests/oidc_provider).

The code flow end to end through the provider (without a browser: tests/e2e/test_journey_nhsmail.py has one),
each check of the ID token with tokens the provider's own key signs, and every refusal: a page that says why,
and nobody signed in.
"""

import base64
import hashlib
import time
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
from django.contrib.auth import BACKEND_SESSION_KEY, SESSION_KEY
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from onecare.accounts.models import User
from onecare.accounts.roles import Role
from onecare.security.oidc import NHSmailBackend, SignInRefused
from tests.oidc_provider.fixtures import (
    CLIENT_ID,
    CLIENT_SECRET,
    free_port,
    provider_redirect_back,
    sign_in_with_nhsmail,
    start_sign_in,
)
from tests.onecare.factories import UserFactory
from tests.test_deploy_settings import manage, production_env

DATA_ADMIN_HOME = reverse("accounts:data-admin-home")


@pytest.fixture
def data_admin():
    """A data admin (two-factor role, staff) whose NHSmail address is in mixed case in the portal."""
    return UserFactory(username="dana", email="Dana.Admin@NHS.net", role=Role.DATA_ADMIN)


def signed_in_user(client):
    return client.session.get(SESSION_KEY)


def refusal_text(response) -> str:
    return response.content.decode()


# --- configuration -------------------------------------------------------------------------------------------------


def test_the_log_in_page_offers_nhsmail_only_when_configured(client, settings, oidc_provider):
    settings.PORTAL_OIDC_ISSUER = ""
    assert "Sign in with NHSmail" not in client.get(reverse("accounts:login")).content.decode()
    settings.PORTAL_OIDC_ISSUER = oidc_provider.issuer
    settings.PORTAL_OIDC_CLIENT_ID = CLIENT_ID
    settings.PORTAL_OIDC_CLIENT_SECRET = CLIENT_SECRET
    page = client.get(reverse("accounts:login") + "?next=/funding/money/").content.decode()
    assert "Sign in with NHSmail" in page
    assert 'href="/oidc/authenticate/?next=/funding/money/"' in page


@pytest.mark.parametrize("path", ["/oidc/authenticate/", "/oidc/callback/?code=x&state=y"])
def test_unconfigured_it_says_so(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert "Signing in with NHSmail is not set up" in refusal_text(response)


def test_an_unreachable_provider_is_a_page_not_an_error(client, settings):
    settings.PORTAL_OIDC_ISSUER = f"http://127.0.0.1:{free_port()}"
    settings.PORTAL_OIDC_CLIENT_ID = CLIENT_ID
    settings.PORTAL_OIDC_CLIENT_SECRET = CLIENT_SECRET
    response = client.get("/oidc/authenticate/")
    assert response.status_code == 503
    assert "NHSmail could not be reached" in refusal_text(response)


def test_a_discovery_document_for_another_issuer_is_refused(client, settings, nhsmail):
    """OpenID Connect Discovery: the document must name exactly the issuer asked about."""
    settings.PORTAL_OIDC_ISSUER = nhsmail.issuer + "/"
    response = client.get("/oidc/authenticate/")
    assert response.status_code == 503
    assert "NHSmail could not be reached, or did not answer as expected" in refusal_text(response)


@pytest.mark.parametrize(
    ("issuer", "starts"),
    [("http://login.example.invalid/tenant/v2.0", False), ("https://login.microsoftonline.com/t/v2.0", True)],
)
def test_production_takes_an_https_issuer_only(issuer, starts):
    done = manage("check", env=production_env(PORTAL_OIDC_ISSUER=issuer))
    assert (done.returncode == 0) is starts, done.stderr[-2000:]
    assert ("PORTAL_OIDC_ISSUER must be an https:// address" in done.stderr) is not starts


def test_explicit_endpoints_need_no_discovery(client, settings, nhsmail):
    settings.PORTAL_OIDC_AUTHORIZATION_ENDPOINT = "https://login.example.invalid/authorize"
    settings.PORTAL_OIDC_TOKEN_ENDPOINT = "https://login.example.invalid/token"
    settings.PORTAL_OIDC_JWKS_URI = "https://login.example.invalid/keys"
    assert start_sign_in(client).startswith("https://login.example.invalid/authorize?")


# --- the authorisation request ---------------------------------------------------------------------------------------


def test_it_asks_for_a_code_with_pkce_state_and_nonce(client, nhsmail):
    url = start_sign_in(client)
    parts = urlsplit(url)
    query = {name: values[0] for name, values in parse_qs(parts.query).items()}
    assert url.startswith(nhsmail.issuer + "/auth?")
    assert query["response_type"] == "code"
    assert query["client_id"] == CLIENT_ID
    assert query["redirect_uri"] == "http://testserver/oidc/callback/"
    assert set(query["scope"].split()) == {"openid", "email", "profile"}
    assert query["code_challenge_method"] == "S256"
    started = client.session["oidc_states"][query["state"]]
    assert started["nonce"] == query["nonce"] and len(query["nonce"]) >= 32
    verifier = started["code_verifier"]
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    assert query["code_challenge"] == challenge


# --- signing in ------------------------------------------------------------------------------------------------------


def test_it_signs_in_the_account_with_that_address_whatever_the_case(client, nhsmail, data_admin):
    users_before = User.objects.count()
    response = sign_in_with_nhsmail(client, nhsmail, "dana.admin@nhs.net")
    assert response.status_code == 302
    assert response.url == "/"
    assert signed_in_user(client) == str(data_admin.pk)
    assert client.session[BACKEND_SESSION_KEY] == "onecare.security.oidc.NHSmailBackend"
    # The provider enforces MFA: the two-factor data admin goes straight to their start page, no code asked.
    assert client.get("/").url == DATA_ADMIN_HOME
    assert client.get(DATA_ADMIN_HOME).status_code == 200
    assert User.objects.count() == users_before
    data_admin.refresh_from_db()
    assert data_admin.role == Role.DATA_ADMIN


def test_it_goes_on_to_the_page_asked_for(client, nhsmail, data_admin):
    response = sign_in_with_nhsmail(client, nhsmail, "dana.admin@nhs.net", next_path="/funding/money/")
    assert response.url == "/funding/money/"


def test_it_does_not_go_on_to_another_site(client, nhsmail, data_admin):
    response = sign_in_with_nhsmail(client, nhsmail, "dana.admin@nhs.net", next_path="https://evil.example/")
    assert response.url == "/"


def test_it_asks_for_the_security_code_when_nhsmail_does_not_count_as_two_factor(client, settings, nhsmail, data_admin):
    settings.PORTAL_OIDC_COUNTS_AS_2FA = False
    TOTPDevice.objects.create(user=data_admin, name="app", confirmed=True)
    sign_in_with_nhsmail(client, nhsmail, "dana.admin@nhs.net")
    assert signed_in_user(client) == str(data_admin.pk)
    response = client.get(DATA_ADMIN_HOME)
    assert response.status_code == 302
    assert response.url.startswith(reverse("security:verify"))


def test_a_password_sign_in_still_needs_the_security_code(client, nhsmail, data_admin):
    """Only the NHSmail backend counts: a password session is not verified by the setting."""
    TOTPDevice.objects.create(user=data_admin, name="app", confirmed=True)
    client.post(reverse("accounts:login"), {"username": "dana", "password": "correct-horse-battery"})
    assert signed_in_user(client) == str(data_admin.pk)
    assert client.get(DATA_ADMIN_HOME).url.startswith(reverse("security:verify"))


def test_a_half_signed_in_password_user_may_finish_with_nhsmail(client, nhsmail, data_admin):
    TOTPDevice.objects.create(user=data_admin, name="app", confirmed=True)
    client.post(reverse("accounts:login"), {"username": "dana", "password": "correct-horse-battery"})
    password_session = client.session.session_key
    assert signed_in_user(client) == str(data_admin.pk)
    response = sign_in_with_nhsmail(client, nhsmail, "dana.admin@nhs.net")
    assert response.status_code == 302, response.content.decode()[:3000]
    assert response.url == "/"
    assert client.session.session_key != password_session
    assert client.get(DATA_ADMIN_HOME).status_code == 200


def test_an_account_switched_off_after_signing_in_is_signed_out(client, nhsmail, data_admin):
    sign_in_with_nhsmail(client, nhsmail, "dana.admin@nhs.net")
    assert client.get(DATA_ADMIN_HOME).status_code == 200
    User.objects.filter(pk=data_admin.pk).update(is_active=False)
    response = client.get(DATA_ADMIN_HOME)
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def test_log_out_ends_the_portal_session(client, nhsmail, data_admin):
    sign_in_with_nhsmail(client, nhsmail, "dana.admin@nhs.net")
    response = client.post(reverse("accounts:logout"))
    assert response.url == reverse("accounts:login")
    assert signed_in_user(client) is None


def test_log_out_may_end_the_provider_session_too(client, settings, nhsmail, data_admin):
    settings.PORTAL_OIDC_SIGN_OUT_AT_PROVIDER = True
    sign_in_with_nhsmail(client, nhsmail, "dana.admin@nhs.net")
    response = client.post(reverse("accounts:logout"))
    assert signed_in_user(client) is None
    parts = urlsplit(response.url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == nhsmail.issuer + "/session/end"
    assert parse_qs(parts.query) == {
        "client_id": [CLIENT_ID],
        "post_logout_redirect_uri": ["http://testserver/accounts/login/"],
    }


# --- refusals --------------------------------------------------------------------------------------------------------


def assert_refused(client, response, status: int, message: str) -> None:
    assert response.status_code == status, refusal_text(response)[:2000]
    assert message in refusal_text(response)
    assert "You have not been signed in" in refusal_text(response)
    assert signed_in_user(client) is None


def test_an_unknown_address_is_refused_and_no_account_is_made(client, nhsmail, data_admin):
    users_before = User.objects.count()
    response = sign_in_with_nhsmail(client, nhsmail, "stranger@nhs.net")
    assert_refused(client, response, 403, "There is no portal account for this NHSmail address")
    assert "ask your data admin" in refusal_text(response).lower()
    assert "stranger@nhs.net" in refusal_text(response)
    assert User.objects.count() == users_before


def test_an_inactive_account_is_refused(client, nhsmail, data_admin):
    data_admin.is_active = False
    data_admin.save()
    response = sign_in_with_nhsmail(client, nhsmail, "dana.admin@nhs.net")
    assert_refused(client, response, 403, "Your portal account has been switched off")


def test_an_account_locked_by_failed_passwords_is_refused(client, settings, nhsmail, data_admin):
    """django-axes locks the account after too many failed passwords; NHSmail does not get round the lock."""
    login = reverse("accounts:login")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(login, {"username": "dana", "password": "wrong-password"})
    assert client.post(login, {"username": "dana", "password": "correct-horse-battery"}).status_code == 429
    response = sign_in_with_nhsmail(client, nhsmail, "dana.admin@nhs.net")
    assert_refused(client, response, 429, "Your portal account is locked after too many failed sign-ins")
    assert "try again in 30 minutes" in refusal_text(response)
    assert "If this was not you" in refusal_text(response)


def test_two_accounts_with_the_address_are_refused(client, nhsmail, data_admin):
    UserFactory(username="dana2", email="dana.admin@nhs.net", role=Role.PRACTICE_MANAGER)
    response = sign_in_with_nhsmail(client, nhsmail, "dana.admin@nhs.net")
    assert_refused(client, response, 403, "More than one portal account has this NHSmail address")


def test_a_tampered_state_is_refused(client, nhsmail, data_admin):
    response = sign_in_with_nhsmail(
        client, nhsmail, "dana.admin@nhs.net", tamper=lambda query: {**query, "state": query["state"] + "x"}
    )
    assert_refused(client, response, 400, "could not be matched to one this browser started")


def test_a_tampered_code_is_refused_by_the_provider(client, nhsmail, data_admin):
    response = sign_in_with_nhsmail(
        client, nhsmail, "dana.admin@nhs.net", tamper=lambda query: {**query, "code": query["code"][::-1]}
    )
    assert_refused(client, response, 503, "did not answer as expected")


def test_a_code_for_another_sign_in_is_refused(client, nhsmail, data_admin):
    """A code the provider issued to someone else's sign-in, with this browser's own state: PKCE and the nonce
    tie the code to the sign-in that asked for it."""
    from django.test import Client

    other = Client()
    theirs = dict(parse_qs(urlsplit(provider_redirect_back(start_sign_in(other), "x@nhs.net", nhsmail.issuer)).query))
    response = sign_in_with_nhsmail(
        client, nhsmail, "dana.admin@nhs.net", tamper=lambda query: {**query, "code": theirs["code"][0]}
    )
    assert_refused(client, response, 503, "did not answer as expected")


def test_a_callback_cannot_be_replayed(client, nhsmail, data_admin):
    seen = {}

    def keep(query):
        seen.update(query)
        return query

    sign_in_with_nhsmail(client, nhsmail, "dana.admin@nhs.net", tamper=keep)
    client.post(reverse("accounts:logout"))
    response = client.get("/oidc/callback/", seen)
    assert_refused(client, response, 400, "could not be matched to one this browser started")


def test_a_callback_from_another_browser_is_refused(client, nhsmail, data_admin):
    """Login CSRF: a code and state from someone else's sign-in, in a browser that did not start it."""
    from django.test import Client

    other = Client()
    back = provider_redirect_back(start_sign_in(other), "dana.admin@nhs.net", nhsmail.issuer)
    response = client.get(back.removeprefix("http://testserver"))
    assert_refused(client, response, 400, "could not be matched")


def test_a_wrong_pkce_verifier_is_refused_by_the_provider(client, nhsmail, data_admin):
    def change_verifier(query):
        session = client.session
        session["oidc_states"][query["state"]]["code_verifier"] = "x" * 64
        session.save()
        return query

    response = sign_in_with_nhsmail(client, nhsmail, "dana.admin@nhs.net", tamper=change_verifier)
    assert_refused(client, response, 503, "did not answer as expected")


def test_the_provider_saying_no_is_refused(client, nhsmail, data_admin):
    back = provider_redirect_back(start_sign_in(client), "dana.admin@nhs.net", nhsmail.issuer, cancel=True)
    assert "error=access_denied" in back
    response = client.get(back.removeprefix("http://testserver"))
    assert_refused(client, response, 403, "NHSmail did not sign you in")


@pytest.mark.parametrize(
    ("account", "message"),
    [
        ("wrong-audience:dana.admin@nhs.net", "meant for another service"),
        ("wrong-issuer:dana.admin@nhs.net", "did not come from NHSmail"),
        ("expired:dana.admin@nhs.net", "had expired"),
    ],
)
def test_an_id_token_the_provider_should_not_have_issued_is_refused(client, nhsmail, data_admin, account, message):
    """The same person signs in (see the test above that lets them in); only the ID token is wrong."""
    response = sign_in_with_nhsmail(client, nhsmail, account)
    assert_refused(client, response, 403, message)


# --- the ID token checks, one by one, with tokens the provider's key signs --------------------------------------------


def good_claims(issuer: str, **changes) -> dict:
    now = int(time.time())
    claims = {
        "iss": issuer,
        "sub": "dana",
        "aud": CLIENT_ID,
        "iat": now,
        "exp": now + 300,
        "nonce": "the-nonce",
        "email": "dana.admin@nhs.net",
    }
    claims.update(changes)
    return {name: value for name, value in claims.items() if value is not None}


def verify(token: str, nonce: str = "the-nonce") -> dict:
    return NHSmailBackend().verify_token(token, nonce=nonce)


def refused_reason(token: str, nonce: str = "the-nonce") -> str:
    with pytest.raises(SignInRefused) as refused:
        verify(token, nonce)
    return refused.value.reason


def test_a_good_id_token_passes(nhsmail):
    assert verify(nhsmail.sign(good_claims(nhsmail.issuer)))["email"] == "dana.admin@nhs.net"


def test_a_token_for_several_audiences_needs_this_client_as_azp(nhsmail):
    both = [CLIENT_ID, "another-service"]
    assert verify(nhsmail.sign(good_claims(nhsmail.issuer, aud=both, azp=CLIENT_ID)))
    assert refused_reason(nhsmail.sign(good_claims(nhsmail.issuer, aud=both, azp="another-service"))) == (
        "wrong-audience"
    )


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"aud": "another-service"}, "wrong-audience"),
        ({"aud": None}, "unverified"),
        ({"iss": "https://login.example.invalid/v2.0"}, "wrong-issuer"),
        ({"iss": None}, "unverified"),
        ({"exp": int(time.time()) - 3600}, "expired"),
        ({"exp": None}, "unverified"),
        ({"iat": None}, "unverified"),
        ({"sub": None}, "unverified"),
        ({"nonce": "another-nonce"}, "unverified"),
        ({"nonce": None}, "unverified"),
    ],
    ids=lambda value: str(value) if isinstance(value, str) else "-".join(f"{k}={v}" for k, v in value.items()),
)
def test_each_claim_is_checked(nhsmail, changes, reason):
    assert refused_reason(nhsmail.sign(good_claims(nhsmail.issuer, **changes))) == reason


def test_a_signature_by_another_key_is_refused(nhsmail):
    assert refused_reason(nhsmail.sign(good_claims(nhsmail.issuer), key="stranger")) == "unverified"


def test_a_token_for_an_unknown_key_is_refused(nhsmail):
    assert refused_reason(nhsmail.sign(good_claims(nhsmail.issuer), header={"kid": "no-such-key"})) == "unverified"


def test_a_token_signed_with_the_client_secret_is_refused(nhsmail):
    """HS256 with the shared secret would let anyone who holds it (the portal) mint tokens."""
    forged = jwt.encode(good_claims(nhsmail.issuer), CLIENT_SECRET, algorithm="HS256", headers={"kid": "x"})
    assert refused_reason(forged) == "unverified"


def test_an_unsigned_token_is_refused(nhsmail):
    unsigned = jwt.encode(good_claims(nhsmail.issuer), None, algorithm="none")
    assert refused_reason(unsigned) == "unverified"


def test_the_nonce_of_this_sign_in_is_required(nhsmail):
    assert refused_reason(nhsmail.sign(good_claims(nhsmail.issuer)), nonce="") == "unverified"


def test_a_password_sign_in_never_reaches_the_provider(rf, nhsmail):
    request = rf.get("/oidc/callback/?code=x&state=y")
    assert NHSmailBackend().authenticate(request, username="dana", password="x") is None
