"""The funding tests' people and checklist fixtures, and a Redis broker of the test's own that it stops and starts."""

import socket
import subprocess
import time

import pytest
from kombu import pools as kombu_pools

from onecare.celery import app
from tests.funding.conftest import checklist, lts_rules, people  # noqa: F401 - fixtures used by name

CONF = (
    "task_always_eager",
    "broker_url",
    "task_publish_retry",
    "broker_transport_options",
    "broker_connection_retry_on_startup",
    "broker_connection_max_retries",
    "broker_connection_timeout",
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


class Broker:
    """A redis-server on a fixed loopback port that the test stops and starts."""

    def __init__(self, directory):
        self.port, self.directory, self.process = free_port(), directory, None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        self.process = subprocess.Popen(
            ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port), "--save", "", "--appendonly", "no"]
            + ["--daemonize", "no", "--dir", str(self.directory)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while not answers(self.port):
            assert self.process.poll() is None, "redis-server exited"
            assert time.monotonic() < deadline, "redis-server did not answer"
            time.sleep(0.05)

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None
        assert not answers(self.port)


def forget_connections():
    kombu_pools.reset()
    app._pool = None
    if "amqp" in app.__dict__:
        app.amqp._producer_pool = None


@pytest.fixture
def broker(settings, tmp_path):
    """Celery sends to this test's own Redis, for real (not eagerly), failing fast when it is down."""
    broker = Broker(tmp_path)
    before = {name: app.conf[name] for name in CONF}
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = broker.url
    app.conf.update(
        task_always_eager=False,
        broker_url=broker.url,
        task_publish_retry=False,
        broker_transport_options={"max_retries": 1},
        broker_connection_retry_on_startup=False,
        broker_connection_max_retries=1,
        broker_connection_timeout=1,
    )
    forget_connections()
    try:
        yield broker
    finally:
        broker.stop()
        app.conf.update(before)
        forget_connections()
