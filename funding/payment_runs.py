"""Every change of a payment run, one function each: create, add and remove releases, lock, mark paid.

Each takes actor=, locks the run, returns quietly when the same actor's change is already made and
raises PaymentRunNotAllowed otherwise, in words: also when someone else made the change a moment before,
when a release's own step is refused, and when the database settles a race (onecare.races). Releases move
through funding.release_transitions (authorised -> scheduled -> paid). Locking writes the run's schedule
lines (funding.models.ScheduleLine: payee record, run reference, pay date, subjective code and each release's
per-practice breakdown), frozen from then on; marking paid records one Payment per release
on the day finance gives (today by default, never in the future).
"""

import datetime
from collections.abc import Iterable
from contextlib import contextmanager

from django.db import DatabaseError, transaction
from django.db.models import Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from localities.models import Commissioner
from onecare.accounts.roles import Role
from onecare.races import at_the_same_moment, lost_race, wait_no_longer
from onecare.workflow import Step, Workflow

from .models import PaymentRun, PaymentRunState, Release, ScheduleLine
from .money import ZERO
from .release_transitions import (
    LEDGER_REFUSED,
    ReleaseTransitionNotAllowed,
    release_pay,
    release_schedule,
    release_unschedule,
    when,
    who,
)


class PaymentRunNotAllowed(ReleaseTransitionNotAllowed):
    """The actor may not change this run, or the run is not in a state that allows it."""


S = PaymentRunState
FINANCE = frozenset({Role.FINANCE_APPROVER})

# The payment run's workflow (onecare.workflow): releases go in and out of a draft; locking freezes the schedule;
# marking paid pays every release of it. A finance approver of the run's commissioner takes every step.
PAYMENT_RUNS = Workflow(
    "payment run",
    S,
    [
        Step("add", frozenset({S.DRAFT}), S.DRAFT, FINANCE, "Add these releases"),
        Step("remove", frozenset({S.DRAFT}), S.DRAFT, FINANCE, "Take these releases out"),
        Step("lock", frozenset({S.DRAFT}), S.LOCKED, FINANCE, "Lock the run"),
        Step("pay", frozenset({S.LOCKED}), S.PAID, FINANCE, "Mark the run paid"),
    ],
    tags={S.DRAFT: "nhsuk-tag--blue", S.LOCKED: "nhsuk-tag--orange", S.PAID: "nhsuk-tag--green"},
    noun="A payment run",
)


def can_manage_payment_run(user, commissioner: Commissioner) -> tuple[bool, str]:
    """A finance approver of the commissioner (or of the body it merged into)."""
    if not (user.is_authenticated and user.is_active and user.has_role(*FINANCE)):
        return False, "Only a finance approver can manage payment runs."
    if not user.commissioner_id or commissioner.pk not in user.commissioner_lineage():
        return False, "You cannot manage this commissioner's payment runs."
    return True, ""


def _check(user, commissioner: Commissioner) -> None:
    allowed, why = can_manage_payment_run(user, commissioner)
    if not allowed:
        raise PaymentRunNotAllowed(why)


def _locked(run: PaymentRun) -> PaymentRun:
    wait_no_longer()
    return PaymentRun.objects.select_for_update(of=("self",)).select_related("commissioner").get(pk=run.pk)


def _name(run: PaymentRun) -> str:
    try:
        return str(PaymentRun.objects.get(pk=run.pk))
    except (DatabaseError, PaymentRun.DoesNotExist):
        return f"Payment run {run.pk}"


@contextmanager
def _step(run: PaymentRun, what: str):
    """One run step: a release's refusal and a lost race both answer as PaymentRunNotAllowed, after the rollback."""
    try:
        with (
            lost_race(PaymentRunNotAllowed, lambda: at_the_same_moment(_name(run), what), refused=LEDGER_REFUSED),
            transaction.atomic(),
        ):
            yield
    except PaymentRunNotAllowed:
        raise
    except ReleaseTransitionNotAllowed as refusal:
        raise PaymentRunNotAllowed(str(refusal)) from refusal


def _save(run: PaymentRun, actor, reason: str) -> None:
    run._history_user = actor
    run._change_reason = reason
    run.save()


def payment_run_create(
    commissioner: Commissioner,
    *,
    actor,
    name: str,
    cost_centre: str = "",
    pay_date: datetime.date | None = None,
    subjective_code: str | None = None,
) -> PaymentRun:
    """A draft run for the commissioner: its pay date (the day the money is planned to leave; the portal asks for
    it) and subjective code (the default, funding.models.payment_runs.default_subjective_code, when not given)."""
    _check(actor, commissioner)
    run = PaymentRun(
        commissioner=commissioner,
        name=name,
        cost_centre=cost_centre,
        pay_date=pay_date,
        created_by=actor,
        created_at=timezone.now(),
    )
    if subjective_code is not None:
        run.subjective_code = subjective_code
    _save(run, actor, "Created")
    return run


def payment_run_add(run: PaymentRun, releases: Iterable[Release], *, actor) -> list[Release]:
    """Schedule authorised releases into a draft run (all or none)."""
    with _step(run, "changed"):
        run = _locked(run)
        _check(actor, run.commissioner)
        if not PAYMENT_RUNS.allows("add", run.state):
            raise PaymentRunNotAllowed(
                f"Payment run {run.pk} is {run.get_state_display().lower()}: nothing can be added."
            )
        return [release_schedule(release, actor=actor, run=run) for release in releases]


