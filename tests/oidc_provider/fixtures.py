"""The test OpenID Connect provider (provider.mjs, npm oidc-provider) as pytest fixtures, and a sign-in driven
through it without a browser.

`oidc_provider` starts `node provider.mjs` on a free loopback port for the test session and ends it by its pid;
`nhsmail` points the portal's settings at it for one test. Import both into a test module to use them.
"""

import os
import selectors
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import requests
from django.conf import settings as django_settings

from onecare.security.oidc import forget_discovered

SCRIPT = Path(__file__).with_name("provider.mjs")
CLIENT_ID = "bnssg-portal"
CLIENT_SECRET = "portal-test-secret-of-the-test-provider-only"  # never a real secret


@dataclass(frozen=True)
class TestProvider:
    issuer: str
    pid: int

    def sign(self, claims: dict, *, key: str = "provider", header: dict | None = None) -> str:
        """Claims signed RS256 by the provider's own key ("provider") or by one it does not publish ("stranger")."""
        answer = requests.post(
            f"{self.issuer}/test/sign", json={"claims": claims, "key": key, "header": header or {}}, timeout=10
        )
        answer.raise_for_status()
        return answer.json()["token"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def oidc_provider():
    node = shutil.which("node")
    if node is None or not (Path(django_settings.BASE_DIR) / "node_modules" / "oidc-provider").exists():
        pytest.fail("the OpenID Connect tests need node and `npm ci` (oidc-provider): run scripts/setup")
    port = free_port()
    artifacts = Path(os.environ.get("TEST_ARTIFACTS_DIR") or Path(django_settings.BASE_DIR) / "test-artifacts")
    artifacts.mkdir(parents=True, exist_ok=True)
    log = (artifacts / "oidc-provider.log").open("a", encoding="utf-8")
    env = {**os.environ, "PORT": str(port), "CLIENT_ID": CLIENT_ID, "CLIENT_SECRET": CLIENT_SECRET}
    process = subprocess.Popen(  # noqa: S603
        [node, str(SCRIPT)],
        cwd=django_settings.BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
    )
    try:
        selector = selectors.DefaultSelector()
        selector.register(process.stdout, selectors.EVENT_READ)
        deadline = time.monotonic() + 90  # generous: on a loaded machine it once took more than 30 s to start
        line = ""
        while not line.startswith("ready ") and time.monotonic() < deadline and process.poll() is None:
            if selector.select(timeout=0.5):
                line = process.stdout.readline()
        selector.close()
        if not line.startswith("ready "):
            pytest.fail(f"the test OpenID Connect provider did not start (see {artifacts / 'oidc-provider.log'})")
        yield TestProvider(issuer=line.split()[1], pid=process.pid)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        process.stdout.close()
        log.close()


@pytest.fixture
def nhsmail(settings, oidc_provider):
    """Sign in with NHSmail configured against the test provider, the endpoints found by discovery."""
    settings.PORTAL_OIDC_ISSUER = oidc_provider.issuer
    settings.PORTAL_OIDC_CLIENT_ID = CLIENT_ID
    settings.PORTAL_OIDC_CLIENT_SECRET = CLIENT_SECRET
    settings.PORTAL_OIDC_COUNTS_AS_2FA = True
    settings.PORTAL_OIDC_SIGN_OUT_AT_PROVIDER = False
    forget_discovered()
    yield oidc_provider
    forget_discovered()


def provider_redirect_back(authorize_url: str, email: str, issuer: str, *, cancel: bool = False) -> str:
    """Go through the provider's sign-in page as `email` (a fresh provider session); the URL it sends back to."""
    browser = requests.Session()
    url = authorize_url
    for _ in range(10):
        answer = browser.get(url, allow_redirects=False, timeout=10)
        if answer.status_code == 200 and "/interaction/" in url:
            form = {"email": email, **({"cancel": "1"} if cancel else {})}
            answer = browser.post(url, data=form, allow_redirects=False, timeout=10)
        assert answer.status_code in (302, 303), f"{url}: {answer.status_code} {answer.text[:300]}"
        url = urljoin(url, answer.headers["Location"])
        if not url.startswith(issuer):
            return url
    raise AssertionError("the provider kept redirecting")


def start_sign_in(client, next_path: str = "") -> str:
    """The portal's redirect to the provider's authorisation endpoint."""
    answer = client.get("/oidc/authenticate/" + (f"?next={next_path}" if next_path else ""))
    assert answer.status_code == 302, answer.content[:500]
    return answer.url


def sign_in_with_nhsmail(client, provider: TestProvider, email: str, *, next_path: str = "", tamper=None):
    """The whole code flow for `email` through the real provider; `tamper` may change the callback's query.
    Returns the portal's answer to the callback."""
    back = provider_redirect_back(start_sign_in(client, next_path), email, provider.issuer)
    parts = urlsplit(back)
    assert parts.path == "/oidc/callback/", back
    query = {name: values[0] for name, values in parse_qs(parts.query).items()}
    if tamper:
        query = tamper(query)
    return client.get(parts.path, query)
