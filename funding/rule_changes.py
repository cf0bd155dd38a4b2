"""Four eyes on money rules: a change is proposed by one person and takes effect when another with the authority
approves it.

The rules: LTS and Improved Access tranches (funding.Tranche), Improved Access compliance rules and
payment terms (improved_access.ComplianceRule, PaymentTerms): commissioners propose and approve; the
delegated limit (funding.DelegatedLimit): finance approvers propose and approve. Never the proposer's own
change; superusers hold no role, so they neither propose nor approve.

One function per step, each taking the acting user as actor=, locking the row, and raising
RuleChangeNotAllowed with the reason in words. An approval applies the proposed values, increments the
rule's version and names who proposed and approved it (the rule's history records the approver); releases
record the version they applied (funding.evaluation), and nobody approves a release under a rule version
they proposed or approved (funding.permissions).
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Sum
from django.utils import timezone

from onecare.accounts.roles import Role
from onecare.formats import money
from onecare.workflow import Step, Workflow

from .models import RuleChange, RuleChangeState, Tranche


class RuleChangeNotAllowed(Exception):
    """The actor may not make this step, or the change is not in a state (or no longer fits the rule) to allow it."""


@dataclass(frozen=True)
class RuleKind:
    label: str
    fields: tuple[str, ...]
    role: Role


RULES = {
    "funding.tranche": RuleKind(
        "tranche",
        (
            "scheme",
            "code",
            "name",
            "position",
            "rate",
            "basis",
            "opens_on_joining",
            "gate_items",
            "reference_date",
            "active",
            "releasable_from",
            "due_by",
            "after",
        ),
        Role.COMMISSIONER,
    ),
    "improved_access.compliancerule": RuleKind(
        "Improved Access rule",
        ("kind", "applies_from", "threshold", "evening_starts_at", "basis", "active", "note"),
        Role.COMMISSIONER,
    ),
    "improved_access.paymentterms": RuleKind(
        "Improved Access payment terms", ("applies_from", "rate", "reference_date"), Role.COMMISSIONER
    ),
    "funding.delegatedlimit": RuleKind("delegated limit", ("amount",), Role.FINANCE_APPROVER),
}

S = RuleChangeState
DECIDERS = frozenset(kind.role for kind in RULES.values())  # each rule's own authority (RULES) decides its changes
PROPOSER = "the change's proposer"

# A rule change's workflow (onecare.workflow): proposed, then decided once. The admin shows its state in words.
RULE_CHANGES = Workflow(
    "rule change",
    S,
    [
        Step("approve", frozenset({S.PROPOSED}), S.APPROVED, DECIDERS, "Approve"),
        Step("reject", frozenset({S.PROPOSED}), S.REJECTED, DECIDERS, "Reject"),
        Step("withdraw", frozenset({S.PROPOSED}), S.WITHDRAWN, frozenset({PROPOSER}), "Withdraw"),
    ],
    tags={},
    noun="A rule change",
)

# Fields shown as money (£1,234.50).
MONEY_FIELDS = {"rate", "amount", "rate_per_head"}


def rule_kind(model) -> RuleKind:
    return RULES[model._meta.label_lower]


def authority_label(model) -> str:
    return rule_kind(model).role.value


# Values as JSON ----------------------------------------------------------------------------------------------


def _json(value):
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    return value


def dump(field, value):
    """A field's value (a model instance, queryset, Decimal, date...) as JSON; decimals at the field's places, so
    "1.5" typed in a form is the £1.50 stored."""
    if field.many_to_many:
        return sorted(_json(v) for v in (value or []))
    if isinstance(field, models.DecimalField) and value not in (None, ""):
        value = Decimal(value).quantize(Decimal(1).scaleb(-field.decimal_places))
    return _json(value)


def current_values(rule) -> dict:
    """The rule's values of its kind's fields, as JSON."""
    values = {}
    for name in rule_kind(type(rule)).fields:
        field = rule._meta.get_field(name)
        if field.many_to_many:
            values[name] = sorted(getattr(rule, name).values_list("pk", flat=True)) if rule.pk else []
        else:
            values[name] = dump(field, getattr(rule, field.attname))
    return values


def describe(model, name: str, value) -> str:
    """A value as words: £1.50, 01/04/2018, yes, the item numbers of a gate."""
    field = model._meta.get_field(name)
    if value is None or value == "" or value == []:
        return "(blank)"
    if field.many_to_many:
        related = field.related_model.objects.filter(pk__in=value)
        return ", ".join(sorted(str(getattr(r, "number", None) or getattr(r, "code", r)) for r in related)) or "(none)"
    if field.is_relation:
        found = field.related_model.objects.filter(pk=value).first()
        return str(found) if found is not None else f"(no longer there: {value})"
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(field, models.DecimalField):
        number = Decimal(value)
        return money(number) if name in MONEY_FIELDS else f"{number:,}"
    if isinstance(field, models.DateField):
        return f"{datetime.date.fromisoformat(value):%d/%m/%Y}"
    if isinstance(field, models.TimeField):
        return f"{datetime.time.fromisoformat(value):%H:%M}"
    return str(value)


def differences(change: RuleChange) -> list[str]:
    """The change in words, one line per field: "rate per head (£): £1.50 -> £1.00"."""
    model = change.content_type.model_class()
    lines = []
    for name, value in change.values.items():
        label = str(model._meta.get_field(name).verbose_name)
        if change.object_id is None and not change.before:
            lines.append(f"{label}: {describe(model, name, value)}")
        else:
            lines.append(f"{label}: {describe(model, name, change.before.get(name))} -> {describe(model, name, value)}")
    return lines


# Who may do what ---------------------------------------------------------------------------------------------


def _has_authority(user, model) -> bool:
    return bool(user.is_authenticated and user.is_active and user.has_role(rule_kind(model).role))


def can_propose(user, model) -> tuple[bool, str]:
    if not _has_authority(user, model):
        return False, f"Only a {authority_label(model)} can propose a change to a {rule_kind(model).label}."
    return True, ""


def can_decide(user, change: RuleChange, step: str) -> tuple[bool, str]:
    """approve, reject or withdraw: (allowed, why not)."""
    model = change.content_type.model_class()
    state = change.get_state_display().lower()
    if not RULE_CHANGES.allows(step, change.state):
        return False, f"This change is {state}: it cannot be {STEP_WORDS[step]}."
    if step == "withdraw":
        if change.proposed_by_id != user.pk:
            return False, "Only the person who proposed a change can withdraw it."
        return True, ""
    if not _has_authority(user, model):
        return False, f"Only a {authority_label(model)} can {step} a change to a {rule_kind(model).label}."
    if change.proposed_by_id == user.pk:
        return False, f"You proposed this change: another {authority_label(model)} must {step} it."
    return True, ""


# Each step's word once taken ("approved"): the rule change admin (funding/admin_rules.py) reads this name too.
STEP_WORDS = {name: step.target.label.lower() for name, step in RULE_CHANGES.steps.items()}


# The steps ---------------------------------------------------------------------------------------------------


def rule_change_propose(rule, values: dict, *, actor, model=None) -> RuleChange | None:
    """Propose new values for an existing rule, or (rule None, model given) a new rule; None if nothing changes.

    `values` maps field names of the rule's kind to Python values (model instances, querysets, Decimals...).
    """
    model = model or type(rule)
    kind = rule_kind(model)
    allowed, why = can_propose(actor, model)
    if not allowed:
        raise RuleChangeNotAllowed(why)
    unknown = set(values) - set(kind.fields)
    if unknown:
        raise RuleChangeNotAllowed(f"These cannot be changed here: {', '.join(sorted(unknown))}.")
    proposed = {name: dump(model._meta.get_field(name), value) for name, value in values.items()}
    with transaction.atomic():
        content_type = ContentType.objects.get_for_model(model)
        if rule is not None and rule.pk is not None:
            rule = model.objects.select_for_update().get(pk=rule.pk)
            before = current_values(rule)
            proposed = {name: value for name, value in proposed.items() if before.get(name) != value}
            if not proposed:
                return None
            open_change = RuleChange.objects.filter(
                content_type=content_type, object_id=rule.pk, state=RuleChangeState.PROPOSED
            ).first()
            if open_change is not None:
                raise RuleChangeNotAllowed(
                    f"A change to {rule} is already proposed (change {open_change.pk}, by "
                    f"{open_change.proposed_by}): it must be approved, rejected or withdrawn first."
                )
            object_id, base_version, label = rule.pk, rule.version, f"{kind.label} {rule}"
            before = {name: before.get(name) for name in proposed}
        else:
            object_id, base_version, before = None, None, {}
            label = f"new {kind.label}"
        change = RuleChange(
            content_type=content_type,
            object_id=object_id,
            rule_label=label[:200],
            values=proposed,
            before=before,
            base_version=base_version,
            proposed_by=actor,
            proposed_at=timezone.now(),
        )
        change._history_user = actor
        change._change_reason = "Proposed"
        try:
            with transaction.atomic():
                change.save()
        except IntegrityError as error:
            raise RuleChangeNotAllowed(
                f"A change to {label} is already proposed: it must be approved, rejected or withdrawn first."
            ) from error
    return change


def _locked(change: RuleChange) -> RuleChange:
    return RuleChange.objects.select_for_update().select_related("content_type", "proposed_by").get(pk=change.pk)


def _apply(change: RuleChange, *, actor):
    """Write the proposed values to the rule (made if new), as its next version; return the rule."""
    model = change.content_type.model_class()
    if change.object_id is not None:
        rule = model.objects.select_for_update().get(pk=change.object_id)
        if rule.version != change.base_version:
            raise RuleChangeNotAllowed(
                f"{rule} has changed since this was proposed (it was version {change.base_version}, it is now "
                f"version {rule.version}): reject this change and propose it again against the rule as it is."
            )
        rule.version += 1
    else:
        rule = model()
        rule.version = 1
    many = {}
    for name, value in change.values.items():
        field = model._meta.get_field(name)
        if field.many_to_many:
            many[name] = value
        elif field.is_relation:
            setattr(rule, field.attname, value)
        else:
            setattr(rule, field.attname, field.to_python(value))
    rule.version_proposed_by_id = change.proposed_by_id
    rule.version_approved_by = actor
    try:
        rule.full_clean()
    except ValidationError as error:
        raise RuleChangeNotAllowed(f"The change cannot be applied: {' '.join(error.messages)}") from error
    rule._history_user = actor
    rule._change_reason = f"Change {change.pk} approved: version {rule.version}"
    try:
        with transaction.atomic():
            rule.save()
    except IntegrityError as error:  # a rule saved at the same moment took the same code or date
        raise RuleChangeNotAllowed(
            f"The change cannot be applied: another rule was saved with the same values at the same moment "
            f"({rule_kind(model).label} {rule}). Reject it and propose it again."
        ) from error
    for name, ids in many.items():
        getattr(rule, name).set(ids)
    if isinstance(rule, Tranche):
        tranche_order_check(rule)
        schemes = {rule.scheme_id, change.before.get("scheme") or rule.scheme_id}
        for scheme_id in schemes:
            tranche_rates_check(scheme_id)
    return rule


def tranche_order_check(tranche: Tranche) -> None:
    """A tranche never comes, directly or through others, after itself (it could never be released)."""
    edges: dict[int, set[int]] = {}
    for from_id, to_id in Tranche.after.through.objects.values_list("from_tranche_id", "to_tranche_id"):
        edges.setdefault(from_id, set()).add(to_id)
    seen, waiting = set(), list(edges.get(tranche.pk, ()))
    while waiting:
        current = waiting.pop()
        if current == tranche.pk:
            raise RuleChangeNotAllowed(
                f"{tranche.code} would come after itself (through the tranches it comes after): it could never be "
                "released. Choose tranches that come before it."
            )
        if current not in seen:
            seen.add(current)
            waiting.extend(edges.get(current, ()))


def tranche_rates_check(scheme_id: int) -> None:
    """The active tranches' rates of a scheme with a rate per head add up to it (LTS: £3.00), else refuse."""
    Scheme = apps.get_model("funding", "Scheme")
    scheme = Scheme.objects.get(pk=scheme_id)
    if scheme.rate_per_head is None:
        return
    total = Tranche.objects.filter(scheme=scheme, active=True).aggregate(total=Sum("rate"))["total"] or Decimal("0")
    if total != scheme.rate_per_head:
        rates = ", ".join(
            f"{t.code} {money(t.rate)}" for t in Tranche.objects.filter(scheme=scheme, active=True).order_by("position")
        )
        raise RuleChangeNotAllowed(
            f"The active tranches of {scheme.name} would add up to {money(total)} a head ({rates}), not the scheme's "
            f"{money(scheme.rate_per_head)}: the tranche rates of a scheme must add up to its rate per head."
        )


