"""Every change of a payment run, one function each: create, add and remove releases, lock, mark paid.

Each takes actor=, locks the run, returns quietly when already done and raises PaymentRunNotAllowed
otherwise. Releases move through funding.release_transitions (authorised -> scheduled -> paid).
"""

from collections.abc import Iterable

from django.db import transaction
from django.db.models import Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from localities.models import Commissioner
from onecare.accounts.roles import Role

from .models import PaymentRun, PaymentRunState, Release
from .money import ZERO
from .release_transitions import ReleaseTransitionNotAllowed, release_pay, release_schedule, release_unschedule


class PaymentRunNotAllowed(ReleaseTransitionNotAllowed):
    """The actor may not change this run, or the run is not in a state that allows it."""


def can_manage_payment_run(user, commissioner: Commissioner) -> tuple[bool, str]:
    """A finance approver of the commissioner (or of the body it merged into)."""
    if not (user.is_authenticated and user.is_active and user.has_role(Role.FINANCE_APPROVER)):
        return False, "Only a finance approver can manage payment runs."
    if not user.commissioner_id or commissioner.pk not in user.commissioner.lineage_ids():
        return False, "You cannot manage this commissioner's payment runs."
    return True, ""


def _check(user, commissioner: Commissioner) -> None:
    allowed, why = can_manage_payment_run(user, commissioner)
    if not allowed:
        raise PaymentRunNotAllowed(why)


def _locked(run: PaymentRun) -> PaymentRun:
    return PaymentRun.objects.select_for_update().select_related("commissioner").get(pk=run.pk)


def _save(run: PaymentRun, actor, reason: str) -> None:
    run._history_user = actor
    run._change_reason = reason
    run.save()


def payment_run_create(commissioner: Commissioner, *, actor, name: str, cost_centre: str = "") -> PaymentRun:
    _check(actor, commissioner)
    run = PaymentRun(
        commissioner=commissioner, name=name, cost_centre=cost_centre, created_by=actor, created_at=timezone.now()
    )
    _save(run, actor, "Created")
    return run


def payment_run_add(run: PaymentRun, releases: Iterable[Release], *, actor) -> list[Release]:
    """Schedule authorised releases into a draft run."""
    with transaction.atomic():
        run = _locked(run)
        _check(actor, run.commissioner)
        if run.state != PaymentRunState.DRAFT:
            raise PaymentRunNotAllowed(
                f"Payment run {run.pk} is {run.get_state_display().lower()}: nothing can be added."
            )
        return [release_schedule(release, actor=actor, run=run) for release in releases]


def payment_run_remove(run: PaymentRun, releases: Iterable[Release], *, actor) -> list[Release]:
    with transaction.atomic():
        run = _locked(run)
        _check(actor, run.commissioner)
        if run.state != PaymentRunState.DRAFT:
            raise PaymentRunNotAllowed(f"Payment run {run.pk} is {run.get_state_display().lower()}: it cannot change.")
        mine = [r for r in releases if r.payment_run_id in (run.pk, None)]
        return [release_unschedule(release, actor=actor) for release in mine]


def payment_run_lock(run: PaymentRun, *, actor) -> PaymentRun:
    """Freeze the run's lines: the schedule exported now is the one that will be paid."""
    with transaction.atomic():
        run = _locked(run)
        _check(actor, run.commissioner)
        if run.state == PaymentRunState.LOCKED:
            return run
        if run.state != PaymentRunState.DRAFT:
            raise PaymentRunNotAllowed(f"Payment run {run.pk} is {run.get_state_display().lower()}.")
        if not run.releases.exists():
            raise PaymentRunNotAllowed("Add releases to the run before locking it.")
        run.state, run.locked_by, run.locked_at = PaymentRunState.LOCKED, actor, timezone.now()
        _save(run, actor, "Locked")
    return run


def payment_run_mark_paid(run: PaymentRun, *, actor) -> PaymentRun:
    """The money has left: every release of the locked run becomes paid."""
    with transaction.atomic():
        run = _locked(run)
        _check(actor, run.commissioner)
        if run.state == PaymentRunState.PAID:
            return run
        if run.state != PaymentRunState.LOCKED:
            raise PaymentRunNotAllowed("Lock the run (and send its schedule) before marking it paid.")
        for release in run.releases.order_by("pk"):
            release_pay(release, actor=actor)
        run.state, run.paid_by, run.paid_at = PaymentRunState.PAID, actor, timezone.now()
        _save(run, actor, "Paid")
    return run


def run_total(run: PaymentRun):
    return run.releases.aggregate(total=Coalesce(Sum("amount"), ZERO))["total"]
