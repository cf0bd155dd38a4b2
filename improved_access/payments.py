"""The quarterly IA payment: one release per compliant locality per financial-year quarter, into the LTS ledger.

Each quarter is a funding Tranche of the "ia" scheme (code "2018Q1", rate and reference date from the
PaymentTerms in force when the quarter starts), so the ledger's partial unique constraint
(one live release per locality and tranche) is also "one live IA release per locality and quarter",
and approvals, payment runs and exports treat IA releases as any other. Amount = rate x weighted
population at the reference date, rounded half up once; the per-practice lines by largest remainder.
Compliance is judged on the quarter's first day when run then (the beat task), or on the day it runs
later in the quarter, or on the quarter's last day when run after it. Idempotent: a locality with a
live or rejected release for the quarter gets nothing more; a withdrawn one may be proposed afresh.
"""

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from funding import ledger
from funding.ledger import Due, Outcome, Run
from funding.models import Release, ReleaseKind, ReleaseState, Scheme, Tranche
from localities.models import Basis, Locality

from .compliance import Assessment, assess_all
from .models import PaymentTerms, QuarterAssessment
from .quarters import FIRST_PAYABLE, Quarter

SCHEME_CODE = "ia"
SCHEME_NAME = "Improved Access"


class IAPaymentError(Exception):
    """The quarter cannot be evaluated (before the first payable quarter, not started, or no payment terms)."""


@dataclass
class IAOutcome(Outcome):
    quarter: Quarter | None = None
    assessments: list[QuarterAssessment] | None = None


def payable_on(quarter: Quarter, today: datetime.date) -> datetime.date:
    """The day compliance is judged for the quarter, when evaluated on `today`."""
    if quarter < FIRST_PAYABLE:
        raise IAPaymentError(f"Improved Access is paid from {FIRST_PAYABLE} ({FIRST_PAYABLE.label}), not {quarter}.")
    if quarter.start > today:
        raise IAPaymentError(f"{quarter} starts on {quarter.start:%d/%m/%Y}: it cannot be evaluated before then.")
    return min(today, quarter.end)


def terms_for(quarter: Quarter) -> PaymentTerms:
    terms = PaymentTerms.objects.filter(applies_from__lte=quarter.start).order_by("-applies_from").first()
    if terms is None:
        raise IAPaymentError(f"No Improved Access payment terms apply to {quarter}: add them in the admin.")
    return terms


def quarter_tranche(quarter: Quarter) -> Tranche:
    """The quarter's tranche, made the first time the quarter is evaluated with the terms then in force."""
    scheme, _ = Scheme.objects.get_or_create(code=SCHEME_CODE, defaults={"name": SCHEME_NAME})
    # Its scheme at hand (the ledger reads the scheme's minimum population), without a query.
    tranche = Tranche.objects.filter(scheme=scheme, code=str(quarter)).select_related("scheme").first()
    if tranche is None:
        terms = terms_for(quarter)
        tranche = Tranche(
            scheme=scheme,
            code=str(quarter),
            name=f"Improved Access {quarter} ({quarter.label})",
            position=quarter.year * 10 + quarter.number,
            rate=terms.rate,
            basis=Basis.WEIGHTED,
            reference_date=terms.reference_date or quarter.start,
            # Its rate and date are the terms' approved version: the people of that version stand for the tranche.
            version_proposed_by_id=terms.version_proposed_by_id,
            version_approved_by_id=terms.version_approved_by_id,
        )
        tranche._change_reason = f"Improved Access {quarter}"
        tranche.save()
    return tranche


def rules_applied(quarter: Quarter, judged_on: datetime.date) -> dict:
    """The versions of the payment terms and compliance rules in force, and who proposed or approved them (they
    may not approve the releases: funding.permissions.rule_changers)."""
    from .compliance import rules_on

    applied = [terms_for(quarter), *rules_on(judged_on).values()]
    return {
        "rule_versions": [
            {"rule": f"{rule._meta.model_name} {rule.pk}", "name": str(rule), "version": rule.version}
            for rule in applied
        ],
        "rule_changed_by": sorted({pk for rule in applied for pk in rule.version_people()}),
    }


def gate_records(locality_ids: list[int]) -> dict[int, list[dict]]:
    """Per locality, the accepted plans (phase 1 and 2) and phase 1 checklist evidence its payment was judged on,
    with who accepted each: they may not approve the release (funding.permissions.gate_acceptors). Two queries."""
    from funding.models import Evidence, EvidenceStatus

    from .models import LTS_SCHEME, Plan, PlanStatus

    found: dict[int, list[dict]] = {pk: [] for pk in locality_ids}
    for plan in Plan.objects.filter(locality_id__in=locality_ids, status=PlanStatus.ACCEPTED).order_by("phase"):
        found[plan.locality_id].append(
            {
                "plan": plan.pk,
                "phase": plan.phase,
                "evidence": plan.evidence_id,
                "accepted_by": plan.reviewed_by_id,
                "accepted_at": plan.reviewed_at.isoformat() if plan.reviewed_at else None,
            }
        )
    evidence = Evidence.objects.filter(
        locality_id__in=locality_ids,
        item__phase__scheme__code=LTS_SCHEME,
        item__phase__number=1,
        status=EvidenceStatus.ACCEPTED,
    ).values_list("locality_id", "pk", "item__number", "reviewed_by_id", "reviewed_at")
    for locality_id, pk, number, by, at in evidence.order_by("item__position", "pk"):
        found[locality_id].append(
            {"evidence": pk, "item": number, "accepted_by": by, "accepted_at": at.isoformat() if at else None}
        )
    return found


