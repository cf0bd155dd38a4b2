"""Settings for pytest: the throwaway PostgreSQL cluster the test run starts (DATABASE_URL)."""

import tempfile
from pathlib import Path

from .base import *  # noqa: F403
from .base import INSTALLED_APPS
from .env import env_str

# The demo (`load_demo_data`) and the synthetic scale data the tests and `make bench` build (devdata/apps.py).
INSTALLED_APPS = [*INSTALLED_APPS, "devdata"]

if not env_str("DATABASE_URL", "").startswith("postgres"):
    raise RuntimeError("Tests run on PostgreSQL: use `make test` (it starts a throwaway cluster).")

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="portal-test-media-"))
# Static files come from the finders in tests; WhiteNoise still wants its root to exist.
STATIC_ROOT = Path(tempfile.mkdtemp(prefix="portal-test-static-"))
WHITENOISE_USE_FINDERS = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Tests that are about Celery start a real worker on REDIS_URL; the rest run tasks in-process.
CELERY_TASK_ALWAYS_EAGER = True
# The suites written before log-in throttling and two-factor sign-in log in with
# client.login()/force_login(); tests/security and tests/e2e switch both back on.
AXES_ENABLED = False
PORTAL_REQUIRE_2FA = False
