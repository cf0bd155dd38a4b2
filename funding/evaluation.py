"""Working out what is due under the LTS: releases whose gate is met (funding/MONEY.md).

This module is the LTS milestone gate: which localities each tranche is due for, the rule record each release
keeps, whether it is late and who triggered it for its locality. The ledger service (funding.ledger) does the
rest, as for every scheme: the lock, the evaluation record, the releases with their per-practice lines, the
adjustments of paid releases, the one write path and the outcome.

evaluate_milestones() is idempotent and set-based: its query count depends on the number of tranches
(one query each for the localities due), never on the number of localities or practices. Two evaluations at once
are serialised by the ledger's lock; the partial unique constraints on Release are the last guard.
"""

import datetime
from collections import defaultdict

from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.utils import timezone

from localities.models import Locality, LocalityMembership

from . import ledger
from .ledger import Due, Outcome, Run, among
from .models import (
    RELEASED_STATES,
    SEPARATE_SCHEMES,
    EvaluationRequest,
    Evidence,
    EvidenceStatus,
    Release,
    ReleaseKind,
    ReleaseState,
    ReleaseTransition,
    Tranche,
)


def _due(tranche: Tranche, at: datetime.date) -> list[tuple[int, datetime.date | None]]:
    """Localities whose gate for the tranche is met by the end of `at`, within its window and after its predecessors,
    and that have no release of it yet (funding/MONEY.md), each with its vehicle's date of establishment; one query.

    Nothing before the tranche's releasable_from. Each tranche it comes after must be released for the locality (a
    release of it approved, authorised, scheduled or paid). A withdrawn release may be proposed again; a rejected
    one only once evidence for a gate item has been accepted again after the rejection (the evidence put right).
    """
    items = [item.pk for item in tranche.gate_items.all()]
    if not items and not tranche.opens_on_joining:
        return []
    if tranche.releasable_from is not None and at < tranche.releasable_from:
        return []
    localities = Locality.objects.all()
    if tranche.opens_on_joining:
        members = LocalityMembership.objects.on(tranche.reference_date).values("locality_id")
        localities = localities.filter(vehicle__isnull=False, pk__in=members)
    if items:
        accepted = Q(
            evidence__item_id__in=items,
            evidence__status=EvidenceStatus.ACCEPTED,
            evidence__reviewed_at__date__lte=at,
        )
        localities = localities.annotate(met=Count("evidence", filter=accepted, distinct=True)).filter(met=len(items))
    # Every predecessor released: no tranche it comes after without a release of it in a released state.
    Before = Tranche.after.through
    released = Release.objects.filter(
        tranche_id=OuterRef("to_tranche_id"),
        locality_id=OuterRef(OuterRef("pk")),
        kind=ReleaseKind.RELEASE,
        state__in=RELEASED_STATES,
    )
    unreleased = Before.objects.filter(from_tranche_id=tranche.pk).exclude(Exists(released))
    localities = localities.exclude(Exists(unreleased))
    taken = Release.objects.filter(tranche=tranche, kind=ReleaseKind.RELEASE).exclude(state=ReleaseState.WITHDRAWN)
    if items:
        rejected_at = (
            ReleaseTransition.objects.filter(release_id=OuterRef("pk"), to_state=ReleaseState.REJECTED)
            .order_by("-at")
            .values("at")[:1]
        )
        renewed = Evidence.objects.filter(
            locality_id=OuterRef("locality_id"),
            item_id__in=items,
            status=EvidenceStatus.ACCEPTED,
            reviewed_at__gt=OuterRef("rejected_at"),
            reviewed_at__date__lte=at,
        )
        taken = taken.annotate(rejected_at=Subquery(rejected_at)).exclude(
            Q(state=ReleaseState.REJECTED) & Exists(renewed)
        )
    localities = localities.exclude(pk__in=taken.values("locality_id"))
    return list(localities.values_list("pk", "vehicle__established_on"))


def _rule(tranche: Tranche) -> dict:
    """The tranche's rule as it stands now, copied into every release it proposes."""
    return {
        "tranche": tranche.code,
        "tranche_id": tranche.pk,
        "scheme": tranche.scheme.code,
        "rate": str(tranche.rate),
        "basis": tranche.basis,
        "reference_date": tranche.reference_date.isoformat(),
        "opens_on_joining": tranche.opens_on_joining,
        "gate_items": sorted(item.number for item in tranche.gate_items.all()),
        "releasable_from": tranche.releasable_from.isoformat() if tranche.releasable_from else None,
        "due_by": tranche.due_by.isoformat() if tranche.due_by else None,
        "version": tranche.version,
    }


def _late_because(tranche: Tranche, gate_evidence: list[dict], established_on: datetime.date | None) -> str:
    """Why a release is late, in words (blank when it is not): its gate met after the tranche's due date."""
    if tranche.due_by is None:
        return ""
    due = f"{tranche.code}'s due date of {tranche.due_by:%d/%m/%Y}"
    late = sorted((e["accepted_on"], e["item"]) for e in gate_evidence if e["accepted_on"] > tranche.due_by)
    if late:
        accepted = ", ".join(f"{item} on {day:%d/%m/%Y}" for day, item in late)
        return f"Evidence accepted after {due}: {accepted}."
    if tranche.opens_on_joining and established_on is not None and established_on > tranche.due_by:
        return f"The Locality Vehicle was established on {established_on:%d/%m/%Y}, after {due}."
    return ""


