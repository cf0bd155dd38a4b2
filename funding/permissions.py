"""Who may do what with evidence: can_<verb>(user, ...) -> (allowed, reason). Views and transitions both ask."""

from localities.models import Locality, LocalityMembership
from onecare.accounts.roles import Role
from onecare.accounts.scoping import can_see_locality, today, visible_localities

from .models import LTS_SCHEME, PLAN_EVIDENCE_ITEMS, ChecklistItem, Evidence
from .workflow import EVIDENCE

Answer = tuple[bool, str]


def works_in(user, locality: Locality) -> bool:
    """The user is a locality lead of the locality, or a practice manager of one of its member practices today."""
    if not (user.is_authenticated and user.is_active):
        return False
    if user.has_role(Role.LOCALITY_LEAD) and user.locality_id == locality.pk:
        return True
    if user.has_role(Role.PRACTICE_MANAGER) and user.practice_id:
        return LocalityMembership.objects.on(today()).filter(practice_id=user.practice_id, locality=locality).exists()
    return False


def can_review_locality(user, locality: Locality) -> bool:
    return user.has_role(*EVIDENCE.step("accept").roles) and can_see_locality(user, locality)


def plan_phase_of(evidence: Evidence) -> int | None:
    """The Improved Access phase whose plan is this evidence (item 1.7: 1, item 2.4: 2), else None (one query)."""
    numbers = {number: phase for phase, number in PLAN_EVIDENCE_ITEMS.items()}
    number = (
        ChecklistItem.objects.filter(pk=evidence.item_id, phase__scheme__code=LTS_SCHEME, number__in=numbers)
        .values_list("number", flat=True)
        .first()
    )
    return int(numbers[number]) if number else None


def evidenced_elsewhere(evidence: Evidence) -> str:
    """Why the evidence cannot be written or reviewed on its own ('' if it can): it is an Improved Access plan."""
    phase = plan_phase_of(evidence)
    if phase is None:
        return ""
    return (
        f"The evidence for this item is the locality's Improved Access phase {phase} plan: it is submitted, "
        "accepted and returned on the plan's page, and this item follows it."
    )


def can_write(user, evidence: Evidence, transition: str) -> Answer:
    if not user.has_role(*EVIDENCE.step(transition).roles) or not works_in(user, evidence.locality):
        return False, "Only the locality's practice managers and leads can change its evidence."
    elsewhere = evidenced_elsewhere(evidence)
    if elsewhere:
        return False, elsewhere
    if not EVIDENCE.allows(transition, evidence.status):
        return False, EVIDENCE.refusal(transition, evidence.status)
    return True, ""


def can_save_draft(user, evidence: Evidence) -> Answer:
    return can_write(user, evidence, "save_draft")


def can_submit(user, evidence: Evidence) -> Answer:
    return can_write(user, evidence, "submit")


def can_review(user, evidence: Evidence) -> Answer:
    """Accept or return: a commissioner of the locality's CCG lineage, never the person who submitted it."""
    if not can_review_locality(user, evidence.locality):
        return False, "Only a commissioner for this locality can review its evidence."
    elsewhere = evidenced_elsewhere(evidence)
    if elsewhere:
        return False, elsewhere
    if evidence.submitted_by_id == user.pk:
        return False, "You cannot review evidence you submitted."
    if not EVIDENCE.allows("accept", evidence.status):
        return False, EVIDENCE.refusal("accept", evidence.status)
    return True, ""


