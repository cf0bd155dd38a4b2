"""The sweep that sends what the broker could not take when it was asked."""

import logging

from celery import shared_task
from django.db import transaction
from django.db.models import F
from kombu.exceptions import OperationalError

from onecare.celery import app

from .models import UnsentTask

logger = logging.getLogger(__name__)
BATCH = 100


@shared_task(name="onecare.unsent_tasks_sweep", acks_late=True)
def unsent_tasks_sweep() -> str:
    """Send the waiting tasks, oldest first; stop at the first refusal (the broker is still down).

    Rows are locked while they are sent (SKIP LOCKED), so two sweeps at once never send one twice; a row
    goes only once the broker has taken its task.
    """
    sent = 0
    while True:
        with transaction.atomic():
            batch = list(UnsentTask.objects.select_for_update(skip_locked=True).order_by("pk")[:BATCH])
            done = []
            for row in batch:
                try:
                    app.send_task(row.task_name, args=row.args, kwargs=row.kwargs)
                except OperationalError as error:
                    UnsentTask.objects.filter(pk=row.pk).update(attempts=F("attempts") + 1, last_error=str(error))
                    UnsentTask.objects.filter(pk__in=done).delete()
                    sent += len(done)
                    logger.warning("The broker is still unreachable (%s): %d tasks wait.", error, _waiting())
                    return f"sent={sent} waiting={_waiting()}"
                done.append(row.pk)
            UnsentTask.objects.filter(pk__in=done).delete()
        sent += len(done)
        if len(batch) < BATCH:
            return f"sent={sent} waiting={_waiting()}"


def _waiting() -> int:
    return UnsentTask.objects.count()
