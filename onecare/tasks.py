"""Project-wide Celery tasks."""

from celery import shared_task


@shared_task(name="onecare.ping")
def ping() -> str:
    """Answer "pong": proves a worker is consuming from the broker (used by the Redis test)."""
    return "pong"
