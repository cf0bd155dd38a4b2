"""Thin Celery tasks: each takes ids or strings and calls one function in improved_access.payments or .activity."""

import datetime

from celery import shared_task
from django.db import DatabaseError

from localities.importing.run import import_task_seconds, import_timeout_minutes

from . import activity, payments


# Beat runs it at the start of each quarter; acknowledged late and safe to retry (the evaluation is idempotent).
@shared_task(
    name="improved_access.evaluate_improved_access",
    acks_late=True,
    autoretry_for=(DatabaseError,),
    retry_backoff=True,
    max_retries=5,
)
def evaluate_improved_access(
    quarter: str | None = None, triggered_by_id: int | None = None, trigger: str = "quarterly", locality_id=None
) -> str:
    return payments.evaluate_improved_access_by_ids(quarter, triggered_by_id, trigger, locality_id)


# Inside IMPORT_TIMEOUT_MINUTES, so the sweep below never marks an upload a worker is still reading.
@shared_task(
    name="improved_access.activity_upload_check",
    acks_late=True,
    soft_time_limit=import_task_seconds(),
    time_limit=import_task_seconds() + 60,
)
def activity_upload_check(upload_id: int) -> str | None:
    """Check and import a kept activity return; a repeat (it has moved on) does nothing."""
    upload = activity.activity_upload_run(upload_id)
    return upload.status if upload else None


@shared_task(name="improved_access.activity_uploads_stuck_sweep")
def activity_uploads_stuck_sweep() -> list[int]:
    """Beat runs it every five minutes: uploads still being checked past the timeout are marked failed."""
    return activity.activity_uploads_fail_stuck(datetime.timedelta(minutes=import_timeout_minutes()))