def can_reopen(user, evidence: Evidence) -> Answer:
    """Return accepted evidence to the locality to be put right: only after a release its acceptance opened was
    rejected (and no live release of that tranche stands), by a commissioner of the locality (funding/MONEY.md)."""
    from .models import DEAD_STATES, Release, ReleaseKind, ReleaseState

    if not can_review_locality(user, evidence.locality):
        return False, "Only a commissioner for this locality can return its evidence."
    elsewhere = evidenced_elsewhere(evidence)
    if elsewhere:
        return False, elsewhere
    if not EVIDENCE.allows("reopen", evidence.status):
        return False, f"Evidence that is {evidence.get_status_display().lower()} is not accepted: nothing to reopen."
    releases = Release.objects.filter(
        locality_id=evidence.locality_id, tranche__gate_items=evidence.item_id, kind=ReleaseKind.RELEASE
    )
    rejected = releases.filter(state=ReleaseState.REJECTED).values("tranche_id")
    live = releases.exclude(state__in=DEAD_STATES).values("tranche_id")
    if not rejected.exclude(tranche_id__in=live).exists():
        return False, (
            "Accepted evidence is returned only to be put right after a release it opened was rejected, and no "
            "release of this item's tranches is rejected without a new one."
        )
    return True, ""


# Releases: who may approve, authorise, reject or withdraw (funding.release_workflow.RELEASES has the steps).


def can_see_release(user, release) -> Answer:
    # With its locality at hand, the user's CCG lineage may answer without a query (can_see_locality).
    if type(release).locality.is_cached(release):
        seen = can_see_locality(user, release.locality)
    else:
        seen = visible_localities(user).filter(pk=release.locality_id).exists()
    if seen:
        return True, ""
    return False, "You cannot see this locality's releases."


def _may_step(user, release, step: str) -> Answer:
    from .release_workflow import RELEASES

    rule = RELEASES.step(step)
    if not (user.is_authenticated and user.is_active and user.has_role(*rule.roles)):
        roles = " or ".join(sorted(role.value for role in rule.roles))
        return False, f"Only a {roles} can {rule.label.lower()} a release."
    seen, why = can_see_release(user, release)
    if not seen:
        return False, why
    if not RELEASES.allows(step, release.state):
        return False, RELEASES.refusal(step, release.state)
    return True, ""


def gate_acceptors(release) -> set[int]:
    """The users who accepted the evidence that opened the release's tranche (kept in its rule)."""
    return {e["accepted_by"] for e in release.rule.get("gate_evidence", []) if e.get("accepted_by")}


def rule_changers(release) -> set[int]:
    """Who proposed or approved the version of each rule the release applied: the tranche's (real fields), and for
    Improved Access the compliance rules' and payment terms' (kept in its rule as rule_changed_by)."""
    people = {release.rule_proposed_by_id, release.rule_approved_by_id}
    people.update((release.rule or {}).get("rule_changed_by", []))
    return {pk for pk in people if pk}


def separation_of_duties(user, release) -> Answer:
    if release.triggered_by_id == user.pk:
        return False, "You triggered the evaluation that proposed this release: someone else must approve it."
    if user.pk in gate_acceptors(release):
        return False, "You accepted evidence that opened this tranche: someone else must approve it."
    if user.pk in rule_changers(release):
        version = f" (version {release.rule_version})" if release.rule_version else ""
        return False, (
            f"You proposed or approved the rule this release applied, tranche {release.tranche.code}{version} or a "
            "rule it was judged by: someone else must approve it."
        )
    return True, ""


def can_approve_release(user, release) -> Answer:
    allowed, why = _may_step(user, release, "approve")
    if not allowed:
        return allowed, why
    return separation_of_duties(user, release)


def can_authorise_release(user, release) -> Answer:
    from .release_workflow import needs_second_approval

    allowed, why = _may_step(user, release, "authorise")
    if not allowed:
        return allowed, why
    if not needs_second_approval(release.amount):
        return False, "This release is within the delegated limit: its approval authorised it."
    if release.approved_by_id == user.pk:
        return False, "You approved this release: the second approval must be someone else's."
    return separation_of_duties(user, release)


def can_reject_release(user, release) -> Answer:
    return _may_step(user, release, "reject")


def can_withdraw_release(user, release) -> Answer:
    return _may_step(user, release, "withdraw")
