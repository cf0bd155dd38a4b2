"""Browser journeys: Playwright for Python driving Debian's Chromium against a live test server.

Every page a journey visits is scanned with axe-core (WCAG 2.2 AA: no serious or critical
violations) and checked for Content-Security-Policy violations; screenshots of key pages go to
$TEST_ARTIFACTS_DIR/screenshots (test-artifacts/screenshots under `make test`).
"""

import os
import re
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.conf import settings as django_settings

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make around it are
# ordinary synchronous ones, so Django's async-safety guard would refuse them needlessly.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-gpu",
]
AXE = Path(django_settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def screenshots_dir() -> Path:
    root = Path(os.environ.get("TEST_ARTIFACTS_DIR") or Path(django_settings.BASE_DIR) / "test-artifacts")
    folder = root / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="session")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=os.environ.get("CHROMIUM_EXECUTABLE", "/usr/bin/chromium"), args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture(autouse=True)
def _as_deployed(settings):
    """Journeys run with throttling and two-factor sign-in on, as deployed."""
    settings.AXES_ENABLED = True
    settings.PORTAL_REQUIRE_2FA = True


class Journey:
    """A browser page that records what it saw: screenshots, accessibility findings, CSP violations."""

    def __init__(self, page, base_url: str, name: str):
        self.page = page
        self.base_url = base_url
        self.name = name
        self.shots = 0
        self.csp_violations: list[str] = []
        self.accessibility: list[str] = []
        self.scanned: list[str] = []
        page.on("console", self._console)

    def _console(self, message) -> None:
        if "Content Security Policy" in message.text:
            self.csp_violations.append(f"{self.page.url}: {message.text}")

    def goto(self, path: str) -> None:
        self.page.goto(self.base_url + path)

    def screenshot(self, label: str) -> Path:
        self.shots += 1
        slug = re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")
        path = screenshots_dir() / f"{self.name}-{self.shots:02d}-{slug}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def scan(self, label: str) -> None:
        """axe-core on the current page (portal pages only): record serious and critical violations."""
        # Evaluated through the DevTools protocol, so the page's CSP stays on for the journey itself.
        if not self.page.evaluate("typeof window.axe !== 'undefined'"):
            self.page.evaluate(AXE.read_text(encoding="utf-8") + "\n;undefined")
        results = self.page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_TAGS)
        assert results["passes"], f"axe-core checked nothing on {self.page.url}"
        self.scanned.append(label)
        for violation in results["violations"]:
            if violation["impact"] in ("serious", "critical"):
                targets = [node["target"] for node in violation["nodes"]][:3]
                self.accessibility.append(
                    f"{label} ({self.page.url}): {violation['id']}: {violation['help']} {targets}"
                )

    def visit(self, label: str) -> None:
        """A key page: screenshot and scan."""
        self.screenshot(label)
        self.scan(label)

    def sign_in(self, username: str, password: str, *, next_path: str = "", security_code: str = "") -> None:
        """Sign in through the log-in page (scanned); with security_code, past the second-factor page too."""
        self.goto("/accounts/login/" + (f"?{urlencode({'next': next_path})}" if next_path else ""))
        self.scan(f"sign in ({username})")
        self.page.fill("#id_username", username)
        self.page.fill("#id_password", password)
        self.page.click("button:has-text('Sign in')")
        if security_code:
            self.page.wait_for_url("**/accounts/two-factor/verify/**")
            self.scan(f"security code ({username})")
            self.page.fill("#id_token", security_code)
            self.page.click("button:has-text('Continue')")
        self.page.wait_for_load_state()

    def sign_out(self) -> None:
        """The "Log out" button of the portal's header or the admin's; both land on the log-in page."""
        self.page.get_by_role("button", name="Log out").click()
        self.page.wait_for_url("**/accounts/login/**")

    def assert_clean(self) -> None:
        assert self.scanned, "the journey scanned no page"
        assert not self.accessibility, "axe-core:\n" + "\n".join(self.accessibility)
        assert not self.csp_violations, "CSP:\n" + "\n".join(self.csp_violations)


@pytest.fixture
def journey(browser, live_server, request):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15_000)
    trip = Journey(page, live_server.url, request.node.name.removeprefix("test_"))
    yield trip
    context.close()
