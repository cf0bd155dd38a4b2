"""The portal's pages: NHS.UK markup, forms with error summaries, no inline scripts or styles."""

import re

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from localities.models.localities import VehicleKind
from onecare.accounts.roles import Role
from tests.localities.factories import LocalityFactory, VehicleFactory
from tests.onecare.factories import PASSWORD

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\ssrc=)[^>]*>", re.IGNORECASE)
INLINE_STYLE = re.compile(r"<[^>]+\sstyle=|<style[\s>]", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"<[^>]+\son[a-z]+=", re.IGNORECASE)


def html(response) -> str:
    return response.content.decode()


def assert_no_inline_code(page: str) -> None:
    assert not INLINE_SCRIPT.search(page)
    assert not INLINE_STYLE.search(page)
    assert not EVENT_HANDLER.search(page)


@pytest.fixture
def commissioner(user_factory, bnssg):
    return user_factory(role=Role.COMMISSIONER, commissioner=bnssg, first_name="Cara", last_name="Commissioner")


@pytest.fixture
def small_locality(bristol, make_member_practice):
    locality = LocalityFactory(code="tiny", name="Tiny Locality", commissioner=bristol)
    make_member_practice(locality, patients=40_000)
    return locality


def test_it_renders_the_login_page_with_the_nhs_header_and_labelled_fields(client):
    page = html(client.get(reverse("accounts:login")))
    assert 'class="nhsuk-header"' in page
    assert "BNSSG locality funding portal" in page
    assert '<html lang="en-GB">' in page
    assert 'href="#maincontent"' in page and 'id="maincontent"' in page
    assert '<label class="nhsuk-label" for="id_username">' in page
    assert '<label class="nhsuk-label" for="id_password">' in page
    assert 'autocomplete="username"' in page and 'autocomplete="current-password"' in page
    assert "Sign in</button>" in page
    assert "Open Government Licence v3.0" in page
    assert_no_inline_code(page)


def test_it_shows_the_error_summary_when_sign_in_fails(client, user_factory):
    user = user_factory(role=Role.COMMISSIONER)
    response = client.post(reverse("accounts:login"), {"username": user.username, "password": "wrong"})
    page = html(response)
    assert response.status_code == 200
    assert "<title>Error: Sign in" in page
    assert 'class="nhsuk-error-summary"' in page
    assert '<a href="#id_username">' in page
    assert_no_inline_code(page)


def test_it_signs_in_and_sends_a_commissioner_to_the_overview(client, commissioner):
    response = client.post(reverse("accounts:login"), {"username": commissioner.username, "password": PASSWORD})
    assert response.status_code == 302
    assert client.get(response.url, follow=True).redirect_chain[-1][0] == reverse("localities:overview")


def test_it_shows_a_commissioner_every_locality_and_flags_one_below_the_minimum(
    client, commissioner, two_localities, small_locality
):
    client.force_login(commissioner)
    response = client.get(reverse("localities:overview"), {"at": "2018-01-01"})
    page = html(response)
    assert response.status_code == 200
    for name in ("South Bristol", "Woodspring", "Tiny Locality"):
        assert name in page
    assert page.count('nhsuk-tag--red">Below minimum') == 1
    assert "105,000" in page and "250,000" in page  # a locality and the total
    assert "Figures at 1 January 2018" in page
    assert "portal-chart__bar portal-w-38 portal-chart__bar--below" in page  # 40,000 of the largest 105,000
    assert "Cara Commissioner" in page and "Commissioner" in page
    assert_no_inline_code(page)


def test_it_shows_a_bad_date_in_an_error_summary(client, commissioner, two_localities):
    client.force_login(commissioner)
    page = html(client.get(reverse("localities:overview"), {"at": "31/12/2017"}))
    assert 'class="nhsuk-error-summary"' in page
    assert '<a href="#at">Enter the date as year-month-day' in page
    assert "nhsuk-input--error" in page


def test_it_shows_a_locality_with_its_members_opt_outs_and_vehicle(
    client, user_factory, two_localities, make_member_practice
):
    south_bristol, _ = two_localities
    opted_out = make_member_practice(south_bristol, patients=1_000, opted_out=True)
    VehicleFactory(locality=south_bristol, kind=VehicleKind.FORMAL, legal_name="South Bristol GP Federation Ltd")
    manager = user_factory(role=Role.PRACTICE_MANAGER, practice=opted_out)
    client.force_login(manager)
    response = client.get(reverse("localities:detail", args=[south_bristol.code]), {"at": "2018-01-01"})
    page = html(response)
    assert response.status_code == 200
    assert "South Bristol" in page and "NHS Bristol CCG" in page
    assert opted_out.name in page and opted_out.code in page
    assert 'nhsuk-tag--orange">Opted out' in page
    assert "On 1 October 2017: Chose to work alone." in page
    assert "South Bristol GP Federation Ltd" in page
    assert "106,000" in page
    assert 'id="checklist"' in page  # the governance checklist, from the funding app's tag
    assert "nhsuk-card--warning" not in page
    assert_no_inline_code(page)


def test_it_warns_when_a_locality_is_below_the_minimum(client, user_factory, small_locality):
    client.force_login(user_factory(role=Role.LOCALITY_LEAD, locality=small_locality))
    page = html(client.get(reverse("localities:detail", args=[small_locality.code])))
    assert "This locality covers 40,000 patients, below the 100,000 minimum" in page
    assert "No Locality Vehicle has been recorded" in page
    assert '<meter class="portal-meter portal-meter--below"' in page


def test_it_logs_out_only_by_post(client, commissioner):
    client.force_login(commissioner)
    page = html(client.get(reverse("localities:overview")))
    assert f'action="{reverse("accounts:logout")}" method="post"' in page
    assert client.get(reverse("accounts:logout")).status_code == 405
    assert client.post(reverse("accounts:logout")).status_code == 302
    assert client.get(reverse("localities:overview")).status_code == 302


def test_it_answers_an_unknown_locality_with_the_nhs_404_page(client, commissioner):
    client.force_login(commissioner)
    response = client.get(reverse("localities:detail", args=["nowhere"]))
    page = html(response)
    assert response.status_code == 404
    assert "Page not found" in page and 'class="nhsuk-header"' in page
    assert_no_inline_code(page)


def test_it_renders_the_500_page_without_a_request():
    page = render_to_string("500.html")
    assert "Sorry, there is a problem with the service" in page and 'class="nhsuk-header"' in page


def test_it_shows_password_change_errors_against_their_fields(client, commissioner):
    client.force_login(commissioner)
    data = {"old_password": PASSWORD, "new_password1": "a-new-long-password", "new_password2": "different"}
    page = html(client.post(reverse("accounts:password-change"), data))
    assert '<a href="#id_new_password2">' in page
    assert 'autocomplete="new-password"' in page
    assert_no_inline_code(page)


def test_it_explains_a_missing_role(client, user_factory):
    client.force_login(user_factory())
    response = client.get(reverse("home"))
    assert response.status_code == 403
    assert "Your account has no role yet" in html(response)