def _gate(tranches: list[Tranche], at: datetime.date, triggers: dict) -> list[Due]:
    """The releases now due. `triggers`: locality id -> [(evidence id, who accepted it)] of the evaluation requests
    this run consumed; a release's triggered_by is the person whose acceptance triggered it for its locality (the
    acceptance of gate evidence first), else the run's (a run by hand counts for every locality), else nobody."""
    due = {tranche: _due(tranche, at) for tranche in tranches}
    wanted_items = {item.pk for tranche in tranches if due[tranche] for item in tranche.gate_items.all()}
    evidence = defaultdict(list)
    if wanted_items:
        rows = Evidence.objects.filter(
            among("locality_id", {lid for pairs in due.values() for lid, _ in pairs}),
            item_id__in=wanted_items,
            status=EvidenceStatus.ACCEPTED,
        ).values_list("locality_id", "item_id", "item__number", "pk", "reviewed_by_id", "reviewed_at")
        for locality_id, item_id, number, pk, reviewer, reviewed_at in rows:
            evidence[locality_id].append(
                {
                    "item_id": item_id,
                    "item": number,
                    "evidence": pk,
                    "accepted_by": reviewer,
                    "accepted_at": reviewed_at.isoformat() if reviewed_at else None,
                    "accepted_on": timezone.localdate(reviewed_at) if reviewed_at else at,
                }
            )
    made = []
    for tranche, pairs in due.items():
        gate = {item.pk for item in tranche.gate_items.all()}
        rule = _rule(tranche)
        for locality_id, established_on in pairs:
            gate_evidence = [e for e in evidence[locality_id] if e["item_id"] in gate]
            late = _late_because(tranche, gate_evidence, established_on)
            fields = {"late": bool(late), "late_because": late}
            requests = triggers.get(locality_id)
            if requests:
                opened = {e["evidence"] for e in gate_evidence}
                fields["triggered_by_id"] = next((by for ev, by in requests if ev in opened), requests[0][1])
            gate_rule = {
                **rule,
                "gate_evidence": [{k: v for k, v in e.items() if k != "accepted_on"} for e in gate_evidence],
            }
            made.append(Due(tranche, locality_id, gate_rule, fields))
    return made


def _claim_requests(now: datetime.datetime) -> dict[int, list[tuple[int, int]]]:
    """Compare-and-set: mark every waiting evaluation request consumed by this run, in one statement; what each
    locality's were: locality id -> [(evidence id, who accepted it)], the latest first."""
    table = EvaluationRequest._meta
    quote = connection.ops.quote_name

    def column(name: str) -> str:
        return quote(table.get_field(name).column)

    # Identifiers from the model's metadata only; the values are parameters. RETURNING: PostgreSQL, SQLite >= 3.35.
    sql = (
        f"UPDATE {quote(table.db_table)} SET {column('consumed_at')} = %s "  # noqa: S608
        f"WHERE {column('consumed_at')} IS NULL AND {column('requested_at')} <= %s "
        f"RETURNING {column('locality')}, {column('evidence')}, {column('requested_by')}, {column('requested_at')}"
    )
    with connection.cursor() as cursor:
        value = connection.ops.adapt_datetimefield_value(now)
        cursor.execute(sql, [value, value])
        rows = cursor.fetchall()
    triggers: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for locality_id, evidence_id, requested_by_id, _ in sorted(rows, key=lambda row: str(row[3]), reverse=True):
        triggers[locality_id].append((evidence_id, requested_by_id))
    return triggers


def evaluate_milestones(
    at: datetime.date, triggered_by=None, trigger: str = "nightly", evidence_id: int | None = None
) -> Outcome:
    """Propose every release now due and every adjustment now called for; running it again proposes nothing.

    Who triggered each release for its locality: whoever accepted the evidence of a request this run consumed for
    that locality. A run by hand (triggered_by, no evidence_id) counts for every locality; a run that follows an
    acceptance (evidence_id) only through the requests it consumes.
    """

    def due(run: Run) -> list[Due]:
        triggers = _claim_requests(run.started)
        run.requests_consumed = sum(len(requests) for requests in triggers.values())
        tranches = list(
            Tranche.objects.filter(active=True, scheme__active=True)
            .exclude(scheme__code__in=SEPARATE_SCHEMES)
            .select_related("scheme")
            .prefetch_related("gate_items")
        )
        return _gate(tranches, at, triggers)

    return ledger.evaluate(
        at,
        due,
        # The schemes with their own evaluation (SEPARATE_SCHEMES) adjust their own releases.
        adjusting=~Q(tranche__scheme__code__in=SEPARATE_SCHEMES),
        triggered_by=triggered_by,
        trigger=trigger,
        by_hand=evidence_id is None,
    )


def evaluate_milestones_by_ids(
    at: str | None = None, triggered_by_id: int | None = None, trigger: str = "", evidence_id: int | None = None
) -> str:
    """What the Celery task calls: ids and strings in, the summary line out."""
    from onecare.accounts.models import User

    day = datetime.date.fromisoformat(at) if at else timezone.localdate()
    user = User.objects.filter(pk=triggered_by_id).first() if triggered_by_id else None
    outcome = evaluate_milestones(day, triggered_by=user, trigger=trigger or "nightly", evidence_id=evidence_id)
    return outcome.summary_line()


# A request older than this with nothing consumed means its task was lost (broker down, worker killed).
SWEEP_AFTER = datetime.timedelta(minutes=10)


def evaluation_requests_sweep() -> str:
    """Run an evaluation if an accepted evidence's request has waited too long; otherwise do nothing."""
    waiting = EvaluationRequest.objects.filter(consumed_at__isnull=True, requested_at__lte=timezone.now() - SWEEP_AFTER)
    if not waiting.exists():
        return "summary: proposed=0 adjustments=0 amount=0.00"
    return evaluate_milestones(timezone.localdate(), trigger="sweep of waiting evaluation requests").summary_line()
