"""Two-factor sign-in (TOTP): required for the staff roles before any page, the admin included."""

from base64 import b32decode
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from onecare.accounts.roles import Role
from onecare.security.twofactor import DEMO_TOTP_SECRET, TWO_FACTOR_ROLES, demo_devices_seed, demo_token
from tests.onecare.factories import UserFactory

SETUP = reverse("security:setup")
VERIFY = reverse("security:verify")


def code_for(device: TOTPDevice) -> str:
    return f"{TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token():06d}"


def staff_user(role: Role | None):
    if role is None:
        return UserFactory(is_superuser=True, is_staff=True)
    return UserFactory(role=role)


@pytest.mark.parametrize("role", [*sorted(TWO_FACTOR_ROLES), None], ids=lambda r: str(r or "superuser"))
@pytest.mark.parametrize("path", ["/", "/admin/", "/localities/", "/accounts/password/"])
def test_it_sends_staff_without_a_device_to_set_one_up(client, role, path):
    client.force_login(staff_user(role))
    response = client.get(path)
    assert response.status_code == 302
    assert response.url.startswith(SETUP + "?next=")


@pytest.mark.parametrize("role", sorted(TWO_FACTOR_ROLES))
def test_it_asks_staff_with_a_device_for_a_code_first(client, role):
    user = staff_user(role)
    TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    client.force_login(user)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response.url == VERIFY + "?next=%2Fadmin%2F"


@pytest.mark.parametrize("role", [Role.PRACTICE_MANAGER, Role.LOCALITY_LEAD])
def test_it_does_not_ask_practice_staff(client, role):
    client.force_login(UserFactory(role=role))
    response = client.get("/accounts/password/")
    assert response.status_code == 200


def test_it_lets_staff_in_with_the_right_code(client):
    user = staff_user(Role.DATA_ADMIN)
    device = TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    client.force_login(user)
    response = client.post(VERIFY, {"token": code_for(device), "next": "/admin/"})
    assert response.status_code == 302
    assert response.url == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_it_refuses_a_wrong_code_with_an_error_summary(client):
    user = staff_user(Role.COMMISSIONER)
    device = TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    client.force_login(user)
    wrong = "000000" if code_for(device) != "000000" else "111111"
    response = client.post(VERIFY, {"token": wrong})
    assert response.status_code == 200
    assert "There is a problem" in response.text
    assert "wrong or has expired" in response.text
    assert client.get("/admin/").status_code == 302


@pytest.mark.parametrize("token", ["", "12345", "abcdef", "1234567", "١٢٣٤٥٦", "12\x0034"])
def test_it_explains_a_malformed_code(client, token):
    user = staff_user(Role.COMMISSIONER)
    TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    client.force_login(user)
    response = client.post(VERIFY, {"token": token})
    assert response.status_code == 200
    assert "nhsuk-error-summary" in response.text


def test_it_ignores_a_next_address_on_another_site(client):
    user = staff_user(Role.DATA_ADMIN)
    device = TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    client.force_login(user)
    response = client.post(VERIFY, {"token": code_for(device), "next": "https://evil.example/"})
    assert response.url == reverse("home")


def test_it_shows_the_secret_as_text_and_as_a_qr_code(client):
    client.force_login(staff_user(Role.FINANCE_APPROVER))
    response = client.get(SETUP)
    device = TOTPDevice.objects.get(confirmed=False)
    secret = response.context["secret"]
    assert response.status_code == 200
    assert secret in response.text
    assert "<svg " in response.text
    assert 'aria-label="QR code for your authenticator app"' in response.text
    assert "<script>" not in response.text
    # A reload shows the same secret rather than a new one.
    assert client.get(SETUP).context["secret"] == secret
    assert TOTPDevice.objects.filter(user=device.user).count() == 1


def test_it_confirms_a_new_device_with_its_first_code(client):
    user = staff_user(Role.ONECARE_STAFF)
    client.force_login(user)
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=user)
    response = client.post(SETUP, {"token": code_for(device), "next": "/"})
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    # Verified for this session: the start page answers.
    assert client.get("/").status_code == 302
    assert client.get("/").url != SETUP


def test_it_does_not_confirm_a_device_with_a_wrong_code(client):
    user = staff_user(Role.SCRUTINEER)
    client.force_login(user)
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=user)
    wrong = "000000" if code_for(device) != "000000" else "111111"
    response = client.post(SETUP, {"token": wrong})
    assert response.status_code == 200
    device.refresh_from_db()
    assert not device.confirmed


def test_it_sends_anonymous_visitors_to_sign_in(client):
    response = client.get(VERIFY)
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def test_it_can_be_switched_off(client, settings):
    settings.PORTAL_REQUIRE_2FA = False
    client.force_login(staff_user(Role.DATA_ADMIN))
    assert client.get("/admin/").status_code == 200


def test_it_seeds_demo_devices_for_staff_only_and_once():
    commissioner, manager = staff_user(Role.COMMISSIONER), UserFactory(role=Role.PRACTICE_MANAGER)
    assert demo_devices_seed([commissioner, manager]) == 1
    assert demo_devices_seed([commissioner, manager]) == 0
    device = TOTPDevice.objects.get(user=commissioner)
    assert device.confirmed
    assert device.verify_token(demo_token())
    assert len(DEMO_TOTP_SECRET) == 32


def test_it_gives_the_demo_staff_the_published_secret():
    call_command("load_demo_data", stdout=StringIO())
    for username in ("commissioner", "finance", "data.admin", "admin", "onecare.staff", "scrutineer"):
        device = TOTPDevice.objects.get(user__username=username, confirmed=True)
        assert device.bin_key == b32decode(DEMO_TOTP_SECRET)
    assert not TOTPDevice.objects.filter(user__username="practice.manager").exists()
