"""Thin Celery tasks: each takes ids and calls one function in localities.importing."""

import datetime

from celery import shared_task

from .importing.records import import_records_fail_stuck
from .importing.run import import_task_seconds, import_timeout_minutes
from .importing.uploads import practice_data_run_stored


# The soft limit ends a file that reads too long with a failed record and its reason; the hard limit, a
# minute later, stops a worker that does not answer. Both are inside IMPORT_TIMEOUT_MINUTES.
@shared_task(
    name="localities.practice_data_import",
    acks_late=True,
    soft_time_limit=import_task_seconds(),
    time_limit=import_task_seconds() + 60,
)
def practice_data_import_task(record_id: int, mode: str, user_id: int | None = None) -> str | None:
    """Check (mode "preview") or import (mode "import") an uploaded file; a repeat does nothing."""
    record = practice_data_run_stored(record_id, mode, user_id)
    return record.status if record else None


@shared_task(name="localities.import_records_stuck_sweep")
def import_records_stuck_sweep() -> list[int]:
    """Beat runs it every five minutes: imports still checking or importing past the timeout are marked failed."""
    return import_records_fail_stuck(datetime.timedelta(minutes=import_timeout_minutes()))
