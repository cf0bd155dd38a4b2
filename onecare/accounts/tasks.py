"""The accounts' scheduled work."""

from celery import shared_task
from django.utils import timezone

from onecare.accounts.models import Session


@shared_task(name="accounts.sessions_clear_expired", acks_late=True)
def sessions_clear_expired() -> int:
    """Delete the sessions that have expired (as Django's clearsessions does); returns how many. Nobody can use them:
    an expired session is never loaded."""
    deleted, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    return deleted
