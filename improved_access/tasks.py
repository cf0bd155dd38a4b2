"""Thin Celery tasks: each takes ids or strings and calls one function in improved_access.payments."""

from celery import shared_task
from django.db import DatabaseError

from . import payments


# Beat runs it at the start of each quarter; acknowledged late and safe to retry (the evaluation is idempotent).
@shared_task(
    name="improved_access.evaluate_improved_access",
    acks_late=True,
    autoretry_for=(DatabaseError,),
    retry_backoff=True,
    max_retries=5,
)
def evaluate_improved_access(
    quarter: str | None = None, triggered_by_id: int | None = None, trigger: str = "quarterly"
) -> str:
    return payments.evaluate_improved_access_by_ids(quarter, triggered_by_id, trigger)
