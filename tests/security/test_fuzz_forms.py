"""Hostile input to every form of the portal (not the admin) never fails with a server error.

The forms are found, not listed: every portal page the access matrix opens to a person is fetched
as that person, the forms on it are read from the HTML, and each is sent random and hostile values
(very long strings, unicode, NUL bytes, negative and huge numbers, wrong types, missing fields,
odd files). Each answer must be a page (with an error message when a post is refused), a redirect
or a 4xx, never a 500. New forms are covered as soon as a page shows them.
"""

import os
import random
import re
from urllib.parse import urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from onecare.accounts.roles import Role
from tests.funding.factories import ItemFactory
from tests.onecare.factories import UserFactory
from tests.security.conftest import login_verified
from tests.security.forms import Form, forms_on
from tests.security.test_access_matrix import COLUMN_OF, MATRIX, portal_patterns, url_for
from tests.security.world import build_world

SKIPPED_ACTIONS = {"/accounts/logout/"}  # signing out is tested elsewhere and would end the session
HOSTILE_TEXT = [
    "x" * 20_000,
    "é" * 5_000,
    "\u202eevil\u202c \U0001f4a9 \u0000 \ufeff",
    "a\x00b",
    "\x00",
    "-1",
    "-99999999999999999999",
    "9" * 40,
    "1e308",
    "NaN",
    "0.000000001",
    "2017-02-30",
    "0000-00-00",
    "31/12/99999",
    "<script>alert(1)</script>' OR 1=1 --",
    '=HYPERLINK("http://evil.example")',
    "../../etc/passwd",
    " ",
    "",
]
# Known: these views bind their form with `request.POST or None`, so a post with no fields at all
# shows the form again without an error message (nothing is saved). Reported to the lead: the fix is
# `Form(request.POST if request.method == "POST" else None, ...)` in onecare/ballots/views.py.
MESSAGE_MARKERS = ("nhsuk-error-summary", "nhsuk-error-message", "nhsuk-notification-banner", "There is a problem")
ACCEPTABLE = {200, 302, 400, 403, 404, 405, 409, 413, 429}


def hostile_file(rng: random.Random, name: str) -> SimpleUploadedFile:
    kind = rng.choice(["empty", "random", "fake-pdf", "html", "long-name"])
    content = {
        "empty": b"",
        "random": rng.randbytes(4096),
        "fake-pdf": b"MZ\x90\x00 not a pdf at all",
        "html": b"<html><script>alert(1)</script></html>",
        "long-name": b"%PDF-1.4\n%%EOF\n",
    }[kind]
    filename = {"long-name": "a" * 300 + ".pdf", "html": "evidence.pdf.html", "random": "\x00evil.pdf"}.get(kind, name)
    return SimpleUploadedFile(
        filename.replace("\x00", ""),
        content,
        content_type=rng.choice(["application/pdf", "text/html", "application/octet-stream"]),
    )


def payloads(form: Form, rng: random.Random, rounds: int = 12):
    """Data dicts for the form: each round picks hostile values; some drop fields or send lists."""
    names = [f.name for f in form.fields if f.kind != "submit"]
    buttons = [f for f in form.fields if f.kind == "submit"]
    yield {}  # every field missing
    for round_ in range(rounds):
        data = {}
        for field in form.fields:
            if field.kind == "submit":
                continue
            if field.name == "csrfmiddlewaretoken":
                data[field.name] = field.value
            elif field.kind == "file":
                data[field.name] = hostile_file(rng, "evidence.pdf")
            elif rng.random() < 0.1:
                continue  # missing
            elif rng.random() < 0.1:
                data[field.name] = [rng.choice(HOSTILE_TEXT), rng.choice(HOSTILE_TEXT)]  # a list where one value is due
            elif field.options and rng.random() < 0.3:
                data[field.name] = rng.choice(field.options)
            else:
                data[field.name] = (
                    HOSTILE_TEXT[(round_ + len(data)) % len(HOSTILE_TEXT)] if round_ < 6 else rng.choice(HOSTILE_TEXT)
                )
        if buttons:
            button = rng.choice(buttons)
            data[button.name] = button.options[0]
        yield data
    if names:
        yield dict.fromkeys(names, "")


def people_with_pages():
    """(person, pattern) for every portal page that answers 200 about the person's own locality."""
    found = []
    for pattern in portal_patterns():
        if pattern.route.startswith("admin/"):
            continue
        row = MATRIX.get(pattern.name)
        if row is None:
            continue  # test_access_matrix fails for it
        for person in Role:
            if row[COLUMN_OF[person]].split("/")[0] == "200":
                found.append((person, pattern))
    return found


