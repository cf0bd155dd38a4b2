"""Log-in throttling (django-axes): an account is locked after repeated failures, with a clear page."""

import pytest
from axes.models import AccessAttempt
from axes.utils import reset
from django.urls import reverse

from onecare.accounts.roles import Role
from tests.onecare.factories import PASSWORD, UserFactory

LOGIN = reverse("accounts:login")


@pytest.fixture
def manager():
    return UserFactory(username="pm", role=Role.PRACTICE_MANAGER)


def sign_in(client, password, username="pm"):
    return client.post(LOGIN, {"username": username, "password": password})


def test_it_locks_the_account_after_the_failure_limit(client, manager, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert sign_in(client, "wrong-password").status_code == 200
    locked = sign_in(client, "wrong-password")
    assert locked.status_code == 429
    assert "Sign-in locked" in locked.text
    # Locked: even the right password does not sign in now.
    again = sign_in(client, PASSWORD)
    assert again.status_code == 429
    assert "_auth_user_id" not in client.session


def test_it_shows_an_nhs_styled_lockout_page(client, manager, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = sign_in(client, "wrong-password")
    assert "security/lockout.html" in [template.name for template in response.templates]
    assert 'class="nhsuk-header' in response.text
    assert "try again in 30 minutes" in response.text
    assert "If this was not you" in response.text


def test_it_lets_a_user_in_after_fewer_failures_and_forgets_them(client, manager, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        sign_in(client, "wrong-password")
    assert sign_in(client, PASSWORD).status_code == 302
    assert not AccessAttempt.objects.filter(username="pm").exists()


def test_it_locks_one_account_not_everyone_at_the_address(client, manager, settings):
    UserFactory(username="other", role=Role.PRACTICE_MANAGER)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "wrong-password")
    assert sign_in(client, PASSWORD, username="other").status_code == 302


def test_it_can_be_reset(client, manager, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "wrong-password")
    reset(username="pm")
    assert sign_in(client, PASSWORD).status_code == 302


def test_it_throttles_the_admin_log_in_too(client, manager, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = client.post(reverse("admin:login"), {"username": "pm", "password": "wrong-password"})
    assert response.status_code == 429


@pytest.mark.parametrize("username", ["x" * 20_000, "pm\x00" * 100, "é" * 300])
def test_it_refuses_an_overlong_username_without_a_server_error(client, manager, username):
    response = sign_in(client, "wrong-password", username=username)
    assert response.status_code == 200
    assert "There is a problem" in response.text
