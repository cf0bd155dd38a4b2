"""Thin Celery tasks: each takes ids and calls one function in funding.notifications."""

from celery import shared_task

from . import notifications


@shared_task(name="funding.evidence_submitted_notify")
def evidence_submitted_notify(evidence_id: int) -> int:
    return notifications.evidence_submitted_notify(evidence_id)


@shared_task(name="funding.evidence_reviewed_notify")
def evidence_reviewed_notify(evidence_id: int) -> int:
    return notifications.evidence_reviewed_notify(evidence_id)


@shared_task(name="funding.deadline_reminders_send")
def deadline_reminders_send() -> int:
    return notifications.deadline_reminders_send()
