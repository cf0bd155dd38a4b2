"""Who must prove a second factor (TOTP) and the devices that prove it.

Required for everyone who works across organisations or in the Django admin: commissioners,
finance approvers, data admins, One Care staff (the membership register and ballots), the
scrutineer (who sees the whole register and every vote) and any staff or superuser account.
Practice managers and locality leads see only their own locality and are not asked.
"""

from base64 import b32decode, b32encode

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY
from django.db import transaction
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from onecare.accounts.roles import Role

TWO_FACTOR_ROLES = frozenset(
    {Role.COMMISSIONER, Role.FINANCE_APPROVER, Role.DATA_ADMIN, Role.ONECARE_STAFF, Role.SCRUTINEER}
)
DEVICE_NAME = "Authenticator app"
# The authentication backend of an NHSmail sign-in (onecare/security/oidc.py), as the session records it.
NHSMAIL_BACKEND = "onecare.security.oidc.NHSmailBackend"
# Public on purpose: the demo (`make run`) staff accounts share this secret, documented in the README.
DEMO_TOTP_SECRET = "BNSSGDEMOBNSSGDEMOBNSSGDEMOBNSSG"  # noqa: S105  (demo data, never a real account's)


def two_factor_enforced() -> bool:
    return bool(getattr(settings, "PORTAL_REQUIRE_2FA", True))


def provider_counts_as_two_factor(request) -> bool:
    """Signed in with NHSmail, whose sign-in enforces multi-factor authentication, where the settings say that
    counts as the portal's second factor (PORTAL_OIDC_COUNTS_AS_2FA). The session's backend is set by the
    sign-in itself (a new session each time), never by anything the browser sends."""
    if not getattr(settings, "PORTAL_OIDC_COUNTS_AS_2FA", False):
        return False
    session = getattr(request, "session", None)
    return session is not None and session.get(BACKEND_SESSION_KEY) == NHSMAIL_BACKEND


def requires_two_factor(user) -> bool:
    if not user.is_authenticated:
        return False
    return user.is_superuser or user.is_staff or user.has_role(*TWO_FACTOR_ROLES)


def confirmed_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def unconfirmed_device(user) -> TOTPDevice:
    """The device being set up: one per user, kept until confirmed so a reload shows the same secret."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    return device or TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)


def base32_secret(device: TOTPDevice) -> str:
    return b32encode(device.bin_key).decode("ascii")


def device_confirm(device: TOTPDevice, token: str) -> bool:
    """Confirm a device being set up if the token matches; returns whether it did."""
    if not device.verify_token(token):
        return False
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return True


def demo_devices_seed(users) -> int:
    """Give each user who needs a second factor a confirmed device with the demo secret; returns how many were added."""
    key = b32decode(DEMO_TOTP_SECRET).hex()
    added = 0
    with transaction.atomic():
        for user in users:
            if not requires_two_factor(user) or TOTPDevice.objects.filter(user=user, confirmed=True).exists():
                continue
            TOTPDevice.objects.create(user=user, name=f"{DEVICE_NAME} (demo)", key=key, confirmed=True)
            added += 1
    return added


def demo_token(at: float | None = None) -> str:
    """The current code for the demo secret (what an authenticator app would show)."""
    totp = TOTP(b32decode(DEMO_TOTP_SECRET))
    if at is not None:
        totp.time = at
    return f"{totp.token():06d}"
