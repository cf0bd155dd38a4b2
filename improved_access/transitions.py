"""Every status change of IA plans and declarations: one function each, actor explicit, atomic, idempotent.

Nothing else assigns Plan.status or Declaration.status. Each raises IATransitionNotAllowed when the
actor may not make the change, and returns quietly when the change is already made (a review made a moment
before by someone else is named instead). A race the database settles (deadlock, lock timeout) is answered
with the same error, in words (onecare.races). Each locks its own row only (and, for a plan, its checklist
evidence row).

A plan is the evidence for its checklist item (phase 1: 1.7, phase 2: 2.4; models.PLAN_ITEMS): submitting,
accepting or returning the plan submits, accepts or returns that evidence in the same transaction, as the same
person at the same time (funding.transitions.evidence_follow). The item has no review of its own.
"""

from django.db import transaction
from django.utils import timezone

from onecare.races import at_the_same_moment, lost_race, wait_no_longer
from onecare.tasks_queue import enqueue_on_commit

from . import permissions
from .models import LTS_SCHEME, PLAN_ITEMS, Declaration, Plan
from .workflow import DECLARATIONS, PLANS


class IATransitionNotAllowed(Exception):
    """The actor may not make this change, or the record is not in a state that allows it."""


def _check(answer: tuple[bool, str]) -> None:
    allowed, why = answer
    if not allowed:
        raise IATransitionNotAllowed(why)


def _lead(actor, locality) -> None:
    if not permissions.is_lead_of(actor, locality):
        raise IATransitionNotAllowed("Only the locality's leads can change its Improved Access plan.")


def _commissioner(actor, locality) -> None:
    if not permissions.is_commissioner_of(actor, locality):
        raise IATransitionNotAllowed("Only a commissioner for this locality can review its Improved Access plan.")


def _save(obj, actor, reason: str) -> None:
    obj._history_user = actor
    obj._change_reason = reason[:100]
    obj.save()


def _answering_races(what: str):
    return lost_race(
        IATransitionNotAllowed,
        at_the_same_moment(f"The {what}"),
    )


def _reviewed_already(obj, what: str, actor) -> bool:
    """Already in the review's state: quiet for its own reviewer; an error naming the reviewer for anyone else."""
    if obj.reviewed_by_id in (None, actor.pk):
        return True
    by = obj.reviewed_by
    name = by.get_full_name() or by.get_username()
    raise IATransitionNotAllowed(
        f"The {what} was {obj.get_status_display().lower()} by someone else ({name}, "
        f"{timezone.localtime(obj.reviewed_at):%d/%m/%Y at %H:%M}): yours was not needed, and nothing was changed."
    )


def _locked_plan(plan: Plan) -> Plan:
    wait_no_longer()
    return Plan.objects.select_for_update(of=("self",)).select_related("locality").get(pk=plan.pk)


def _evaluate_on_commit(actor, trigger: str, locality_id: int) -> None:
    """An acceptance may make the locality compliant: evaluate this quarter's payment (idempotent) after commit.
    The acceptor triggered it for this locality only: other localities' releases of the run name nobody."""
    from .tasks import evaluate_improved_access

    enqueue_on_commit(evaluate_improved_access, triggered_by_id=actor.pk, trigger=trigger, locality_id=locality_id)


def _plan_statement(plan: Plan) -> str:
    sessions = list(plan.sessions.all())
    minutes = sum(s.minutes for s in sessions)
    return (
        f"The Improved Access phase {plan.phase} plan, from {plan.starts_on:%d/%m/%Y}: {len(sessions)} weekly "
        f"sessions, {minutes:,} minutes a week, and its declarations. The plan's page has the timetable."
    )


def _follow(plan: Plan, to: str, actor, reason: str = "") -> None:
    """The plan's checklist item takes the plan's new status (nothing when the checklist is not loaded)."""
    from funding.models import ChecklistItem, EvidenceStatus
    from funding.transitions import evidence_follow

    item = ChecklistItem.objects.filter(phase__scheme__code=LTS_SCHEME, number=PLAN_ITEMS[plan.phase]).first()
    if item is None:
        return
    evidence = evidence_follow(
        plan.locality, item, to=EvidenceStatus(to), actor=actor, statement=_plan_statement(plan), reason=reason
    )
    plan.evidence = evidence


