"""Celery against the real Redis server that `make test` starts (REDIS_URL).

The rest of the suite runs tasks in-process (CELERY_TASK_ALWAYS_EAGER); these tests send
real messages through Redis to a real worker, as the compose stack's worker does.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from kombu import pools as kombu_pools

from onecare.celery import app
from onecare.tasks import ping

pytestmark = pytest.mark.redis

REDIS_URL = os.environ.get("REDIS_URL", "")


@pytest.fixture
def redis_app():
    """The project's Celery app pointed at REDIS_URL, with results stored there too."""
    if not REDIS_URL:
        pytest.skip("REDIS_URL is not set: run the suite with `make test`, which starts a Redis server")
    overrides = {"broker_url": REDIS_URL, "result_backend": REDIS_URL, "task_always_eager": False}
    saved = {key: app.conf[key] for key in overrides}
    app.conf.update(overrides)
    _forget_connections()
    try:
        yield app
    finally:
        app.conf.update(saved)
        _forget_connections()


def _forget_connections():
    """Drop the cached broker pools and result backend so a changed config takes effect.

    kombu keeps connection and producer pools in a process-wide registry keyed by broker URL,
    so the app's references and that registry are both reset.
    """
    kombu_pools.reset()
    app._pool = None
    if "amqp" in app.__dict__:  # a cached property: only reset it once it exists
        app.amqp._producer_pool = None
    app._backend_cache = None
    app._local.__dict__.pop("backend", None)


def test_it_uses_redis_as_the_broker_when_redis_url_is_set():
    if not REDIS_URL:
        pytest.skip("REDIS_URL is not set: run the suite with `make test`, which starts a Redis server")
    assert settings.CELERY_BROKER_URL == REDIS_URL
    assert app.conf.broker_url == REDIS_URL


def test_it_discovers_the_ping_task_as_a_worker_would():
    """`celery -A onecare worker` knows only the tasks autodiscovery finds; check in a fresh process."""
    script = (
        "import django; django.setup()\n"
        "from onecare.celery import app\n"
        "app.loader.import_default_modules()\n"
        "print(sorted(name for name in app.tasks if not name.startswith('celery.')))\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "onecare.settings.test"}
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert ping.name in done.stdout, (
        f"{ping.name} is not autodiscovered (found {done.stdout.strip()}): onecare is not an installed app, "
        "so onecare/celery.py needs app.autodiscover_tasks(['onecare']) as well"
    )


def test_it_runs_a_task_on_a_real_worker_through_redis(redis_app):
    with start_worker(redis_app, perform_ping_check=False, shutdown_timeout=30):
        result = ping.delay()
        assert result.get(timeout=30) == "pong"
    assert type(result.backend).__name__ == "RedisBackend"
    assert result.successful()
