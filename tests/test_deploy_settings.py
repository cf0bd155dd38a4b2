"""Production settings: `check --deploy` is clean with the production variables, and the
settings refuse to start without a proper secret key (or without a database)."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def production_env(**changes):
    """The environment docker-compose.yml gives the app containers, on the test run's database."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    env.update(
        DJANGO_SETTINGS_MODULE="onecare.settings.production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(64),
        DJANGO_ALLOWED_HOSTS="portal.example.nhs.uk",
        DJANGO_CSRF_TRUSTED_ORIGINS="https://portal.example.nhs.uk",
        PORTAL_URL="https://portal.example.nhs.uk",
        DATABASE_URL=os.environ["DATABASE_URL"],
        REDIS_URL="redis://redis:6379/0",
    )
    for key, value in changes.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def manage(*args, env):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_it_passes_check_deploy_with_the_production_variables():
    done = manage("check", "--deploy", "--fail-level", "WARNING", env=production_env())
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no issues" in done.stdout + done.stderr


@pytest.mark.parametrize(
    ("changes", "complaint"),
    [
        ({"DJANGO_SECRET_KEY": None}, "DJANGO_SECRET_KEY"),
        ({"DJANGO_SECRET_KEY": "django-insecure-" + secrets.token_urlsafe(48)}, "DJANGO_SECRET_KEY"),
        ({"DJANGO_SECRET_KEY": "too-short-to-be-a-secret"}, "DJANGO_SECRET_KEY"),
        ({"DATABASE_URL": None}, "DATABASE_URL"),
        ({"PORTAL_URL": None}, "PORTAL_URL"),
        ({"PORTAL_URL": "portal.example.nhs.uk/funding"}, "PORTAL_URL"),
        ({"REDIS_URL": None}, "REDIS_URL"),
    ],
    ids=[
        "no-secret-key",
        "insecure-secret-key",
        "short-secret-key",
        "no-database-url",
        "no-portal-url",
        "bad-portal-url",
        "no-redis-url",
    ],
)
def test_it_refuses_to_start_without_the_production_variables(changes, complaint):
    done = manage("check", env=production_env(**changes))
    assert done.returncode != 0
    assert "ImproperlyConfigured" in done.stderr
    assert complaint in done.stderr


def settings_of(*names, env) -> list[str]:
    code = "import django; django.setup(); from django.conf import settings as s; "
    code += "print(repr([" + ", ".join(names) + "]))"
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=60, check=True
    )
    return eval(done.stdout)  # noqa: S307 - our own repr of strings and numbers


def test_it_shares_the_cache_through_redis_and_keeps_database_connections():
    env = production_env(DJANGO_CACHE_URL="redis://redis:6379/1")
    backend, location, engine, max_age, health_checks, eager, pages, database = settings_of(
        "s.CACHES['default']['BACKEND']",
        "s.CACHES['default']['LOCATION']",
        "s.SESSION_ENGINE",
        "s.DATABASES['default']['CONN_MAX_AGE']",
        "s.DATABASES['default']['CONN_HEALTH_CHECKS']",
        "s.CELERY_TASK_ALWAYS_EAGER",
        "s.CACHES['pages']['BACKEND']",
        "s.DATABASES['default']['ENGINE']",
        env=env,
    )
    assert (backend, location) == ("onecare.rediscache.ReusedClientRedisCache", "redis://redis:6379/1")
    assert engine == "onecare.accounts.sessions"  # in the database, read with the user: not in Redis
    assert max_age == 600
    assert health_checks is True  # a connection kept for reuse is checked first
    assert database == "onecare.postgresql"  # whose check asks the server only when the connection has spoken
    assert eager is False  # tasks go to the worker through Redis, never run inside a web request
    assert pages == "django.core.cache.backends.locmem.LocMemCache"  # keyed by data version: each process its own


def test_statements_are_prepared_on_kept_connections_unless_a_pooler_forbids_it():
    (options,) = settings_of("s.DATABASES['default']['OPTIONS']", env=production_env())
    assert options["server_side_binding"] is True  # the values sent apart from the SQL: one statement for any values
    assert options["prepare_threshold"] == 5  # psycopg's default: prepared on the sixth run on a connection
    (options,) = settings_of("s.DATABASES['default']['OPTIONS']", env=production_env(DATABASE_PREPARE_THRESHOLD="2"))
    assert options["prepare_threshold"] == 2
    (options,) = settings_of(
        "s.DATABASES['default']['OPTIONS']", env=production_env(DATABASE_PREPARED_STATEMENTS="false")
    )
    assert (options["server_side_binding"], options["prepare_threshold"]) == (True, None)  # None: never prepared


def test_without_a_cache_url_sessions_are_in_the_database_all_the_same():
    engine, backend = settings_of("s.SESSION_ENGINE", "s.CACHES['default']['BACKEND']", env=production_env())
    assert engine == "onecare.accounts.sessions"
    assert backend == "django.core.cache.backends.locmem.LocMemCache"


def test_production_has_no_demo_or_synthetic_data_commands_but_loads_the_reference_data():
    """devdata (load_demo_data, generate_scale_data, demo_totp_code) is installed for development and tests only."""
    (apps,) = settings_of("s.INSTALLED_APPS", env=production_env())
    assert "devdata" not in apps and "portal" in apps
    listed = manage("help", "--commands", env=production_env())
    assert listed.returncode == 0, listed.stderr
    commands = listed.stdout.split()
    assert "load_reference_data" in commands
    assert not {"load_demo_data", "generate_scale_data", "demo_totp_code"} & set(commands)
    refused = manage("load_demo_data", env=production_env())
    assert refused.returncode != 0 and "Unknown command: 'load_demo_data'" in refused.stderr
