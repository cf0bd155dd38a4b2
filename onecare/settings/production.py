"""The production shape (docker-compose.yml): every secret and host comes from the environment."""

import re

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .env import env_bool, env_int, env_str

DEBUG = False
SECRET_KEY = env_str("DJANGO_SECRET_KEY")
if SECRET_KEY.startswith("django-insecure") or len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be a long random value in production.")
env_str("DATABASE_URL")  # production never falls back to the SQLite default
# Each gunicorn worker keeps its connection (checked before reuse: onecare/postgresql) rather than opening one
# a request.
DATABASES["default"]["CONN_MAX_AGE"] = env_int("DATABASE_CONN_MAX_AGE", 600)  # noqa: F405
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True  # noqa: F405
# Production runs its tasks on a Celery worker through Redis: never inside a web request (the embedded default's way).
if not REDIS_URL:  # noqa: F405
    raise ImproperlyConfigured("Set REDIS_URL: production runs its tasks on the Celery worker, not in web requests.")
if not ALLOWED_HOSTS:  # noqa: F405
    raise ImproperlyConfigured("Set DJANGO_ALLOWED_HOSTS.")
# E-mails link to the portal at this address: without it they would carry bare paths.
PORTAL_URL = env_str("PORTAL_URL").rstrip("/")
if not re.fullmatch(r"https?://[^/\s]+", PORTAL_URL):
    raise ImproperlyConfigured("PORTAL_URL must be the portal's address, like https://portal.example.nhs.uk.")

# Sign in with NHSmail (OpenID Connect; README "Sign in with NHSmail"): off unless PORTAL_OIDC_ISSUER,
# PORTAL_OIDC_CLIENT_ID and PORTAL_OIDC_CLIENT_SECRET are set; the provider is reached over https only.
if PORTAL_OIDC_ISSUER and not PORTAL_OIDC_ISSUER.startswith("https://"):  # noqa: F405
    raise ImproperlyConfigured(
        "PORTAL_OIDC_ISSUER must be an https:// address, like https://login.microsoftonline.com/<tenant-id>/v2.0."
    )

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_SECURE = True
X_FRAME_OPTIONS = "DENY"

EMAIL_BACKEND = env_str("DJANGO_EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env_str("DJANGO_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("DJANGO_EMAIL_PORT", 25)
