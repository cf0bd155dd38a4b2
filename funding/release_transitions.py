"""Every change of a release's state after it is proposed, one function each: nothing else assigns Release.state.

Each takes the acting user as actor=, locks the row, returns quietly when the same actor's change is
already made (a double click), raises ReleaseTransitionNotAllowed when the actor or the state does not
allow it (saying who got there first when someone else made the change a moment before), and records a
ReleaseTransition (who, when, from, to, why) alongside the release's own history. A race the database
settles (deadlock, lock timeout, unique constraint) is answered with the same error, in words
(onecare.races).
"""

import datetime

from django.db import DatabaseError, transaction
from django.utils import timezone

from onecare.races import at_the_same_moment, lost_race, wait_no_longer

from . import permissions
from .models import DEAD_STATES, Payment, Release, ReleaseState, ReleaseTransition
from .release_workflow import RELEASES, delegated_limit, needs_second_approval


class ReleaseTransitionNotAllowed(Exception):
    """The actor may not make this change, or the release is not in a state that allows it."""


def _locked(release: Release) -> Release:
    """Lock the release's row only (not its locality's or tranche's: two runs paid at once would deadlock)."""
    wait_no_longer()
    return Release.objects.select_for_update(of=("self",)).select_related("locality", "tranche").get(pk=release.pk)


def _reference(release: Release) -> str:
    try:
        return Release.objects.select_related("locality", "tranche").get(pk=release.pk).reference
    except (DatabaseError, Release.DoesNotExist):
        return f"Release {release.pk}"


# A write the ledger's constraints or triggers refused, in words (the release and payment-run steps).
LEDGER_REFUSED = (
    "The ledger refused this change (a paid release, or a run that is locked or paid, does not change), "
    "so nothing was changed."
)


def answering_races(release: Release, what: str = "changed"):
    """A lost race (onecare.races) answered as this transition's own error, naming the release."""
    return lost_race(
        ReleaseTransitionNotAllowed,
        lambda: at_the_same_moment(_reference(release), what),
        refused=LEDGER_REFUSED,
    )


def who(user) -> str:
    return (user.get_full_name() or user.get_username()) if user else "someone else"


def when(at) -> str:
    return f"{timezone.localtime(at):%d/%m/%Y at %H:%M}" if at else "earlier"


def _done_by_someone_else(release: Release, verb: str, by, at) -> ReleaseTransitionNotAllowed:
    return ReleaseTransitionNotAllowed(
        f"{release.reference} was {verb} by someone else ({who(by)}, {when(at)}): yours was not needed, "
        "and nothing was changed."
    )


def _move(release: Release, to: ReleaseState, *, actor, at, reason: str = "", label: str = "") -> ReleaseTransition:
    from_state = release.state
    release.state = to
    release._change_reason = (reason or label or RELEASES.label_to(to) or to.label)[:100]
    release._history_user = actor
    release.save()
    return ReleaseTransition.objects.create(
        release=release, from_state=from_state, to_state=to, actor=actor, at=at, reason=reason or label
    )


def _check(answer: tuple[bool, str]) -> None:
    allowed, why = answer
    if not allowed:
        raise ReleaseTransitionNotAllowed(why)


def _check_role_and_scope(actor, release: Release, step: str) -> None:
    if not (actor.is_authenticated and actor.has_role(*RELEASES.step(step).roles)):
        raise ReleaseTransitionNotAllowed(f"You cannot {RELEASES.step(step).label.lower()} releases.")
    _check(permissions.can_see_release(actor, release))


def exception_needed(release: Release) -> str:
    """What approving the release needs a recorded reason for, in words (blank: nothing): late, under the minimum."""
    why = []
    if release.late:
        why.append(f"it is late ({release.late_because})" if release.late_because else "it is late")
    if release.below_minimum:
        under = f" ({release.below_minimum_because})" if release.below_minimum_because else ""
        why.append(f"{release.locality} was under the scheme's minimum population{under}")
    return " and ".join(why)


def release_approve(release: Release, *, actor, reason: str = "") -> Release:
    """First approval; within the delegated limit it authorises the release too (recorded as a second step).

    A late release, or one for a locality under the scheme's minimum population, is approved only with the reason
    (the exception), kept on the approval's transition.
    """
    reason = (reason or "").strip()
    now = timezone.now()
    with answering_races(release, "approved"), transaction.atomic():
        release = _locked(release)
        _check_role_and_scope(actor, release, "approve")
        if release.approved_at is not None and release.state not in DEAD_STATES:
            if release.approved_by_id == actor.pk:
                return release
            raise _done_by_someone_else(release, "approved", release.approved_by, release.approved_at)
        _check(permissions.can_approve_release(actor, release))
        exception = exception_needed(release)
        if exception and not reason:
            raise ReleaseTransitionNotAllowed(
                f"{release.reference} needs a recorded reason to be approved: {exception}. Give the reason."
            )
        release.approved_by, release.approved_at = actor, now
        label = f"Approved as an exception ({exception}): {reason}" if exception else "Approved"
        _move(release, ReleaseState.APPROVED, actor=actor, at=now, label=label)
        if not needs_second_approval(release.amount):
            release.authorised_by, release.authorised_at = actor, now
            _move(
                release,
                ReleaseState.AUTHORISED,
                actor=actor,
                at=now,
                label=f"Authorised with the approval: within the delegated limit of £{delegated_limit():,}",
            )
    return release


