"""The response headers: CSP without inline scripts, no sniffing, no framing; and no inline scripts to need it."""

import re
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.urls import reverse

from onecare.accounts.roles import Role
from tests.onecare.factories import UserFactory
from tests.security.conftest import login_verified

TEMPLATES = Path(django_settings.BASE_DIR) / "templates"
# A <script> that runs code written in the page: no src, and not a JSON data block.
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.IGNORECASE)


def directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    parts = [part.strip().split() for part in policy.split(";") if part.strip()]
    return {part[0]: part[1:] for part in parts}


def test_it_sends_a_content_security_policy_without_inline_scripts(client):
    policy = directives(client.get(reverse("accounts:login")))
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["img-src"] == ["'self'", "data:"]
    assert policy["font-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert not any("unsafe" in source for sources in policy.values() for source in sources)


def test_it_forbids_sniffing_and_framing(client):
    response = client.get(reverse("accounts:login"))
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"


def test_it_keeps_sessions_short_and_out_of_scripts():
    assert django_settings.SESSION_EXPIRE_AT_BROWSER_CLOSE
    assert django_settings.SESSION_COOKIE_AGE <= 8 * 60 * 60
    assert django_settings.SESSION_COOKIE_HTTPONLY


@pytest.mark.parametrize("template", sorted(TEMPLATES.rglob("*.html")), ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_it_has_no_inline_scripts_in_the_portal_templates(template):
    text = template.read_text(encoding="utf-8")
    assert not INLINE_SCRIPT.search(text)
    assert " onclick=" not in text.lower()
    assert ' style="' not in text


@pytest.mark.parametrize("path", ["/admin/", "/admin/localities/locality/", "/admin/localities/locality/add/"])
def test_it_serves_the_admin_under_the_policy_without_inline_scripts(client, path):
    login_verified(client, UserFactory(role=Role.DATA_ADMIN))
    response = client.get(path)
    assert response.status_code == 200
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert not INLINE_SCRIPT.search(response.text)
