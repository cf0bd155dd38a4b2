"""Working out what is due: releases whose gate is met, and adjustments of paid releases whose figures moved.

evaluate_milestones() is idempotent and set-based: its query count depends on the number of tranches
(one query each for the localities due), never on the number of localities or practices. Two evaluations at once
are serialised by a PostgreSQL advisory lock held to the end of the transaction; the partial unique
constraints on Release are the last guard.
"""

import datetime
import functools
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import DEFAULT_DB_ALIAS, connection, transaction
from django.db.models import BooleanField, CharField, Count, Exists, F, Field, Func, OuterRef, Q, Subquery, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from localities.models import Locality, LocalityMembership
from localities.population import FIELD_FOR_BASIS, Basis, latest_snapshots
from onecare.formats import money

from .bulk_writes import write_releases
from .models import (
    RELEASED_STATES,
    SEPARATE_SCHEMES,
    UNSETTLED_STATES,
    EvaluationRequest,
    Evidence,
    EvidenceStatus,
    MilestoneEvaluation,
    Release,
    ReleaseKind,
    ReleaseLine,
    ReleaseState,
    ReleaseTransition,
    Tranche,
)
from .money import ZERO, largest_remainder, release_amount

# pg_advisory_xact_lock key: "LTS" in ASCII, so it cannot be mistaken for another lock of this portal.
LOCK_KEY = 0x4C5453


# One member practice's list size at a reference date: (practice_id, patients, snapshot_date, source_kind, opted_out).
Figure = tuple[int, Decimal, datetime.date | None, str, bool]
# A per-practice line before it is written: its figure and its amount, (practice_id, patients, snapshot_date,
# source_kind, opted_out, amount), the order funding.bulk_writes.LINE copies it into ReleaseLine's table in.
Line = tuple[int, Decimal, datetime.date | None, str, bool, Decimal]
# Plain tuples rather than named ones: an evaluation holds tens of thousands of each, and the garbage collector stops
# tracking a plain tuple of plain values (never a tuple subclass), so they do not bring on full collections.
PRACTICE, PATIENTS, SNAPSHOT_DATE, SOURCE_KIND, OPTED_OUT, AMOUNT = range(6)


@dataclass
class Outcome:
    evaluation: MilestoneEvaluation
    proposed: list[Release] = field(default_factory=list)
    adjustments: list[Release] = field(default_factory=list)

    @property
    def amount(self) -> Decimal:
        return sum((r.amount for r in self.proposed + self.adjustments), ZERO)

    def summary_line(self) -> str:
        return f"summary: proposed={len(self.proposed)} adjustments={len(self.adjustments)} amount={self.amount:.2f}"


def _latest_snapshot(at: datetime.date, basis: str) -> Subquery:
    """ "figure|date|source" of the snapshot latest_list_size() picks (localities.population.latest_snapshots), in one
    subquery: one index lookup per member practice for all three."""
    figure = FIELD_FOR_BASIS[basis]
    key = Concat(
        Cast(figure, CharField()),
        Value("|"),
        Cast("extract_date", CharField()),
        Value("|"),
        "source_kind",
        output_field=CharField(),
    )
    return Subquery(latest_snapshots(at, basis).annotate(key=key).values("key")[:1], output_field=CharField())


THOUSANDTH = Decimal("0.001")


class _AnyOf(Func):
    """`column = ANY(array)` (PostgreSQL)."""

    arg_joiner = " = ANY("
    template = "%(expressions)s)"
    output_field = BooleanField()


def _among(field: str, ids) -> Func | Q:
    """A filter on `field` being one of `ids`: on PostgreSQL one array parameter (a thousand separate ones cost per item
    to compile, send and parse), elsewhere IN (...)."""
    if connection.vendor == "postgresql":
        return _AnyOf(F(field), Value(list(ids)))
    return Q(**{f"{field}__in": ids})


def practice_figures(at: datetime.date, basis: str, locality_ids) -> dict[int, list[Figure]]:
    """Each locality's member practices on `at` (opted out included) with their list sizes then, in one query."""
    return figures_at({(at, basis): locality_ids}).get((at, basis), {})


