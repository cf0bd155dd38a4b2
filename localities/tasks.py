"""Thin Celery tasks: each takes ids and calls one function in localities.importing."""

from celery import shared_task

from .importing.uploads import practice_data_run_stored


@shared_task(name="localities.practice_data_import", acks_late=True)
def practice_data_import_task(record_id: int, mode: str, user_id: int | None = None) -> str | None:
    """Check (mode "preview") or import (mode "import") an uploaded file; a repeat does nothing."""
    record = practice_data_run_stored(record_id, mode, user_id)
    return record.status if record else None
