"""A deploy check: production should not run with the second factor switched off."""

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def two_factor_required(app_configs, **kwargs):
    if getattr(settings, "PORTAL_REQUIRE_2FA", True):
        return []
    return [
        Warning(
            "PORTAL_REQUIRE_2FA is off: staff can sign in with a password alone.",
            hint="Unset PORTAL_REQUIRE_2FA (it defaults to true) in any real deployment.",
            id="security.W001",
        )
    ]