def figures_at(wanted: dict[tuple[datetime.date, str], Iterable[int]]) -> dict[tuple, dict[int, list[Figure]]]:
    """practice_figures() for several (reference date, basis) at once, in one query: by (date, basis), then locality,
    its member practices in ODS code order."""
    keys = [key for key, ids in wanted.items() if ids]
    if not keys:
        return {}
    parts = [
        LocalityMembership.objects.on(at)
        .filter(_among("locality_id", wanted[(at, basis)]))
        .annotate(part=Value(str(n)), code=F("practice__code"), snapshot=_latest_snapshot(at, basis))
        .order_by()
        .values_list("part", "locality_id", "code", "practice_id", "opted_out_on", "snapshot")
        for n, (at, basis) in enumerate(keys)
    ]
    rows = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
    snapshots: dict[str, tuple[datetime.date, str]] = {}  # "date|source" -> (date, source): a handful per run
    found: dict[tuple, dict[int, list[Figure]]] = {key: defaultdict(list) for key in keys}
    # The part as text, not a number: a number would bring a converter to every row.
    targets = {str(n): (at, basis == Basis.WEIGHTED, found[(at, basis)]) for n, (at, basis) in enumerate(keys)}
    for part, locality_id, _, practice_id, opted_out_on, snapshot in rows.order_by("part", "locality_id", "code"):
        at, weighted, figures = targets[part]
        opted_out = opted_out_on is not None and opted_out_on <= at
        if snapshot is None:
            figures[locality_id].append((practice_id, Decimal(0), None, "", opted_out))
            continue
        number, _, key = snapshot.partition("|")
        seen = snapshots.get(key)
        if seen is None:
            day, _, source = key.partition("|")
            seen = snapshots[key] = (datetime.date.fromisoformat(day), source)
        patients = Decimal(number)
        if weighted:  # the column's three places, whatever text the database gave
            patients = patients.quantize(THOUSANDTH)
        figures[locality_id].append((practice_id, patients, seen[0], seen[1], opted_out))
    return found


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


def _lines(figures: list[Figure], amount: Decimal) -> list[Line]:
    parts = largest_remainder(amount, [f[PATIENTS] for f in figures]) if figures else []
    return [(*f, part) for f, part in zip(figures, parts, strict=True)]


def _summary(figures: list[Figure]) -> dict:
    """A release's population, latest snapshot date and snapshot sources, from its practices' figures."""
    return {
        "population": sum((f[PATIENTS] for f in figures), Decimal(0)),
        "snapshot_date": max((f[SNAPSHOT_DATE] for f in figures if f[SNAPSHOT_DATE]), default=None),
        "snapshot_sources": ", ".join(sorted({f[SOURCE_KIND] for f in figures if f[SOURCE_KIND]})),
    }


_UNSET = object()


@functools.cache
def _release_fields() -> tuple[list[tuple[str, object]], list[tuple[int, Field]]]:
    """Release's fields in order as (attname, default), and where a default is computed each time, (index, field)."""
    fields = Release._meta.concrete_fields
    computed = [(i, f) for i, f in enumerate(fields) if callable(f.default)]
    return [(f.attname, _UNSET if callable(f.default) else f.get_default()) for f in fields], computed


def _new_release(tranche: Tranche, adjusts: Release | None = None, **values) -> Release:
    """Release(tranche=tranche, adjusts=adjusts, **values) with every field given positionally, as the ORM builds the
    rows it loads: an evaluation builds thousands, and keywords and related-object descriptors cost per field."""
    values["tranche_id"] = tranche.pk
    values["adjusts_id"] = adjusts.pk if adjusts is not None else None
    fields, computed = _release_fields()
    args = [values.pop(name, default) for name, default in fields]
    for i, f in computed:
        if args[i] is _UNSET:
            args[i] = f.get_default()
    if values:
        raise TypeError(f"Release has no field {', '.join(values)}.")
    release = Release(*args)
    # What assigning the related objects would have done: cache them, and take the database they came from.
    release._state.db = tranche._state.db or DEFAULT_DB_ALIAS
    Release.tranche.field.set_cached_value(release, tranche)
    if adjusts is not None:
        Release.adjusts.field.set_cached_value(release, adjusts)
    return release


