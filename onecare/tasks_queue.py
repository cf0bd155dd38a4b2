"""Queue a Celery task once the transaction commits, without failing the request if the broker is down.

Celery's own delay_on_commit raises from the commit hook when Redis cannot be reached: the change is
already committed, yet the user would see a server error. Here the send is tried after commit and a broker
that cannot be reached is logged as a warning; what the task would have done is caught up by whatever
the caller keeps for it (an outbox row and its periodic sweep, a nightly run).
"""

import logging

from django.db import transaction
from kombu.exceptions import OperationalError

logger = logging.getLogger(__name__)


def enqueue_on_commit(task, *args, **kwargs) -> None:
    """task.delay(*args, **kwargs) after the current transaction commits (at once outside one)."""
    transaction.on_commit(lambda: _send(task, args, kwargs))


def _send(task, args, kwargs) -> None:
    if task.app.conf.task_always_eager:
        task.delay(*args, **kwargs)  # run here: its own errors are not the broker's
        return
    try:
        task.delay(*args, **kwargs)
    except OperationalError as error:
        logger.warning(
            "Could not queue %s (broker unreachable: %s); it was not sent, and the outbox, sweep or scheduled "
            "run will catch up.",
            task.name,
            error,
        )