# A refused constraint must be answered in words (onecare/constraints.py), never Django's
# "Constraint “name” is violated." or the database's own error.
RAW_DATABASE_TEXT = re.compile(r"\bConstraint\b|\bviolated\b|IntegrityError|violates")


class Fuzzer:
    """Sends every form on a page its hostile payloads, signing in again before each (a payload may sign out)."""

    def __init__(self, client, sign_in, seed: str, world=None):
        self.client, self.sign_in, self.world = client, sign_in, world
        self.rng = random.Random(seed)  # noqa: S311  (reproducible test data, not secrets)
        self.seen: set[tuple] = set()
        self.failures: list[str] = []
        self.sent = 0

    def page(self, page_url: str) -> None:
        self.sign_in()
        page = self.client.get(page_url)
        if page.status_code != 200 or "html" not in page.get("Content-Type", ""):
            return
        for form in forms_on(page.text, page_url):
            action = urlsplit(form.action).path or page_url
            if action in SKIPPED_ACTIONS or form.signature() in self.seen:
                continue
            self.seen.add(form.signature())
            for data in payloads(form, self.rng):
                self.send(form, action, data)

    def send(self, form: Form, action: str, data: dict) -> None:
        self.sign_in()
        if form.method == "post":
            response = self.client.post(action, data)
        else:
            response = self.client.get(action, {k: v for k, v in data.items() if not hasattr(v, "read")})
        self.sent += 1
        status = response.status_code
        refused_page = form.method == "post" and status == 200
        raw = RAW_DATABASE_TEXT.search(response.text) if "html" in response.get("Content-Type", "") else None
        if raw:
            self.failures.append(f"{form.method.upper()} {action} -> the database's words {raw.group(0)!r} shown")
        if status not in ACCEPTABLE or (refused_page and not any(m in response.text for m in MESSAGE_MARKERS)):
            shown = {k: (v if isinstance(v, str | list) else "<file>") for k, v in data.items()}
            self.failures.append(f"{form.method.upper()} {action} -> {status}: {str(shown)[:300]}")

    def report(self, who: str) -> None:
        if os.environ.get("MATRIX_PRINT"):
            print(f"\n--- {who}: {self.sent} posts", *sorted({(m, a) for a, m, _ in self.seen}), sep="\n")
        assert not self.failures, "\n".join(self.failures[:20])


def extra_pages(world) -> list[str]:
    """Pages whose forms the matrix's objects do not show: an item with no evidence yet (the upload form)."""
    return [reverse("funding:item", args=[world.own.locality.code, world.own.open_item.pk])]


@pytest.mark.parametrize("role", list(Role), ids=lambda r: COLUMN_OF[r])
def test_it_never_fails_on_hostile_form_input(client, role):
    world = build_world()
    world.own.open_item = ItemFactory(phase=world.own.item.phase)
    fuzzer = Fuzzer(client, lambda: login_verified(client, world.users[role]), f"fuzz-{role.value}", world)
    pages = [url_for(pattern, world, world.own) for person, pattern in people_with_pages() if person == role]
    for page_url in pages + extra_pages(world):
        fuzzer.page(page_url)
    fuzzer.report(role.value)
    assert fuzzer.sent or role == Role.SCRUTINEER, f"no forms found for {role}"


def test_it_never_fails_on_hostile_sign_in_input(client):
    UserFactory(username="pm", role=Role.PRACTICE_MANAGER)
    fuzzer = Fuzzer(client, client.logout, "fuzz-sign-in")
    fuzzer.page(reverse("accounts:login"))
    fuzzer.report("anonymous")
    assert fuzzer.sent


@pytest.mark.parametrize("has_device", [False, True], ids=["setup", "verify"])
def test_it_never_fails_on_hostile_security_codes(client, has_device):
    user = UserFactory(role=Role.COMMISSIONER)
    if has_device:
        TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    fuzzer = Fuzzer(client, lambda: client.force_login(user), "fuzz-codes")
    fuzzer.page(reverse("security:verify" if has_device else "security:setup"))
    fuzzer.report("commissioner before the second factor")
    assert fuzzer.sent


def test_it_reads_the_forms_of_a_page():
    html = (
        '<form method="post" action="/x/" enctype="multipart/form-data"><input name="a">'
        '<select name="s"><option value="1">One</option></select><textarea name="t"></textarea>'
        '<input type="file" name="f"><button name="action" value="submit">Go</button></form>'
    )
    [form] = forms_on(html, "/page/")
    assert form.action == "/x/"
    assert form.multipart
    assert [(f.name, f.kind) for f in form.fields] == [
        ("a", "text"),
        ("s", "select"),
        ("t", "textarea"),
        ("f", "file"),
        ("action", "submit"),
    ]
    assert form.fields[1].options == ["1"]