def _release(tranche: Tranche, locality_id: int, figures: list[Figure], **fields) -> tuple[Release, list[Line]]:
    summary = _summary(figures)
    release = _new_release(
        tranche,
        locality_id=locality_id,
        rate=tranche.rate,
        basis=tranche.basis,
        reference_date=tranche.reference_date,
        amount=release_amount(tranche.rate, summary["population"]),
        # The version of the tranche applied and who proposed and approved it: they may not approve this release.
        rule_version=tranche.version,
        rule_proposed_by_id=tranche.version_proposed_by_id,
        rule_approved_by_id=tranche.version_approved_by_id,
        **summary,
        **fields,
    )
    return release, _lines(figures, release.amount)


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


def _below_minimum_because(tranche: Tranche, population: Decimal) -> str:
    """Why a release is flagged under the scheme's minimum population, in words (blank when it is not)."""
    minimum = tranche.scheme.minimum_population
    if minimum is None or population >= minimum:
        return ""
    basis = "registered patients" if tranche.basis == Basis.REGISTERED else "weighted patients"
    return (
        f"{population.normalize():,f} {basis} on {tranche.reference_date:%d/%m/%Y}, under the scheme's minimum of "
        f"{minimum:,}."
    )


def _propose(
    tranches: list[Tranche], at: datetime.date, common: dict, triggers: dict | None = None
) -> list[tuple[Release, list[Line]]]:
    """The releases now due. `triggers`: locality id -> [(evidence id, who accepted it)] of the evaluation requests
    this run consumed; a release's triggered_by is the person whose acceptance triggered it for its locality (the
    acceptance of gate evidence first), else common's (a run by hand counts for every locality), else nobody."""
    due = {tranche: _due(tranche, at) for tranche in tranches}
    wanted_items = {item.pk for tranche in tranches if due[tranche] for item in tranche.gate_items.all()}
    evidence = defaultdict(list)
    if wanted_items:
        rows = Evidence.objects.filter(
            _among("locality_id", {lid for pairs in due.values() for lid, _ in pairs}),
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
    groups = defaultdict(set)
    for tranche, pairs in due.items():
        groups[(tranche.reference_date, tranche.basis)].update(pk for pk, _ in pairs)
    figures = figures_at(groups)
    triggers = triggers or {}
    made = []
    for tranche, pairs in due.items():
        gate = {item.pk for item in tranche.gate_items.all()}
        rule = _rule(tranche)
        for locality_id, established_on in pairs:
            practices = figures[(tranche.reference_date, tranche.basis)].get(locality_id, [])
            gate_evidence = [e for e in evidence[locality_id] if e["item_id"] in gate]
            late = _late_because(tranche, gate_evidence, established_on)
            fields = dict(common)
            requests = triggers.get(locality_id)
            if requests:
                opened = {e["evidence"] for e in gate_evidence}
                fields["triggered_by_id"] = next((by for ev, by in requests if ev in opened), requests[0][1])
            release, lines = _release(
                tranche,
                locality_id,
                practices,
                kind=ReleaseKind.RELEASE,
                rule={
                    **rule,
                    "gate_evidence": [{k: v for k, v in e.items() if k != "accepted_on"} for e in gate_evidence],
                },
                late=bool(late),
                late_because=late,
                **fields,
            )
            below = _below_minimum_because(tranche, release.population)
            release.below_minimum, release.below_minimum_because = bool(below), below
            if release.amount > 0:
                made.append((release, lines))
    return made


def _adjust(common: dict, scope: Q | None = None) -> list[tuple[Release, list[Line]]]:
    """For each paid release without an unsettled adjustment, the top-up or claw-back its figures now call for.

    `scope` narrows the releases looked at: the LTS evaluation leaves out SEPARATE_SCHEMES, which adjust their own.
    """
    if scope is None:
        scope = ~Q(tranche__scheme__code__in=SEPARATE_SCHEMES)
    paid = list(
        Release.objects.filter(scope, kind=ReleaseKind.RELEASE, state=ReleaseState.PAID)
        .exclude(adjustments__state__in=UNSETTLED_STATES)
        .select_related("tranche__scheme")
    )
    if not paid:
        return []
    accounted: dict[int, dict[int, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    lines = ReleaseLine.objects.filter(
        Q(release__in=paid) | Q(release__adjusts__in=paid, release__state=ReleaseState.PAID)
    ).values_list("release_id", "release__adjusts_id", "practice_id", "amount")
    for release_id, adjusts_id, practice_id, amount in lines:
        accounted[adjusts_id or release_id][practice_id] += amount
    groups = defaultdict(set)
    for release in paid:
        groups[(release.reference_date, release.basis)].add(release.locality_id)
    figures = figures_at(groups)
    made = []
    for release in paid:
        practices = figures[(release.reference_date, release.basis)].get(release.locality_id, [])
        summary = _summary(practices)
        now_due = release_amount(release.rate, summary["population"])
        before = accounted[release.pk]
        difference = now_due - sum(before.values(), ZERO)
        if difference == 0:
            continue
        new_lines = {line[PRACTICE]: line for line in _lines(practices, now_due)}
        adjustment = Release(
            locality_id=release.locality_id,
            tranche=release.tranche,
            kind=ReleaseKind.ADJUSTMENT,
            adjusts=release,
            rule={**release.rule, "adjusts": release.pk, "previous_amount": str(sum(before.values(), ZERO))},
            rule_version=release.rule_version,
            rule_proposed_by_id=release.rule_proposed_by_id,
            rule_approved_by_id=release.rule_approved_by_id,
            rate=release.rate,
            basis=release.basis,
            reference_date=release.reference_date,
            amount=difference,
            reason=(
                f"List sizes at {release.reference_date:%d/%m/%Y} revised: {money(now_due)} now due against "
                f"{money(sum(before.values(), ZERO))} paid ({'top-up' if difference > 0 else 'claw-back'})."
            ),
            **summary,
            **common,
        )
        deltas = []
        for practice_id in sorted(set(new_lines) | set(before)):
            line = new_lines.get(practice_id) or (practice_id, Decimal(0), None, "", False, ZERO)
            delta = line[AMOUNT] - before.get(practice_id, ZERO)
            if delta:
                deltas.append((*line[:AMOUNT], delta))
        made.append((adjustment, deltas))
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
    started = timezone.now()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # Two evaluations at once (two workers) take turns; SQLite serialises writers by itself.
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
        evaluation = MilestoneEvaluation.objects.create(
            at=at, started_at=started, triggered_by=triggered_by, trigger=trigger[:200]
        )
        triggers = _claim_requests(started)
        consumed = sum(len(requests) for requests in triggers.values())
        tranches = list(
            Tranche.objects.filter(active=True, scheme__active=True)
            .exclude(scheme__code__in=SEPARATE_SCHEMES)
            .select_related("scheme")
            .prefetch_related("gate_items")
        )
        common = {
            "state": ReleaseState.PROPOSED,
            "evaluation_id": evaluation.pk,
            "triggered_by_id": triggered_by.pk if triggered_by and evidence_id is None else None,
            "proposed_at": started,
        }
        proposed = _propose(tranches, at, common, triggers)
        adjustments = _adjust(common)
        made = proposed + adjustments
        write_releases(
            made, user=triggered_by, reason=f"Proposed by evaluation {evaluation.pk} ({trigger})", at=started
        )
        outcome = Outcome(evaluation, [r for r, _ in proposed], [r for r, _ in adjustments])
        evaluation.proposed = len(outcome.proposed)
        evaluation.adjustments = len(outcome.adjustments)
        evaluation.amount = outcome.amount
        evaluation.requests_consumed = consumed
        evaluation.save(update_fields=["proposed", "adjustments", "amount", "requests_consumed"])
    return outcome


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