def plan_submit(plan: Plan, *, actor) -> Plan:
    with _answering_races("Improved Access plan"), transaction.atomic():
        plan = _locked_plan(plan)
        _lead(actor, plan.locality)
        if plan.status == PLANS.step("submit").target:
            return plan
        _check(permissions.can_submit_plan(actor, plan))
        plan.status, plan.submitted_by, plan.submitted_at = PLANS.step("submit").target, actor, timezone.now()
        plan.return_reason = ""
        _follow(plan, plan.status, actor)
        _save(plan, actor, PLANS.step("submit").label)
    return plan


def plan_accept(plan: Plan, *, actor) -> Plan:
    with _answering_races("Improved Access plan"), transaction.atomic():
        plan = _locked_plan(plan)
        _commissioner(actor, plan.locality)
        if plan.status == PLANS.step("accept").target and _reviewed_already(plan, "Improved Access plan", actor):
            return plan
        _check(permissions.can_review_plan(actor, plan))
        plan.status, plan.reviewed_by, plan.reviewed_at = PLANS.step("accept").target, actor, timezone.now()
        _follow(plan, plan.status, actor)
        _save(plan, actor, PLANS.step("accept").label)
        _evaluate_on_commit(actor, f"IA plan {plan.pk} accepted", plan.locality_id)
    return plan


def plan_return(plan: Plan, *, actor, reason: str) -> Plan:
    reason = (reason or "").strip()
    if not reason:
        raise IATransitionNotAllowed("Give the reason the plan is being returned.")
    with _answering_races("Improved Access plan"), transaction.atomic():
        plan = _locked_plan(plan)
        _commissioner(actor, plan.locality)
        if plan.status == PLANS.step("return").target and _reviewed_already(plan, "Improved Access plan", actor):
            return plan
        _check(permissions.can_review_plan(actor, plan))
        plan.status, plan.reviewed_by, plan.reviewed_at = PLANS.step("return").target, actor, timezone.now()
        plan.return_reason = reason
        _follow(plan, plan.status, actor, reason)
        _save(plan, actor, PLANS.step("return").label)
    return plan


def _locked_declaration(declaration: Declaration) -> Declaration:
    wait_no_longer()
    return Declaration.objects.select_for_update(of=("self",)).select_related("plan__locality").get(pk=declaration.pk)


def declaration_submit(declaration: Declaration, *, actor, evidence: str | None = None) -> Declaration:
    with _answering_races("declaration"), transaction.atomic():
        declaration = _locked_declaration(declaration)
        _lead(actor, declaration.plan.locality)
        if declaration.status == DECLARATIONS.step("submit").target and evidence in (None, declaration.evidence):
            return declaration
        _check(permissions.can_edit_declaration(actor, declaration))
        if evidence is not None:
            declaration.evidence = evidence.strip()
        if not declaration.evidence:
            raise IATransitionNotAllowed("Describe the evidence before submitting the declaration.")
        declaration.status = DECLARATIONS.step("submit").target
        declaration.submitted_by, declaration.submitted_at = actor, timezone.now()
        declaration.return_reason = ""
        _save(declaration, actor, DECLARATIONS.step("submit").label)
    return declaration


def declaration_accept(declaration: Declaration, *, actor) -> Declaration:
    with _answering_races("declaration"), transaction.atomic():
        declaration = _locked_declaration(declaration)
        _commissioner(actor, declaration.plan.locality)
        if declaration.status == DECLARATIONS.step("accept").target and _reviewed_already(
            declaration, "declaration", actor
        ):
            return declaration
        _check(permissions.can_review_declaration(actor, declaration))
        declaration.status = DECLARATIONS.step("accept").target
        declaration.reviewed_by, declaration.reviewed_at = actor, timezone.now()
        _save(declaration, actor, DECLARATIONS.step("accept").label)
        _evaluate_on_commit(actor, f"IA declaration {declaration.pk} accepted", declaration.plan.locality_id)
    return declaration


def declaration_return(declaration: Declaration, *, actor, reason: str) -> Declaration:
    reason = (reason or "").strip()
    if not reason:
        raise IATransitionNotAllowed("Give the reason the declaration is being returned.")
    with _answering_races("declaration"), transaction.atomic():
        declaration = _locked_declaration(declaration)
        _commissioner(actor, declaration.plan.locality)
        if declaration.status == DECLARATIONS.step("return").target and _reviewed_already(
            declaration, "declaration", actor
        ):
            return declaration
        _check(permissions.can_review_declaration(actor, declaration))
        declaration.status = DECLARATIONS.step("return").target
        declaration.reviewed_by, declaration.reviewed_at = actor, timezone.now()
        declaration.return_reason = reason
        _save(declaration, actor, DECLARATIONS.step("return").label)
    return declaration
