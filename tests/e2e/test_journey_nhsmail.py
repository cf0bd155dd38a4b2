"""Sign in with NHSmail in a browser, through the real OpenID Connect provider the tests start (tests/oidc_provider):
the log-in page's button, the provider's sign-in page, the role's start page, log-out; and each refusal, a portal
page that says why, with nobody signed in afterwards.

The browser may reach only the live server and the provider: any other request fails the journey.
"""

import re
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

import pytest
from django.urls import reverse

from onecare.accounts.roles import Role
from tests.onecare.factories import UserFactory

pytestmark = pytest.mark.browser

ADDRESS = "carol.commissioner@nhs.net"


@pytest.fixture
def commissioner(bnssg):
    """A commissioner (a two-factor role, with no authenticator set up: the provider's MFA is the second factor)."""
    return UserFactory(username="carol", email="Carol.Commissioner@NHS.net", role=Role.COMMISSIONER, commissioner=bnssg)


@pytest.fixture
def trip(journey, nhsmail, live_server):
    """The journey, kept to the live server and the provider."""
    outside: list[str] = []
    allowed = (live_server.url, nhsmail.issuer)

    def only_local(route):
        if route.request.url.startswith(allowed):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    journey.page.route("**/*", only_local)
    yield journey
    assert not outside, f"requests outside the test: {outside}"


def through_provider(trip, provider, address: str) -> None:
    """From the portal's log-in page, "Sign in with NHSmail", then the provider's page as `address`."""
    trip.goto(reverse("accounts:login"))
    trip.visit("sign in (NHSmail offered)")
    trip.page.get_by_role("link", name="Sign in with NHSmail").click()
    trip.page.wait_for_url(re.compile("^" + re.escape(provider.issuer) + "/interaction/"))
    trip.page.fill("#email", address)
    trip.page.get_by_role("button", name="Sign in to the provider").click()


def assert_refused(trip, label: str, *messages: str) -> None:
    trip.page.wait_for_url("**/oidc/callback/**")
    trip.page.get_by_role("heading", name="You have not been signed in").wait_for()
    for message in messages:
        assert message in trip.page.inner_text("main")
    trip.visit(label)
    # Nobody is signed in: the portal's home sends the browser to log in.
    trip.goto("/")
    trip.page.wait_for_url("**/accounts/login/**")
    trip.assert_clean()


def test_sign_in_with_nhsmail_and_out(trip, nhsmail, commissioner):
    through_provider(trip, nhsmail, ADDRESS)
    trip.page.wait_for_url(trip.base_url + reverse("localities:overview"))
    trip.page.get_by_role("heading", name="Localities").first.wait_for()
    assert trip.page.get_by_role("button", name="Log out").is_visible()
    trip.visit("start page after NHSmail")
    trip.sign_out()
    trip.goto(reverse("localities:overview"))
    trip.page.wait_for_url("**/accounts/login/**")
    trip.assert_clean()


def test_an_address_without_an_account_is_refused(trip, nhsmail, commissioner):
    through_provider(trip, nhsmail, "nobody.here@nhs.net")
    assert_refused(trip, "no account", "There is no portal account for this NHSmail address", "nobody.here@nhs.net")


def test_an_inactive_account_is_refused(trip, nhsmail, commissioner):
    commissioner.is_active = False
    commissioner.save()
    through_provider(trip, nhsmail, ADDRESS)
    assert_refused(trip, "inactive", "Your portal account has been switched off")


def test_a_tampered_state_is_refused(trip, nhsmail, commissioner):
    """The provider's answer reaches the portal with its state changed. (A route sees only the first request of a
    redirect chain, so the submit of the provider's page is followed here, with the browser's cookies, up to the
    redirect back to the portal, which the browser is then given with the state changed.)"""
    changed: list[str] = []

    def submit(route):
        if route.request.method != "POST":
            route.fallback()
            return
        answer = route.fetch(max_redirects=0)
        resume = urljoin(route.request.url, answer.headers["location"])
        back = trip.page.context.request.get(resume, max_redirects=0)
        parts = urlsplit(urljoin(resume, back.headers["location"]))
        assert parts.path == "/oidc/callback/", parts
        query = dict(parse_qsl(parts.query))
        query["state"] = query["state"][::-1]
        changed.append(parts._replace(query=urlencode(query)).geturl())
        route.fulfill(status=302, headers={"Location": changed[0]})

    trip.page.route(f"{nhsmail.issuer}/interaction/*", submit)
    through_provider(trip, nhsmail, ADDRESS)
    assert_refused(trip, "tampered state", "could not be matched to one this browser started")
    assert changed


def test_an_id_token_for_another_service_is_refused(trip, nhsmail, commissioner):
    through_provider(trip, nhsmail, "wrong-audience:" + ADDRESS)
    assert_refused(trip, "wrong audience", "meant for another service")


def test_an_expired_id_token_is_refused(trip, nhsmail, commissioner):
    through_provider(trip, nhsmail, "expired:" + ADDRESS)
    assert_refused(trip, "expired", "had expired")
