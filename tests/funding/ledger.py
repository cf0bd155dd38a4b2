"""Helpers for the ledger tests: accept evidence directly, and make localities join or be paid."""

import datetime
from decimal import Decimal

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


def proposal_record_problems() -> list[str]:
    """What the ledger service wrote with each release, against its evaluation (empty when all is as it should be):
    its "+" history record and its first transition ("" to proposed) carry the evaluation's user, reason and start,
    and its per-practice lines add up to its amount. Runs on PostgreSQL and on the embedded SQLite database alike
    (test_payments_final_sqlite.py runs it there), so it reads through the ORM only."""
    from collections import defaultdict

    from django.db.models import Sum

    from funding.models import ReleaseLine, ReleaseTransition

    created = {h.id: h for h in Release.history.filter(history_type="+").order_by("history_id")}
    first = {}
    for transition in ReleaseTransition.objects.order_by("at", "pk"):
        first.setdefault(transition.release_id, transition)
    lines = defaultdict(
        Decimal, ReleaseLine.objects.values("release").annotate(total=Sum("amount")).values_list("release", "total")
    )
    problems = []
    for release in Release.objects.select_related("evaluation").order_by("pk"):
        evaluation = release.evaluation
        reason = f"Proposed by evaluation {evaluation.pk} ({evaluation.trigger})"
        said = (evaluation.triggered_by_id, evaluation.started_at)
        history = created.get(release.pk)
        if history is None or (history.history_user_id, history.history_date, history.history_change_reason) != (
            *said,
            reason[:100],
        ):
            problems.append(f"release {release.pk}: history record not the evaluation's")
        transition = first.get(release.pk)
        if transition is None or (transition.actor_id, transition.at, transition.reason) != (*said, reason):
            problems.append(f"release {release.pk}: transition not the evaluation's")
        elif (transition.from_state, transition.to_state) != ("", ReleaseState.PROPOSED):
            problems.append(f"release {release.pk}: first transition not to proposed")
        if lines[release.pk] != release.amount:
            problems.append(f"release {release.pk}: lines add up to {lines[release.pk]}, not {release.amount}")
    return problems
