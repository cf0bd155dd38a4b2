"""The production settings switch every protection on (check --deploy covers cookies, HSTS and redirects)."""

import json

from tests.test_deploy_settings import manage, production_env

PRINT = (
    "import json; from django.conf import settings as s; print(json.dumps({"
    "'2fa': s.PORTAL_REQUIRE_2FA, 'axes': s.AXES_ENABLED, 'limit': s.AXES_FAILURE_LIMIT,"
    "'secure': s.SESSION_COOKIE_SECURE and s.CSRF_COOKIE_SECURE, 'hsts': s.SECURE_HSTS_SECONDS,"
    "'browser_close': s.SESSION_EXPIRE_AT_BROWSER_CLOSE, 'frames': s.X_FRAME_OPTIONS,"
    "'middleware': s.MIDDLEWARE}))"
)


def production_settings(**changes) -> dict:
    done = manage("shell", "-c", PRINT, env=production_env(**changes))
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_it_protects_production_by_default():
    found = production_settings()
    assert found["2fa"] is True
    assert found["axes"] is True
    assert found["limit"] == 5
    assert found["secure"] is True
    assert found["hsts"] >= 31_536_000
    assert found["browser_close"] is True
    assert found["frames"] == "DENY"
    for middleware in (
        "csp.middleware.CSPMiddleware",
        "django_otp.middleware.OTPMiddleware",
        "onecare.security.middleware.RequireTwoFactorMiddleware",
        "axes.middleware.AxesMiddleware",
    ):
        assert middleware in found["middleware"]


def test_it_warns_at_deploy_when_two_factor_is_off():
    done = manage("check", "--deploy", "--fail-level", "WARNING", env=production_env(PORTAL_REQUIRE_2FA="false"))
    assert done.returncode != 0
    assert "security.W001" in done.stdout + done.stderr