def payment_run_remove(run: PaymentRun, releases: Iterable[Release], *, actor) -> list[Release]:
    with _step(run, "changed"):
        run = _locked(run)
        _check(actor, run.commissioner)
        if not PAYMENT_RUNS.allows("remove", run.state):
            raise PaymentRunNotAllowed(f"Payment run {run.pk} is {run.get_state_display().lower()}: it cannot change.")
        mine = [r for r in releases if r.payment_run_id in (run.pk, None)]
        return [release_unschedule(release, actor=actor) for release in mine]


def payment_run_lock(run: PaymentRun, *, actor) -> PaymentRun:
    """Freeze the run's lines: the schedule exported now is the one that will be paid, and it never changes."""
    from .exports import live_rows

    with _step(run, "locked"):
        run = _locked(run)
        _check(actor, run.commissioner)
        if run.state == PaymentRunState.LOCKED and run.locked_by_id == actor.pk:
            return run
        if not PAYMENT_RUNS.allows("lock", run.state):
            raise PaymentRunNotAllowed(
                f"Payment run {run.pk} was {run.get_state_display().lower()} by someone else "
                f"({who(run.paid_by or run.locked_by)}, {when(run.paid_at or run.locked_at)}), so nothing was changed."
                if run.state == PaymentRunState.LOCKED
                else f"Payment run {run.pk} is {run.get_state_display().lower()}: it cannot be locked again."
            )
        if not run.releases.exists():
            raise PaymentRunNotAllowed("Add releases to the run before locking it.")
        ScheduleLine.objects.bulk_create(
            ScheduleLine(payment_run=run, release_id=release_id, position=position, **line)
            for position, (release_id, line) in enumerate(live_rows(run), start=1)
        )
        run.state, run.locked_by, run.locked_at = PAYMENT_RUNS.step("lock").target, actor, timezone.now()
        _save(run, actor, run.state.label)
    return run


def paid_date(value, *, run: PaymentRun | None = None) -> datetime.date:
    """The day the money left, as finance gives it (a date, or DD/MM/YYYY or YYYY-MM-DD text): today when blank."""
    today = timezone.localdate()
    if value in (None, ""):
        return today
    if isinstance(value, str):
        for pattern in ("%d/%m/%Y", "%Y-%m-%d"):
            try:
                value = datetime.datetime.strptime(value.strip(), pattern).date()
                break
            except ValueError:
                continue
        else:
            raise PaymentRunNotAllowed("Give the day the money was paid as DD/MM/YYYY, e.g. 05/03/2018.")
    if isinstance(value, datetime.datetime) or not isinstance(value, datetime.date):
        raise PaymentRunNotAllowed("Give the day the money was paid as DD/MM/YYYY, e.g. 05/03/2018.")
    if value > today:
        raise PaymentRunNotAllowed(
            f"The paid date {value:%d/%m/%Y} is in the future: mark the run paid once the money has left."
        )
    if run is not None and run.locked_at is not None and value < timezone.localdate(run.locked_at):
        raise PaymentRunNotAllowed(
            f"The paid date {value:%d/%m/%Y} is before the run was locked "
            f"({timezone.localdate(run.locked_at):%d/%m/%Y}): the schedule is paid after it is locked."
        )
    return value


def payment_run_mark_paid(run: PaymentRun, *, actor, paid_on: datetime.date | str | None = None) -> PaymentRun:
    """The money has left on paid_on (today when not given; never in the future): every release of the locked
    run's schedule becomes paid, each with its one Payment."""
    with _step(run, "marked paid"):
        run = _locked(run)
        _check(actor, run.commissioner)
        if run.state == PaymentRunState.PAID:
            if run.paid_by_id == actor.pk:
                return run
            raise PaymentRunNotAllowed(
                f"Payment run {run.pk} was marked paid by someone else ({who(run.paid_by)}, {when(run.paid_at)}; "
                f"paid on {run.paid_on:%d/%m/%Y}), so nothing was changed."
            )
        if not PAYMENT_RUNS.allows("pay", run.state):
            raise PaymentRunNotAllowed("Lock the run (and send its schedule) before marking it paid.")
        paid_on = paid_date(paid_on, run=run)
        scheduled = set(run.schedule_lines.values_list("release_id", flat=True))
        if scheduled != set(run.releases.values_list("pk", flat=True)):
            raise PaymentRunNotAllowed(
                f"Payment run {run.pk}'s releases are not the ones on its locked schedule: nothing was paid. "
                "Ask the system's administrators to look at it."
            )
        for release in run.releases.order_by("pk"):
            release_pay(release, actor=actor, paid_on=paid_on)
        run.state, run.paid_by, run.paid_at = PAYMENT_RUNS.step("pay").target, actor, timezone.now()
        run.paid_on = paid_on
        _save(run, actor, run.state.label)
    return run


def run_total(run: PaymentRun):
    return run.releases.aggregate(total=Coalesce(Sum("amount"), ZERO))["total"]
