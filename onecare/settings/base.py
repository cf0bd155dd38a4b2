"""Settings shared by every environment; each value comes from the environment where it varies."""

import datetime
from decimal import Decimal
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONE, SELF

from .env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent

SECRET_KEY = env_str("DJANGO_SECRET_KEY", "django-insecure-local-only-never-use-in-production")
DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "onecare.accounts.admin_site.PortalAdminConfig",  # django.contrib.admin, with the portal's site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "simple_history",
    "import_export",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "csp",
    "onecare.accounts",
    "onecare.security",
    "onecare.outbox",
    "localities",
    "funding",
    "improved_access",
    # The pages that combine the apps above: the header's navigation, the locality page, the money dashboard.
    "portal",
    # One Care: the membership register, practice ballots and the business plan tracker.
    "onecare.membership",
    "onecare.ballots",
    "onecare.businessplan",
    # The read API under /api/v1/ and its personal access tokens (api/, README "Read API").
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # Django's, handing the backend the user read with the session (onecare/accounts/middleware.py).
    "onecare.accounts.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "onecare.security.middleware.RequireTwoFactorMiddleware",
    # After sign-in and the second factor: it serves only a signed-in user who has passed both.
    "onecare.pagecache.PageCacheMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "onecare.urls"
WSGI_APPLICATION = "onecare.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.context_processors.navigation",
            ],
            # {{ amount|money }} and {{ population|patients }} everywhere: one way to show a figure.
            "builtins": ["onecare.templatetags.formats", "localities.templatetags.sources"],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django's backend, with a health check of a kept connection that asks the server only when it has spoken.
    DATABASES["default"]["ENGINE"] = "onecare.postgresql"
    # Parameters bound by the server rather than written into the SQL by psycopg, so that a statement a kept
    # connection has run DATABASE_PREPARE_THRESHOLD times (psycopg's own default, 5) becomes a prepared
    # statement: PostgreSQL parses and plans it once a connection instead of once a request (the pages' queries
    # are the same statements with other values). Behind a pooler that cannot keep prepared statements
    # (PgBouncer in transaction mode before 1.21), set DATABASE_PREPARED_STATEMENTS=false.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "server_side_binding": True,
            "prepare_threshold": (
                env_int("DATABASE_PREPARE_THRESHOLD", 5) if env_bool("DATABASE_PREPARED_STATEMENTS", True) else None
            ),
        }
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded demo serves requests in threads. SQLite's default (deferred) transactions let two requests
    # read and then both try to write: the second fails at once with "database is locked" (a 500). Immediate
    # transactions take the write lock first, so the second waits (up to 20 s) and then meets the transition's
    # own check ("approved by someone else").
    DATABASES["default"].setdefault("OPTIONS", {}).update({"transaction_mode": "IMMEDIATE", "timeout": 20})
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"
SESSION_COOKIE_AGE = env_int("DJANGO_SESSION_COOKIE_AGE", 8 * 60 * 60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True

# Security (onecare/security): log-in throttling, a second factor for staff, and the headers.
# django-axes checks every sign-in first; it locks an account (not an address: NHS sites share
# a few outgoing addresses) after too many failures, for a cool-off period.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend, loading the user with the page cache's data version in one query.
    "onecare.accounts.backends.AccountBackend",
    # Sign in with NHSmail (onecare/security/oidc.py): answers only the OpenID Connect callback, when configured.
    "onecare.security.oidc.NHSmailBackend",
]
AXES_FAILURE_LIMIT = env_int("PORTAL_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env_int("PORTAL_LOGIN_LOCKOUT_MINUTES", 30))
AXES_LOCKOUT_PARAMETERS = ["username"]
# axes.W006 wants the address in the lockout too; that would lock out a whole practice behind one
# NHS gateway after a few typos. Per-account lockout plus the second factor is the defence here.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "onecare.security.views.lockout"
AXES_USERNAME_CALLABLE = "onecare.security.throttling.axes_username"
# TOTP (django-otp) for the roles in onecare/security/twofactor.py; off only where tests predate it.
PORTAL_REQUIRE_2FA = env_bool("PORTAL_REQUIRE_2FA", True)
OTP_TOTP_ISSUER = "BNSSG locality funding portal"
# Sign in with NHSmail: OpenID Connect against NHSmail's Entra ID tenant (onecare/security/oidc.py, README). Off
# unless the issuer, client id and client secret are all set. The endpoints come from the issuer's
# /.well-known/openid-configuration at first use, unless all three of authorisation, token and JWKS are given.
PORTAL_OIDC_ISSUER = env_str("PORTAL_OIDC_ISSUER", "")
PORTAL_OIDC_CLIENT_ID = env_str("PORTAL_OIDC_CLIENT_ID", "")
PORTAL_OIDC_CLIENT_SECRET = env_str("PORTAL_OIDC_CLIENT_SECRET", "")
PORTAL_OIDC_AUTHORIZATION_ENDPOINT = env_str("PORTAL_OIDC_AUTHORIZATION_ENDPOINT", "")
PORTAL_OIDC_TOKEN_ENDPOINT = env_str("PORTAL_OIDC_TOKEN_ENDPOINT", "")
PORTAL_OIDC_JWKS_URI = env_str("PORTAL_OIDC_JWKS_URI", "")
PORTAL_OIDC_END_SESSION_ENDPOINT = env_str("PORTAL_OIDC_END_SESSION_ENDPOINT", "")
# The provider enforces multi-factor authentication (NHSmail does): a sign-in through it satisfies the portal's
# second factor unless this is false, when staff also enter their TOTP code.
PORTAL_OIDC_COUNTS_AS_2FA = env_bool("PORTAL_OIDC_COUNTS_AS_2FA", True)
# Log-out also ends the session at the provider (its end_session_endpoint), which signs the person out of NHSmail.
PORTAL_OIDC_SIGN_OUT_AT_PROVIDER = env_bool("PORTAL_OIDC_SIGN_OUT_AT_PROVIDER", False)
# Seconds of clock difference allowed when checking the ID token's times; seconds to wait for the provider.
PORTAL_OIDC_CLOCK_SKEW_SECONDS = env_int("PORTAL_OIDC_CLOCK_SKEW_SECONDS", 60)
OIDC_TIMEOUT = env_int("PORTAL_OIDC_TIMEOUT_SECONDS", 10)
# mozilla-django-oidc's own settings: code flow with PKCE (S256), nonce, RS256 ID tokens checked against the
# provider's JWKS; accounts are matched, never created.
OIDC_RP_SIGN_ALGO = "RS256"
OIDC_RP_SCOPES = "openid email profile"
OIDC_USE_NONCE = True
OIDC_USE_PKCE = True
OIDC_PKCE_CODE_CHALLENGE_METHOD = "S256"
OIDC_CREATE_USER = False
OIDC_STORE_ACCESS_TOKEN = False
OIDC_STORE_ID_TOKEN = False
OIDC_AUTHENTICATION_CALLBACK_URL = "oidc:callback"
# No inline scripts or styles anywhere (the admin's JSON data blocks are not executed, so allowed).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        # Fonts only from the portal: its copy of the NHS.UK stylesheet has no web fonts (onecare/staticfinders.py).
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("nhsuk", BASE_DIR / "node_modules" / "nhsuk-frontend" / "dist" / "nhsuk"),
]
# The NHS.UK stylesheet without its web fonts from assets.nhs.uk comes first (onecare/staticfinders.py).
STATICFILES_FINDERS = [
    "onecare.staticfinders.LocalFontsFinder",
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
]
MEDIA_ROOT = Path(env_str("DJANGO_MEDIA_ROOT", str(BASE_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Only the front-end files the pages use are worth compressing; sources and maps are skipped.
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = ("map", "scss", "mts", "mjs", "njk", "json", "md", "png", "ico")

# The portal's own address, with scheme and host and no trailing slash: the start of every link in an e-mail
# (funding/notifications.py). Production refuses to start without it.
PORTAL_URL = env_str("PORTAL_URL", "http://127.0.0.1:8000").rstrip("/")
EMAIL_BACKEND = env_str("DJANGO_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DJANGO_DEFAULT_FROM_EMAIL", "BNSSG locality funding portal <noreply@localhost>")

# Celery: with REDIS_URL a real broker; without it (the embedded default) tasks run in-process.
REDIS_URL = env_str("REDIS_URL", "")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE = {
    "funding-evaluate-milestones": {
        "task": "funding.evaluate_milestones",
        "schedule": crontab(hour=2, minute=0),
    },
    "funding-evaluation-requests-sweep": {
        "task": "funding.evaluation_requests_sweep",
        "schedule": crontab(minute="*/15"),
    },
    "improved-access-quarterly": {
        "task": "improved_access.evaluate_improved_access",
        "schedule": crontab(minute=0, hour=3, day_of_month=1, month_of_year="1,4,7,10"),
    },
    "localities-import-records-stuck-sweep": {
        "task": "localities.import_records_stuck_sweep",
        "schedule": crontab(minute="*/5"),
    },
    "improved-access-activity-uploads-stuck-sweep": {
        "task": "improved_access.activity_uploads_stuck_sweep",
        "schedule": crontab(minute="*/5"),
    },
    "outbox-unsent-tasks-sweep": {
        "task": "onecare.unsent_tasks_sweep",
        "schedule": crontab(minute="*/5"),
    },
    "accounts-sessions-clear-expired": {
        "task": "accounts.sessions_clear_expired",
        "schedule": crontab(hour=4, minute=15),
    },
    "api-token-uses-prune": {
        "task": "api.token_uses_prune",
        "schedule": crontab(hour=4, minute=30),
    },
    "funding-deadline-reminders": {
        "task": "funding.deadline_reminders_send",
        "schedule": crontab(hour=7, minute=0),
    },
}

# Caches: with DJANGO_CACHE_URL (redis://...) one Redis shared by every web process (the read API's throttle);
# without it each process keeps its own in memory. The page cache
# (onecare/pagecache.py) is always each process's own: its keys carry the data version, so a copy in one
# process can never be out of date for another, and serving it takes no network round trip.
CACHE_URL = env_str("DJANGO_CACHE_URL", "")
CACHES = {
    "default": (
        # Django's RedisCache, reusing its client (onecare/rediscache.py).
        {"BACKEND": "onecare.rediscache.ReusedClientRedisCache", "LOCATION": CACHE_URL}
        if CACHE_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "default"}
    ),
    "pages": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "pages",
        "OPTIONS": {"MAX_ENTRIES": env_int("PORTAL_PAGE_CACHE_ENTRIES", 200)},
    },
}
# Sessions in the database, each row naming its user: a request reads its session, its user and the data version in
# one statement (onecare/accounts/sessions.py).
SESSION_ENGINE = "onecare.accounts.sessions"
# Whole-page caching of the heavy read pages, keyed by the data version (onecare/pagecache.py, dataversion.py).
PORTAL_PAGE_CACHE = env_bool("PORTAL_PAGE_CACHE", True)
PORTAL_PAGE_CACHE_ALIAS = "pages"
PORTAL_PAGE_CACHE_SECONDS = env_int("PORTAL_PAGE_CACHE_SECONDS", 10 * 60)

# The area this portal serves: commissioners whose practices belong here.
PORTAL_AREA_COMMISSIONERS = env_list("PORTAL_AREA_COMMISSIONERS", "11H,11T,12A,15C")
# Releases above this amount need a second approval, by a finance approver.
FUNDING_DELEGATED_LIMIT = Decimal(env_str("FUNDING_DELEGATED_LIMIT", "50000.00"))
# A locality must cover at least this many registered patients.
LOCALITY_MINIMUM_POPULATION = env_int("LOCALITY_MINIMUM_POPULATION", 100_000)

# Limits on imported files, checked before any row is read (localities/importing/reading.py). Practice
# data imports (the admin and import_practice_data):
PRACTICE_IMPORT_MAX_BYTES = env_int("PRACTICE_IMPORT_MAX_BYTES", 50_000_000)
PRACTICE_IMPORT_MAX_ROWS = env_int("PRACTICE_IMPORT_MAX_ROWS", 1_500_000)
PRACTICE_IMPORT_MAX_COLUMNS = env_int("PRACTICE_IMPORT_MAX_COLUMNS", 200)
PRACTICE_IMPORT_MAX_EXPANDED_BYTES = env_int("PRACTICE_IMPORT_MAX_EXPANDED_BYTES", 100_000_000)
PRACTICE_IMPORT_MAX_COMPRESSION_RATIO = env_int("PRACTICE_IMPORT_MAX_COMPRESSION_RATIO", 100)
# Files with more to read than this (a workbook counted by the size it expands to) are read by a worker.
PRACTICE_IMPORT_BACKGROUND_BYTES = env_int("PRACTICE_IMPORT_BACKGROUND_BYTES", 2_000_000)
# Improved Access activity returns (CSV, one locality's quarter):
IA_ACTIVITY_MAX_BYTES = env_int("IA_ACTIVITY_MAX_BYTES", 10_000_000)
IA_ACTIVITY_MAX_ROWS = env_int("IA_ACTIVITY_MAX_ROWS", 100_000)
IA_ACTIVITY_MAX_COLUMNS = env_int("IA_ACTIVITY_MAX_COLUMNS", 50)
IA_ACTIVITY_BACKGROUND_BYTES = env_int("IA_ACTIVITY_BACKGROUND_BYTES", 200_000)
# A check or import still running after this long is marked failed with the reason (a sweep every 5 minutes).
IMPORT_TIMEOUT_MINUTES = env_int("IMPORT_TIMEOUT_MINUTES", 30)

# The read API (api/): tokens, throttling, paging. Rates are DRF's "<number>/<second|minute|hour|day>".
API_TOKEN_MAX_DAYS = env_int("PORTAL_API_TOKEN_MAX_DAYS", 90)
# Each use of a token is recorded (api.models.TokenUse); a nightly task deletes records older than this.
API_TOKEN_USE_DAYS = env_int("PORTAL_API_TOKEN_USE_DAYS", 400)
API_PAGE_SIZE = env_int("PORTAL_API_PAGE_SIZE", 100)
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # First: its "Bearer" challenge makes an unauthenticated request a 401.
        "api.authentication.BearerTokenAuthentication",
        # The browsable API and the docs page for a signed-in (and two-factor verified) user.
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.ReadOnlyApiUser"],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.PerTokenOrUserThrottle"],
    "DEFAULT_THROTTLE_RATES": {"api": env_str("PORTAL_API_THROTTLE_RATE", "1000/hour")},
    "DEFAULT_PAGINATION_CLASS": "api.pagination.Pages",
    "PAGE_SIZE": API_PAGE_SIZE,
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_PARSER_CLASSES": [],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # Money as "1234.50", never a float.
    "COERCE_DECIMAL_TO_STRING": True,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "BNSSG locality funding portal: read API",
    "DESCRIPTION": "Localities, releases, payment runs and Improved Access quarters, scoped as the portal's pages.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema and docs pages: the same people as the API itself (drf-spectacular's default is anyone).
    "SERVE_PERMISSIONS": ["api.permissions.ReadOnlyApiUser"],
    # Swagger UI from the portal's own static files (drf-spectacular-sidecar), never a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("DJANGO_LOG_LEVEL", "INFO")},
    # django-axes logs every sign-in at INFO; failures and lockouts (WARNING) are what to keep.
    "loggers": {"axes": {"level": "WARNING"}},
}
