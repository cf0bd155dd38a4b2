"""Who may do what with IA plans: can_<verb>(user, ...) -> (allowed, reason). Views and transitions both ask."""

from localities.models import Locality
from onecare.accounts.roles import Role
from onecare.accounts.scoping import can_see_locality, get_locality_for_user

from .models import Declaration, DeclarationKind, DeclarationStatus, Plan
from .workflow import DECLARATIONS, PLANS

Answer = tuple[bool, str]


def can_view_ia(user, locality: Locality) -> Answer:
    """Locality leads of the locality and commissioners of its CCG lineage (and those who see everything)."""
    if not (user.is_authenticated and user.is_active):
        return False, "Sign in to see Improved Access."
    if not user.has_role(Role.LOCALITY_LEAD, Role.COMMISSIONER) and not user.is_superuser:
        return False, "Only locality leads and commissioners see Improved Access."
    if not can_see_locality(user, locality):
        return False, "You cannot see this locality."
    return True, ""


def get_ia_locality_for_user(user, code: str) -> Locality:
    """The locality if the user may see its IA (404 for outsiders, as get_locality_for_user)."""
    from django.core.exceptions import PermissionDenied

    locality = get_locality_for_user(user, code)
    allowed, why = can_view_ia(user, locality)
    if not allowed:
        raise PermissionDenied(why)
    return locality


def is_lead_of(user, locality: Locality) -> bool:
    return (
        user.is_authenticated
        and user.is_active
        and user.has_role(Role.LOCALITY_LEAD)
        and user.locality_id == locality.pk
    )


def is_commissioner_of(user, locality: Locality) -> bool:
    return (
        user.is_authenticated
        and user.is_active
        and user.has_role(Role.COMMISSIONER)
        and can_see_locality(user, locality)
    )


def can_edit_plan(user, plan: Plan) -> Answer:
    if not is_lead_of(user, plan.locality):
        return False, "Only the locality's leads can change its Improved Access plan."
    if not PLANS.allows("submit", plan.status):
        return False, PLANS.refusal("submit", plan.status)
    return True, ""


def can_submit_plan(user, plan: Plan) -> Answer:
    """The lead may submit a draft or returned plan once every declaration is submitted (IA.md)."""
    allowed, why = can_edit_plan(user, plan)
    if not allowed:
        return allowed, why
    missing = declarations_missing(plan)
    if missing:
        return False, declarations_missing_words(missing)
    return True, ""


def declarations_missing(plan: Plan) -> list[str]:
    """The declarations not yet submitted (missing, draft or returned), by name: a plan is submitted only with all of
    them at least submitted (the paper's requirements are the declarations: IA.md)."""
    ready = {DeclarationStatus.SUBMITTED, DeclarationStatus.ACCEPTED}
    status = {d.kind: d.status for d in plan.declarations.all()}
    return [kind.label for kind in DeclarationKind if status.get(kind) not in ready]


def declarations_missing_words(missing: list[str]) -> str:
    count = f"{len(missing)} of {len(DeclarationKind)}"
    return f"Submit every declaration before the plan: {count} not yet submitted ({'; '.join(missing)})."


def can_review_plan(user, plan: Plan) -> Answer:
    if not is_commissioner_of(user, plan.locality):
        return False, "Only a commissioner for this locality can accept its plan."
    if plan.submitted_by_id == user.pk:
        return False, "You cannot review a plan you submitted."
    if not PLANS.allows("accept", plan.status):
        return False, PLANS.refusal("accept", plan.status)
    return True, ""


def can_edit_declaration(user, declaration: Declaration) -> Answer:
    if not is_lead_of(user, declaration.plan.locality):
        return False, "Only the locality's leads can change its declarations."
    if not DECLARATIONS.allows("submit", declaration.status):
        return False, DECLARATIONS.refusal("submit", declaration.status)
    return True, ""


def can_review_declaration(user, declaration: Declaration) -> Answer:
    if not is_commissioner_of(user, declaration.plan.locality):
        return False, "Only a commissioner for this locality can accept its declarations."
    if declaration.submitted_by_id == user.pk:
        return False, "You cannot review a declaration you submitted."
    if not DECLARATIONS.allows("accept", declaration.status):
        return False, DECLARATIONS.refusal("accept", declaration.status)
    return True, ""
