"""Helpers for the ledger tests: accept evidence directly, and make localities join or be paid."""

import datetime

from django.utils import timezone

from funding.models import Evidence, EvidenceStatus, Release, ReleaseState
from tests.localities.factories import VehicleFactory
from tests.onecare.factories import UserFactory


def accept(locality, *items, reviewer=None, at=None):
    """Accepted evidence for each item, reviewed by `reviewer` (a new user if none)."""
    reviewer = reviewer or UserFactory()
    for item in items:
        Evidence.objects.update_or_create(
            locality=locality,
            item=item,
            defaults={
                "status": EvidenceStatus.ACCEPTED,
                "statement": "Done.",
                "submitted_by": UserFactory(),
                "submitted_at": at or timezone.now(),
                "reviewed_by": reviewer,
                "reviewed_at": at or timezone.now(),
            },
        )
    return reviewer


def join(*localities):
    for locality in localities:
        VehicleFactory(locality=locality, established_on=datetime.date(2017, 10, 2))


def mark(release: Release, state: ReleaseState) -> Release:
    """Put a release straight into a state (tests of what follows a state start from here)."""
    Release.objects.filter(pk=release.pk).update(state=state)
    release.refresh_from_db()
    return release
