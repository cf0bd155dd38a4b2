"""Helpers for the ledger tests: accept evidence directly, and make localities join or be paid."""

import datetime

from django.utils import timezone

from funding.models import IN_A_RUN, Evidence, EvidenceStatus, Payment, PaymentRun, Release, ReleaseState
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


def mark(release: Release, state: ReleaseState, paid_on: datetime.date = datetime.date(2018, 3, 5)) -> Release:
    """Put a release straight into a state (tests of what follows a state start from here).

    A scheduled or paid release is in a (draft) payment run, as the constraints ask; a paid one has its paid
    date and its one Payment.
    """
    release.refresh_from_db()
    run = release.payment_run
    if state in IN_A_RUN and run is None:
        finance = UserFactory()
        run = PaymentRun.objects.create(
            commissioner=release.locality.commissioner, name="Test run", created_by=finance, created_at=timezone.now()
        )
    Release.objects.filter(pk=release.pk).update(
        state=state,
        payment_run=run if state in IN_A_RUN else None,
        paid_on=paid_on if state == ReleaseState.PAID else None,
    )
    if state == ReleaseState.PAID:
        Payment.objects.create(
            release=release,
            payment_run=run,
            amount=release.amount,
            paid_on=paid_on,
            recorded_by=run.created_by,
            recorded_at=timezone.now(),
        )
    release.refresh_from_db()
    return release
