"""A locality lead's changes to a plan's timetable (status changes are in improved_access.transitions)."""

from django.db import transaction

from localities.models import Locality

from . import permissions
from .models import PHASE_STARTS, Declaration, DeclarationKind, Phase, Plan, Session
from .transitions import IATransitionNotAllowed


def plan_ensure(locality: Locality, phase: int, *, actor=None) -> Plan:
    """The locality's plan for the phase, made (as a draft, with a draft of each declaration) if it is missing."""
    phase = Phase(phase)
    with transaction.atomic():
        plan, created = Plan.objects.get_or_create(
            locality=locality, phase=phase, defaults={"starts_on": PHASE_STARTS[phase]}
        )
        if created:
            for kind in DeclarationKind:
                declaration = Declaration(plan=plan, kind=kind)
                declaration._history_user = actor
                declaration.save()
    return plan


def _check(user, plan: Plan) -> None:
    allowed, why = permissions.can_edit_plan(user, plan)
    if not allowed:
        raise IATransitionNotAllowed(why)


def session_add(plan: Plan, *, actor, **fields) -> Session:
    with transaction.atomic():
        plan = Plan.objects.select_for_update().select_related("locality").get(pk=plan.pk)
        _check(actor, plan)
        fields.setdefault("valid_from", plan.starts_on)
        session = Session(plan=plan, **fields)
        session._history_user = actor
        session.save()
    return session


def session_remove(session: Session, *, actor) -> None:
    with transaction.atomic():
        plan = Plan.objects.select_for_update().select_related("locality").get(pk=session.plan_id)
        _check(actor, plan)
        session._history_user = actor
        session.delete()
