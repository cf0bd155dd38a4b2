"""Thin Celery tasks: each takes ids and calls one function in funding.notifications or funding.evaluation."""

from celery import shared_task
from django.db import DatabaseError

from . import evaluation, notifications


@shared_task(name="funding.evidence_submitted_notify")
def evidence_submitted_notify(evidence_id: int) -> int:
    return notifications.evidence_submitted_notify(evidence_id)


@shared_task(name="funding.evidence_reviewed_notify")
def evidence_reviewed_notify(evidence_id: int) -> int:
    return notifications.evidence_reviewed_notify(evidence_id)


@shared_task(name="funding.deadline_reminders_send")
def deadline_reminders_send() -> int:
    return notifications.deadline_reminders_send()


# Acknowledged late and safe to retry: the evaluation is idempotent, so a redelivery proposes nothing twice.
@shared_task(
    name="funding.evaluate_milestones",
    acks_late=True,
    autoretry_for=(DatabaseError,),
    retry_backoff=True,
    max_retries=5,
)
def evaluate_milestones(
    at: str | None = None, triggered_by_id: int | None = None, trigger: str = "nightly", evidence_id: int | None = None
) -> str:
    return evaluation.evaluate_milestones_by_ids(at, triggered_by_id, trigger, evidence_id)


@shared_task(name="funding.evaluation_requests_sweep", acks_late=True)
def evaluation_requests_sweep() -> str:
    return evaluation.evaluation_requests_sweep()