def rule_change_approve(change: RuleChange, *, actor) -> RuleChange:
    """Approve another person's proposed change: it takes effect now, as the rule's next version."""
    with transaction.atomic():
        change = _locked(change)
        if change.state == RuleChangeState.APPROVED and change.decided_by_id == actor.pk:
            return change
        allowed, why = can_decide(actor, change, "approve")
        if not allowed:
            raise RuleChangeNotAllowed(why)
        rule = _apply(change, actor=actor)
        change.object_id = rule.pk
        change.version = rule.version
        if change.base_version is None:
            change.rule_label = f"{rule_kind(type(rule)).label} {rule}"[:200]
        _decide(change, RULE_CHANGES.step("approve").target, actor=actor, reason="")
    return change


def _decide(change: RuleChange, state: str, *, actor, reason: str) -> None:
    change.state = state
    change.decided_by = actor
    change.decided_at = timezone.now()
    change.reason = reason
    change._history_user = actor
    change._change_reason = f"{RuleChangeState(state).label}{': ' + reason if reason else ''}"[:100]
    change.save()


def _end(change: RuleChange, step: str, *, actor, reason: str) -> RuleChange:
    state = RULE_CHANGES.step(step).target
    reason = (reason or "").strip()
    if step == "reject" and not reason:
        raise RuleChangeNotAllowed("Give the reason the change is rejected.")
    with transaction.atomic():
        change = _locked(change)
        if change.state == state and change.decided_by_id == actor.pk:
            return change
        allowed, why = can_decide(actor, change, step)
        if not allowed:
            raise RuleChangeNotAllowed(why)
        _decide(change, state, actor=actor, reason=reason)
    return change


def rule_change_reject(change: RuleChange, *, actor, reason: str) -> RuleChange:
    """Refuse another person's proposed change, with the reason (required); the rule stays as it is."""
    return _end(change, "reject", actor=actor, reason=reason)


def rule_change_withdraw(change: RuleChange, *, actor, reason: str = "") -> RuleChange:
    """The proposer takes their change back; the rule stays as it is."""
    return _end(change, "withdraw", actor=actor, reason=reason)


RULE_CHANGE_STEPS = {
    "approve": (rule_change_approve, False),
    "reject": (rule_change_reject, True),
    "withdraw": (rule_change_withdraw, False),
}
