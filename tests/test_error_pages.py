"""The demo runs with DEBUG off: the NHS-styled 400, 403, 404 and 500 pages, never Django's debug page."""

import os
import subprocess
import sys
from pathlib import Path

from django.template import Context, Template
from django.template.loader import render_to_string
from django.urls import reverse

from onecare.accounts.roles import Role
from tests.localities.factories import LocalityFactory, MembershipFactory, PracticeFactory

ROOT = Path(__file__).resolve().parent.parent


def local_setting(*names: str, **env: str) -> list[str]:
    """Values of the local settings (`make run`) in a fresh interpreter, with DJANGO_DEBUG as given."""
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "onecare.settings.local", **env}
    if "DJANGO_DEBUG" not in env:
        environment.pop("DJANGO_DEBUG", None)
    code = "from django.conf import settings; " + "; ".join(f"print(settings.{name})" for name in names)
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


def test_the_demo_runs_with_debug_off_unless_a_developer_opts_in():
    assert local_setting("DEBUG", "WHITENOISE_USE_FINDERS") == ["False", "True"]
    assert local_setting("DEBUG", DJANGO_DEBUG="true") == ["True"]


def test_a_mistyped_locality_code_shows_the_nhs_404_page_with_debug_off(client, settings, user_factory, bristol):
    settings.DEBUG = False
    locality = LocalityFactory(code="sbris", name="South Bristol", commissioner=bristol)
    practice = PracticeFactory()
    MembershipFactory(practice=practice, locality=locality)
    client.force_login(user_factory(role=Role.PRACTICE_MANAGER, practice=practice))

    response = client.get(reverse("localities:detail", args=["sbrsi"]))

    page = response.content.decode()
    assert response.status_code == 404
    assert "Page not found" in page and 'class="nhsuk-header"' in page and "Our locality" in page
    assert "Traceback" not in page and "DEBUG = True" not in page and "Using the URLconf" not in page


def test_a_bad_request_shows_the_nhs_400_page(client, settings):
    settings.DEBUG = False
    response = client.get("/", HTTP_HOST="not-this-portal.example")
    page = response.content.decode()
    assert response.status_code == 400
    assert "There is a problem with the request" in page and 'class="nhsuk-header"' in page


def test_a_refused_page_shows_the_nhs_403_page(client, settings, user_factory):
    settings.DEBUG = False
    client.force_login(user_factory())  # no role
    response = client.get(reverse("admin:index"))
    assert response.status_code in (302, 403)
    page = render_to_string("403.html")
    assert "You do not have permission to see this page" in page and 'class="nhsuk-header"' in page


def test_the_500_page_extends_the_portal_template_and_needs_no_request_or_database(django_assert_num_queries):
    with django_assert_num_queries(0):
        page = Template('{% extends "500.html" %}').render(Context())
    assert "Sorry, there is a problem with the service" in page
    assert 'class="nhsuk-header"' in page and 'class="nhsuk-footer"' in page and "nhsuk-frontend.min.css" in page