def _rule(
    tranche: Tranche,
    quarter: Quarter,
    assessment: Assessment,
    applied: dict | None = None,
    gates: list[dict] | None = None,
) -> dict:
    declarations = assessment.plan.declarations.all() if assessment.plan else []
    return {
        **(applied or {}),
        "version": tranche.version,
        "scheme": SCHEME_CODE,
        "tranche": tranche.code,
        "tranche_id": tranche.pk,
        "quarter": str(quarter),
        "rate": str(tranche.rate),
        "basis": tranche.basis,
        "reference_date": tranche.reference_date.isoformat(),
        "judged_on": assessment.on.isoformat(),
        "plan": assessment.plan.pk if assessment.plan else None,
        "compliance": [r.as_dict() for r in assessment.results],
        # Whoever accepted a declaration, a plan or a phase 1 item that made the locality compliant may not
        # approve its payment.
        "gate_evidence": [
            {
                "declaration": d.pk,
                "kind": d.kind,
                "accepted_by": d.reviewed_by_id,
                "accepted_at": d.reviewed_at.isoformat() if d.reviewed_at else None,
            }
            for d in declarations
        ]
        + list(gates or []),
    }


def evaluate_improved_access(
    quarter: Quarter,
    *,
    today: datetime.date | None = None,
    triggered_by=None,
    trigger: str = "command",
    triggered_for: int | None = None,
) -> IAOutcome:
    """Propose the quarter's release for every compliant locality without one; record why others get none.

    Each release records who triggered it for its locality: triggered_by for every locality when run by hand
    (triggered_for None); when an acceptance in one locality triggered the run (triggered_for: that locality's
    id), only that locality's release names the acceptor, and the others name nobody (the beat's run)."""
    judged_on = payable_on(quarter, today or timezone.localdate())
    label = f"improved access {quarter} ({trigger})"
    found = {}

    def compliant(run: Run) -> list[Due]:
        """The quarter's release is due for every compliant locality without a live or rejected one."""
        tranche = found["tranche"] = quarter_tranche(quarter)
        assessments = found["assessments"] = assess_all(Locality.objects.all(), judged_on)
        taken = found["taken"] = {
            r.locality_id: r
            for r in Release.objects.filter(tranche=tranche, kind=ReleaseKind.RELEASE).exclude(
                state=ReleaseState.WITHDRAWN
            )
        }
        due = [a for a in assessments if a.compliant and a.locality.pk not in taken]
        applied = rules_applied(quarter, judged_on)
        gates = gate_records([a.locality.pk for a in due])
        acceptor = {"triggered_by_id": triggered_by.pk if triggered_by else None}
        return [
            Due(
                tranche,
                a.locality.pk,
                _rule(tranche, quarter, a, applied, gates.get(a.locality.pk)),
                # The locality whose acceptance triggered the run names the acceptor; the others nobody.
                acceptor if triggered_for is not None and triggered_for == a.locality.pk else {},
            )
            for a in due
        ]

    with transaction.atomic():
        outcome = ledger.evaluate(
            judged_on,
            compliant,
            adjusting=Q(tranche__scheme__code=SCHEME_CODE),
            triggered_by=triggered_by,
            trigger=label,
            by_hand=triggered_for is None,
        )
        made_for = {r.locality_id: r for r in outcome.proposed}
        taken, tranche = found["taken"], found["tranche"]
        records = [
            _record(outcome.evaluation, quarter, a, made_for.get(a.locality.pk), taken.get(a.locality.pk), tranche)
            for a in found["assessments"]
        ]
        bulk_create_with_history(
            records, QuarterAssessment, default_user=triggered_by, default_change_reason=label[:100]
        )
    return IAOutcome(outcome.evaluation, outcome.proposed, outcome.adjustments, quarter=quarter, assessments=records)


def _record(evaluation, quarter, assessment, made, taken, tranche) -> QuarterAssessment:
    if made is not None:
        reason = ""
    elif not assessment.compliant:
        reason = assessment.reason()
    elif taken is not None:
        reason = f"Already {taken.get_state_display().lower()} for {quarter}: {taken.reference}."
    else:
        reason = f"No weighted population at {tranche.reference_date:%d/%m/%Y}: nothing to pay."
    return QuarterAssessment(
        evaluation=evaluation,
        locality=assessment.locality,
        quarter=str(quarter),
        judged_on=assessment.on,
        compliant=assessment.compliant,
        results=[r.as_dict() for r in assessment.results],
        reason=reason,
        release=made or taken,
    )


def evaluate_improved_access_by_ids(
    quarter: str | None = None,
    triggered_by_id: int | None = None,
    trigger: str = "quarterly",
    locality_id: int | None = None,
) -> str:
    """What the Celery task calls: the quarter (default: the one today falls in) and ids in, the summary out;
    locality_id: the locality whose acceptance triggered the run (its release alone names the acceptor)."""
    from onecare.accounts.models import User

    which = Quarter.parse(quarter) if quarter else Quarter.of(timezone.localdate())
    user = User.objects.filter(pk=triggered_by_id).first() if triggered_by_id else None
    try:
        outcome = evaluate_improved_access(which, triggered_by=user, trigger=trigger, triggered_for=locality_id)
        return outcome.summary_line()
    except IAPaymentError as error:
        return f"skipped: {error}"
