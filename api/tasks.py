"""The nightly pruning of the record of token uses (settings.API_TOKEN_USE_DAYS)."""

import datetime

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from .models import TokenUse


@shared_task(name="api.token_uses_prune", acks_late=True)
def token_uses_prune() -> int:
    """Delete the uses recorded more than API_TOKEN_USE_DAYS ago; returns how many."""
    cutoff = timezone.now() - datetime.timedelta(days=settings.API_TOKEN_USE_DAYS)
    deleted, _ = TokenUse.objects.filter(at__lt=cutoff).delete()
    return deleted
