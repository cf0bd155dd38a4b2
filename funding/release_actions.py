"""What a person may do with a release, and where it stands, in words: the steps the portal's release page and the
admin both offer, each made through funding.release_transitions and asked of funding.permissions.

A refusal is shown only when it is about the person (separation of duties, their own approval, the delegated
limit): a step their role never takes, or that the release's state does not allow, is not a refusal but what
remains, said as such ("Waits for a finance approver's second approval ...").
"""

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.template.defaultfilters import date as format_date
from django.utils import timezone

from onecare.formats import money

from . import permissions
from .models import Evidence, EvidenceStatus, Release, ReleaseKind, ReleaseState, ReleaseTransition
from .release_transitions import (
    ReleaseTransitionNotAllowed,
    release_approve,
    release_authorise,
    release_reject,
    release_withdraw,
)
from .release_workflow import RELEASES, needs_second_approval
from .transitions import TransitionNotAllowed, evidence_reopen
from .workflow import EVIDENCE


@dataclass(frozen=True)
class Step:
    """A release step as the person sees it: the page's button, the confirmation's submit, and what it calls."""

    name: str
    button: str
    confirm: str
    transition: Callable
    allowed: Callable
    needs_reason: bool

    def make(self, release: Release, *, actor, reason: str = "") -> Release:
        """The transition, with the reason where it takes one (an approval does: an exception needs it)."""
        if self.name == "authorise":
            return self.transition(release, actor=actor)
        return self.transition(release, actor=actor, reason=reason)


STEPS = {
    step.name: step
    for step in [
        Step("approve", "Approve", "Confirm approval", release_approve, permissions.can_approve_release, False),
        Step(
            "authorise",
            "Give second approval",
            "Confirm second approval",
            release_authorise,
            permissions.can_authorise_release,
            False,
        ),
        Step("reject", "Reject", "Confirm rejection", release_reject, permissions.can_reject_release, True),
        Step("withdraw", "Withdraw", "Confirm withdrawal", release_withdraw, permissions.can_withdraw_release, True),
    ]
}
# Not a release step: a rejected release's accepted gate evidence returned to the locality to be put right.
REOPEN = "reopen"
REOPEN_BUTTON = EVIDENCE.step(REOPEN).label


def needs_reason(step: str, release: Release) -> bool:
    """Whether the step asks for a reason: rejecting, withdrawing, reopening; approving a late or under-minimum one."""
    if step == REOPEN:
        return True
    return STEPS[step].needs_reason or (step == "approve" and release.needs_exception)


def run_step(step: str, releases, *, actor, reason: str = "") -> tuple[list[Release], list[str]]:
    """Make one transition for each release; what was done, and why the rest were not (in words)."""
    done, refused = [], []
    for release in releases:
        try:
            done.append(STEPS[step].make(release, actor=actor, reason=reason))
        except ReleaseTransitionNotAllowed as error:
            refused.append(f"{release.reference}: {error}")
    return done, refused


def reopenable(user, release: Release) -> list[Evidence]:
    """A rejected release's accepted gate evidence the user may return to the locality to be put right."""
    if release.state != ReleaseState.REJECTED or release.kind != ReleaseKind.RELEASE:
        return []
    gate = Evidence.objects.filter(
        locality_id=release.locality_id, item__tranches=release.tranche_id, status=EvidenceStatus.ACCEPTED
    ).select_related("locality", "item")
    return [evidence for evidence in gate if permissions.can_reopen(user, evidence)[0]]


def reopen(user, release: Release, reason: str) -> tuple[str, list[str]]:
    """Return the release's reopenable gate evidence (funding.transitions.evidence_reopen): what was done in words
    (blank: nothing), and why any evidence was not returned."""
    returned, refused = [], []
    for evidence in reopenable(user, release):
        try:
            returned.append(evidence_reopen(evidence, actor=user, reason=reason).item.number)
        except TransitionNotAllowed as error:
            refused.append(f"{evidence.item.number}: {error}")
    done = (
        f"Evidence for {', '.join(returned)} returned to {release.locality.name} to be put right: once it is "
        f"accepted again, {release.tranche.code} is proposed again."
        if returned
        else ""
    )
    return done, refused


