"""The security tests run with log-in throttling and two-factor sign-in switched on, as deployed."""

import pytest
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from onecare.security.twofactor import requires_two_factor


@pytest.fixture(autouse=True)
def _security_on(settings):
    settings.AXES_ENABLED = True
    settings.PORTAL_REQUIRE_2FA = True


def login_verified(client, user) -> None:
    """Sign in as the user, past the second factor where their role needs one."""
    client.force_login(user)
    if requires_two_factor(user):
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        device = device or TOTPDevice.objects.create(user=user, name="test", confirmed=True)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
