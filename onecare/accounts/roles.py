"""The portal's roles: each is a Django group with model permissions, and names the organisation that scopes it."""

from enum import StrEnum

from django.apps import apps as global_apps
from django.contrib.auth.models import Group, Permission


class Role(StrEnum):
    COMMISSIONER = "commissioner"
    FINANCE_APPROVER = "finance approver"
    PRACTICE_MANAGER = "practice manager"
    LOCALITY_LEAD = "locality lead"
    DATA_ADMIN = "data admin"
    ONECARE_STAFF = "One Care staff"
    SCRUTINEER = "scrutineer"

    @property
    def label(self) -> str:
        return self.value[0].upper() + self.value[1:]


# Which organisation link on the user scopes each role.
SCOPE_FIELD = {
    Role.COMMISSIONER: "commissioner",
    Role.FINANCE_APPROVER: "commissioner",
    Role.PRACTICE_MANAGER: "practice",
    Role.LOCALITY_LEAD: "locality",
    Role.DATA_ADMIN: None,
    Role.ONECARE_STAFF: None,
    Role.SCRUTINEER: None,
}

# Roles that work in the Django admin as well as the portal.
STAFF_ROLES = {Role.COMMISSIONER, Role.FINANCE_APPROVER, Role.DATA_ADMIN, Role.ONECARE_STAFF}

# Roles that may hold personal access tokens and use the read API (api/): those who see money and reports across
# localities (the localities overview, releases, payment runs). Practice managers and locality leads see one
# locality's pages; One Care staff and the scrutineer see no money. Superusers may too.
API_ROLES = frozenset({Role.COMMISSIONER, Role.FINANCE_APPROVER, Role.DATA_ADMIN})

ORGANISATION_MODELS = ["commissioner", "practice", "practicecommissioner", "listsizesnapshot"]
GOVERNANCE_MODELS = ["locality", "localityvehicle", "sublocality", "localitymembership", "representative"]
ALL_LOCALITY_MODELS = ORGANISATION_MODELS + GOVERNANCE_MODELS
CHECKLIST_MODELS = ["scheme", "phase", "checklistitem"]
MEMBERSHIP_MODELS = ["member"]
BALLOT_MODELS = ["ballot", "elector", "candidate", "vote", "votemark", "decision"]
BUSINESS_PLAN_MODELS = ["area", "activity", "risk", "incomesource", "incomefigure"]
LEDGER_MODELS = ["tranche", "release", "milestoneevaluation", "paymentrun"]
# Money rules change by proposal and another person's approval (funding.rule_changes): the list of changes is seen
# by both roles; "change" on a rule lets its form propose (tranches and IA rules: commissioners; the limit: finance).
RULE_CHANGE_MODELS = ["rulechange", "delegatedlimit"]
IA_MODELS = ["plan", "session", "declaration", "compliancerule", "paymentterms", "quarterassessment", "activityreturn"]
IA_RULE_MODELS = ["compliancerule", "paymentterms"]
EVIDENCE_MODELS = ["evidence", "evidencefile", "evidencetransition", "sentreminder", "evaluationrequest"]

# Model permissions per role, as (app label, action, model names).
PERMISSIONS: dict[Role, list[tuple[str, str, list[str]]]] = {
    Role.COMMISSIONER: [
        ("localities", "view", ALL_LOCALITY_MODELS + ["importrecord"]),
        ("localities", "add", GOVERNANCE_MODELS),
        ("localities", "change", GOVERNANCE_MODELS),
        ("funding", "view", CHECKLIST_MODELS + EVIDENCE_MODELS + LEDGER_MODELS + RULE_CHANGE_MODELS),
        ("funding", "add", CHECKLIST_MODELS + ["tranche"]),
        ("funding", "change", CHECKLIST_MODELS + ["tranche"]),
        ("improved_access", "view", IA_MODELS),
        ("improved_access", "add", IA_RULE_MODELS),
        ("improved_access", "change", IA_RULE_MODELS),
    ],
    Role.FINANCE_APPROVER: [
        ("localities", "view", ALL_LOCALITY_MODELS),
        ("funding", "view", CHECKLIST_MODELS + ["evidence", "evaluationrequest"] + LEDGER_MODELS + RULE_CHANGE_MODELS),
        ("funding", "add", ["paymentrun"]),
        ("funding", "change", ["delegatedlimit"]),
        ("improved_access", "view", ["paymentterms", "quarterassessment"]),
    ],
    Role.PRACTICE_MANAGER: [("localities", "view", ALL_LOCALITY_MODELS)],
    Role.LOCALITY_LEAD: [
        ("localities", "view", ALL_LOCALITY_MODELS),
        ("localities", "add", ["localityvehicle", "sublocality", "representative"]),
        ("localities", "change", ["localityvehicle", "sublocality", "localitymembership", "representative"]),
    ],
    Role.DATA_ADMIN: [
        ("localities", "view", ALL_LOCALITY_MODELS),
        ("localities", "add", ALL_LOCALITY_MODELS),
        ("localities", "change", ALL_LOCALITY_MODELS),
        # Adding an import record is what allows importing a file.
        ("localities", "view", ["importrecord"]),
        ("localities", "add", ["importrecord"]),
        ("funding", "view", CHECKLIST_MODELS + EVIDENCE_MODELS + LEDGER_MODELS),
        ("funding", "add", CHECKLIST_MODELS),
        ("funding", "change", CHECKLIST_MODELS),
        # Tasks waiting for the broker (a background import among them): seen, never edited.
        ("outbox", "view", ["unsenttask"]),
    ],
    Role.ONECARE_STAFF: [
        ("localities", "view", ["practice", "locality", "localitymembership", "listsizesnapshot"]),
        ("membership", "view", MEMBERSHIP_MODELS),
        ("membership", "add", MEMBERSHIP_MODELS),
        ("membership", "change", MEMBERSHIP_MODELS),
        ("ballots", "view", BALLOT_MODELS),
        ("ballots", "add", ["ballot", "candidate", "decision"]),
        ("ballots", "change", ["ballot", "candidate", "decision"]),
        ("businessplan", "view", BUSINESS_PLAN_MODELS),
        ("businessplan", "add", BUSINESS_PLAN_MODELS),
        ("businessplan", "change", BUSINESS_PLAN_MODELS),
    ],
    Role.SCRUTINEER: [
        ("membership", "view", MEMBERSHIP_MODELS),
        ("ballots", "view", BALLOT_MODELS),
    ],
}


def permissions_for(role: Role) -> list[Permission]:
    codenames = [
        (app_label, f"{action}_{model}") for app_label, action, models in PERMISSIONS[role] for model in models
    ]
    found = Permission.objects.filter(
        content_type__app_label__in={app for app, _ in codenames},
        codename__in={codename for _, codename in codenames},
    ).select_related("content_type")
    return [perm for perm in found if (perm.content_type.app_label, perm.codename) in codenames]


def sync_role_groups(sender=None, **kwargs) -> None:
    """Create each role's group and set its permissions to exactly those listed above."""
    if not global_apps.is_installed("django.contrib.auth"):
        return
    from django.contrib.auth.management import create_permissions

    for app_config in global_apps.get_app_configs():
        create_permissions(app_config, verbosity=0)
    for role in Role:
        group, _ = Group.objects.get_or_create(name=role.value)
        group.permissions.set(permissions_for(role))