@dataclass
class Offer:
    """One step for one person: may they take it, and if not, why (shown only when the refusal is about them)."""

    step: Step
    ok: bool
    why: str
    reason_needed: bool

    @property
    def name(self) -> str:
        return self.step.name


def about_the_person(user, release: Release, step: str) -> bool:
    """A refusal worth showing: the person's role takes this step, and the release's state allows it."""
    return user.has_role(*RELEASES.step(step).roles) and RELEASES.allows(step, release.state)


def offers(user, release: Release) -> tuple[list[Offer], list[Offer]]:
    """The steps the person may take, and those refused for a reason about them (the permission functions' words)."""
    allowed, refused = [], []
    for name, step in STEPS.items():
        ok, why = step.allowed(user, release)
        offer = Offer(step, ok, why, needs_reason(name, release))
        if ok:
            allowed.append(offer)
        elif about_the_person(user, release, name):
            refused.append(offer)
    return allowed, refused


# Where a release stands: what happened last, and what remains, in words.


def day(value) -> str:
    return format_date(value, "j F Y") if value else ""


def moment(value) -> str:
    return format_date(timezone.localtime(value), "j F Y \\a\\t H:i") if value else ""


def by(user) -> str:
    return str(user) if user else "someone"


def what_happened(release: Release, last: ReleaseTransition | None = None) -> str:
    """The release's last step in words (approved_by and authorised_by selected with it; `last`, its last change, for
    who rejected or withdrew it)."""
    state = release.state
    if state == ReleaseState.PROPOSED:
        return f"Proposed on {day(timezone.localtime(release.proposed_at))} by the evaluation."
    if state in (ReleaseState.REJECTED, ReleaseState.WITHDRAWN):
        who = f" by {by(last.actor)} on {moment(last.at)}" if last and last.to_state == state else ""
        return f"{release.get_state_display()}{who}: {release.reason}"
    approved = f"Approved by {by(release.approved_by)} on {moment(release.approved_at)}"
    if state == ReleaseState.APPROVED:
        return f"{approved}."
    if release.authorised_at == release.approved_at and release.authorised_by_id == release.approved_by_id:
        authorised = f"{approved}, which authorised it too (within the delegated limit)"
    else:
        authorised = f"{approved}; second approval by {by(release.authorised_by)} on {moment(release.authorised_at)}"
    if state == ReleaseState.AUTHORISED:
        return f"{authorised}."
    if state == ReleaseState.SCHEDULED:
        return f"{authorised}. In payment run {release.payment_run.reference}."
    return f"Paid on {day(release.paid_on)} in payment run {release.payment_run.reference}."


def what_remains(release: Release, limit: Decimal) -> str:
    """What has to happen next, and who does it, in words."""
    state = release.state
    limit_words = f"{money(release.amount)} is above the delegated limit of {money(limit)}"
    if state == ReleaseState.PROPOSED:
        if needs_second_approval(release.amount, limit):
            return f"Waits for a commissioner's approval, then a finance approver's second approval: {limit_words}."
        return (
            f"Waits for a commissioner's approval; within the delegated limit of {money(limit)}, that approval "
            "authorises it too."
        )
    if state == ReleaseState.APPROVED:
        if needs_second_approval(release.amount, limit):
            return f"Waits for a finance approver's second approval: {limit_words}."
        return f"Waits for a finance approver's second approval (the delegated limit is now {money(limit)})."
    if state == ReleaseState.AUTHORISED:
        return "Waits for finance to add it to a payment run."
    if state == ReleaseState.SCHEDULED:
        return "Waits for finance to lock the payment run and mark it paid."
    if state == ReleaseState.PAID:
        return "Nothing: a paid release is final. A change in its figures is paid or recovered by an adjustment."
    if state == ReleaseState.WITHDRAWN:
        return "The next evaluation may propose it afresh."
    if release.kind == ReleaseKind.ADJUSTMENT:
        return "The next evaluation proposes the adjustment again while the difference remains."
    if (release.rule or {}).get("gate_items"):
        return (
            "It is not proposed again until its gate evidence is put right: once evidence for one of its gate items "
            "is accepted again, the next evaluation proposes it again."
        )
    return "Nothing: the rejection stands."