def release_authorise(release: Release, *, actor) -> Release:
    """Second approval by a finance approver, for a release above the delegated limit."""
    now = timezone.now()
    with answering_races(release, "authorised"), transaction.atomic():
        release = _locked(release)
        _check_role_and_scope(actor, release, "authorise")
        if release.authorised_at is not None and release.state not in DEAD_STATES:
            if release.authorised_by_id == actor.pk:
                return release
            raise _done_by_someone_else(release, "authorised", release.authorised_by, release.authorised_at)
        _check(permissions.can_authorise_release(actor, release))
        release.authorised_by, release.authorised_at = actor, now
        _move(release, ReleaseState.AUTHORISED, actor=actor, at=now, label="Authorised (second approval)")
    return release


def _end(release: Release, step: str, *, actor, reason: str) -> Release:
    reason = (reason or "").strip()
    if not reason:
        raise ReleaseTransitionNotAllowed(f"Give the reason the release is being {RELEASES.step(step).target.label}.")
    now = timezone.now()
    with answering_races(release, RELEASES.step(step).target.label.lower()), transaction.atomic():
        release = _locked(release)
        _check_role_and_scope(actor, release, step)
        if release.state == RELEASES.step(step).target:
            last = release.transitions.filter(to_state=release.state).select_related("actor").last()
            if last is None or last.actor_id == actor.pk:
                return release
            raise _done_by_someone_else(release, RELEASES.step(step).target.label.lower(), last.actor, last.at)
        _check(
            permissions.can_reject_release(actor, release)
            if step == "reject"
            else (permissions.can_withdraw_release(actor, release))
        )
        release.reason = reason
        _move(release, RELEASES.step(step).target, actor=actor, at=now, reason=reason)
    return release


def release_reject(release: Release, *, actor, reason: str) -> Release:
    """Refuse a proposed or approved release, with the reason (required); the evaluation will not propose it again."""
    return _end(release, "reject", actor=actor, reason=reason)


def release_withdraw(release: Release, *, actor, reason: str) -> Release:
    """Take back a release proposed in error, with the reason; the next evaluation may propose it afresh."""
    return _end(release, "withdraw", actor=actor, reason=reason)


# Finance's steps, called by funding.payment_runs inside its own transaction (the run is locked there).


def _paid_already(release: Release) -> None:
    """A release is paid once (the release_paid_once constraint is the database's guard; this says it in words)."""
    payment = Payment.objects.filter(release=release).first()
    if payment is not None:
        raise ReleaseTransitionNotAllowed(
            f"{release.reference} was paid on {payment.paid_on:%d/%m/%Y} in payment run {payment.payment_run_id}: "
            "a release is paid once."
        )


def release_schedule(release: Release, *, actor, run) -> Release:
    release = _locked(release)
    _check_role_and_scope(actor, release, "schedule")
    if release.state == ReleaseState.SCHEDULED and release.payment_run_id == run.pk:
        return release
    _paid_already(release)
    if release.state == ReleaseState.SCHEDULED:
        last = release.transitions.filter(to_state=release.state).select_related("actor").last()
        raise ReleaseTransitionNotAllowed(
            f"{release.reference} is already in payment run {release.payment_run_id} (added by "
            f"{who(last.actor if last else None)}, {when(last.at if last else None)}): a release is in one run."
        )
    if release.state != ReleaseState.AUTHORISED:
        raise ReleaseTransitionNotAllowed(
            f"{release.reference} is {release.get_state_display().lower()}, not authorised."
        )
    release.payment_run = run
    _move(release, ReleaseState.SCHEDULED, actor=actor, at=timezone.now(), label=f"Added to payment run {run.pk}")
    return release


def release_unschedule(release: Release, *, actor) -> Release:
    release = _locked(release)
    _check_role_and_scope(actor, release, "unschedule")
    if release.state == ReleaseState.AUTHORISED and release.payment_run_id is None:
        return release
    if release.state != ReleaseState.SCHEDULED:
        raise ReleaseTransitionNotAllowed(f"{release.reference} is not in a payment run.")
    run_id, release.payment_run = release.payment_run_id, None
    _move(release, ReleaseState.AUTHORISED, actor=actor, at=timezone.now(), label=f"Taken out of payment run {run_id}")
    return release


def release_pay(release: Release, *, actor, paid_on: datetime.date) -> Release:
    """Mark a scheduled release paid on paid_on, recording its one Payment (funding.payment_runs checks the date)."""
    release = _locked(release)
    _check_role_and_scope(actor, release, "pay")
    if release.state == ReleaseState.PAID:
        return release
    _paid_already(release)
    if release.state != ReleaseState.SCHEDULED:
        raise ReleaseTransitionNotAllowed(
            f"{release.reference} is {release.get_state_display().lower()}, not scheduled."
        )
    now = timezone.now()
    release.paid_on = paid_on
    _move(release, ReleaseState.PAID, actor=actor, at=now, label=f"Paid in payment run {release.payment_run_id}")
    Payment.objects.create(
        release=release,
        payment_run_id=release.payment_run_id,
        amount=release.amount,
        paid_on=paid_on,
        recorded_by=actor,
        recorded_at=now,
    )
    return release
