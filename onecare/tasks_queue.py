"""Queue a Celery task once the transaction commits, without failing the request if the broker is down.

Celery's own delay_on_commit raises from the commit hook when Redis cannot be reached: the change is
already committed, yet the user would see a server error. Here the send is tried after commit, and a task
the broker cannot take is logged and kept (onecare.outbox.UnsentTask); the sweep every five minutes
sends it once the broker is back. Nothing that was committed loses its task.
"""

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import DatabaseError, transaction
from kombu.exceptions import OperationalError

logger = logging.getLogger(__name__)

# The names of the tasks held inside held(), or None when tasks are sent.
_held: ContextVar[list[str] | None] = ContextVar("held_tasks", default=None)


@contextmanager
def held() -> Iterator[list[str]]:
    """Hold (never send) the tasks queued while the block runs, and yield their names as they come.

    For generated data only (devdata): its synthetic people have no inbox, and a whole evaluation for each of
    thousands of acceptances would take hours where one evaluation at the end does the same work."""
    names: list[str] = []
    token = _held.set(names)
    try:
        yield names
    finally:
        _held.reset(token)


def enqueue_on_commit(task, *args, **kwargs) -> None:
    """task.delay(*args, **kwargs) after the current transaction commits (at once outside one)."""
    transaction.on_commit(lambda: _send(task, args, kwargs))


def _send(task, args, kwargs) -> None:
    holding = _held.get()
    if holding is not None:
        holding.append(task.name)
        return
    if task.app.conf.task_always_eager:
        task.delay(*args, **kwargs)  # run here: its own errors are not the broker's
        return
    try:
        task.delay(*args, **kwargs)
    except OperationalError as error:
        logger.warning("Could not queue %s (broker unreachable: %s); kept for the sweep to send.", task.name, error)
        _keep(task.name, args, kwargs, error)


def _keep(name: str, args, kwargs, error: Exception) -> None:
    from onecare.outbox.models import UnsentTask

    try:
        UnsentTask.objects.create(task_name=name, args=list(args), kwargs=dict(kwargs), last_error=str(error))
    except DatabaseError:
        logger.exception("Could not keep %s for the sweep either: it is lost.", name)
