"""Every status change of IA plans and declarations: one function each, actor explicit, atomic, idempotent.

Nothing else assigns Plan.status or Declaration.status. Each raises IATransitionNotAllowed when the
actor may not make the change, and returns quietly when the change is already made.
"""

from django.db import transaction
from django.utils import timezone

from onecare.tasks_queue import enqueue_on_commit

from . import permissions
from .models import Declaration, DeclarationStatus, Plan, PlanStatus


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


def _evaluate_on_commit(actor, trigger: str) -> None:
    """An acceptance may make the locality compliant: evaluate this quarter's payment (idempotent) after commit."""
    from .tasks import evaluate_improved_access

    enqueue_on_commit(evaluate_improved_access, triggered_by_id=actor.pk, trigger=trigger)


def plan_submit(plan: Plan, *, actor) -> Plan:
    with transaction.atomic():
        plan = Plan.objects.select_for_update().select_related("locality").get(pk=plan.pk)
        _lead(actor, plan.locality)
        if plan.status == PlanStatus.SUBMITTED:
            return plan
        _check(permissions.can_submit_plan(actor, plan))
        plan.status, plan.submitted_by, plan.submitted_at = PlanStatus.SUBMITTED, actor, timezone.now()
        plan.return_reason = ""
        _save(plan, actor, "Submitted")
    return plan


def plan_accept(plan: Plan, *, actor) -> Plan:
    with transaction.atomic():
        plan = Plan.objects.select_for_update().select_related("locality").get(pk=plan.pk)
        _commissioner(actor, plan.locality)
        if plan.status == PlanStatus.ACCEPTED:
            return plan
        _check(permissions.can_review_plan(actor, plan))
        plan.status, plan.reviewed_by, plan.reviewed_at = PlanStatus.ACCEPTED, actor, timezone.now()
        _save(plan, actor, "Accepted")
        _evaluate_on_commit(actor, f"IA plan {plan.pk} accepted")
    return plan


def plan_return(plan: Plan, *, actor, reason: str) -> Plan:
    reason = (reason or "").strip()
    if not reason:
        raise IATransitionNotAllowed("Give the reason the plan is being returned.")
    with transaction.atomic():
        plan = Plan.objects.select_for_update().select_related("locality").get(pk=plan.pk)
        _commissioner(actor, plan.locality)
        if plan.status == PlanStatus.RETURNED:
            return plan
        _check(permissions.can_review_plan(actor, plan))
        plan.status, plan.reviewed_by, plan.reviewed_at = PlanStatus.RETURNED, actor, timezone.now()
        plan.return_reason = reason
        _save(plan, actor, "Returned")
    return plan


def _locked_declaration(declaration: Declaration) -> Declaration:
    return Declaration.objects.select_for_update().select_related("plan__locality").get(pk=declaration.pk)


def declaration_submit(declaration: Declaration, *, actor, evidence: str | None = None) -> Declaration:
    with transaction.atomic():
        declaration = _locked_declaration(declaration)
        _lead(actor, declaration.plan.locality)
        if declaration.status == DeclarationStatus.SUBMITTED and evidence in (None, declaration.evidence):
            return declaration
        _check(permissions.can_edit_declaration(actor, declaration))
        if evidence is not None:
            declaration.evidence = evidence.strip()
        if not declaration.evidence:
            raise IATransitionNotAllowed("Describe the evidence before submitting the declaration.")
        declaration.status = DeclarationStatus.SUBMITTED
        declaration.submitted_by, declaration.submitted_at = actor, timezone.now()
        declaration.return_reason = ""
        _save(declaration, actor, "Submitted")
    return declaration


def declaration_accept(declaration: Declaration, *, actor) -> Declaration:
    with transaction.atomic():
        declaration = _locked_declaration(declaration)
        _commissioner(actor, declaration.plan.locality)
        if declaration.status == DeclarationStatus.ACCEPTED:
            return declaration
        _check(permissions.can_review_declaration(actor, declaration))
        declaration.status = DeclarationStatus.ACCEPTED
        declaration.reviewed_by, declaration.reviewed_at = actor, timezone.now()
        _save(declaration, actor, "Accepted")
        _evaluate_on_commit(actor, f"IA declaration {declaration.pk} accepted")
    return declaration


def declaration_return(declaration: Declaration, *, actor, reason: str) -> Declaration:
    reason = (reason or "").strip()
    if not reason:
        raise IATransitionNotAllowed("Give the reason the declaration is being returned.")
    with transaction.atomic():
        declaration = _locked_declaration(declaration)
        _commissioner(actor, declaration.plan.locality)
        if declaration.status == DeclarationStatus.RETURNED:
            return declaration
        _check(permissions.can_review_declaration(actor, declaration))
        declaration.status = DeclarationStatus.RETURNED
        declaration.reviewed_by, declaration.reviewed_at = actor, timezone.now()
        declaration.return_reason = reason
        _save(declaration, actor, "Returned")
    return declaration
