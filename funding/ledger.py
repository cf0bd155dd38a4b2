"""The ledger service: the one way an evaluation proposes money, whatever the scheme (funding/MONEY.md).

The LTS milestone evaluation (funding.evaluation) and the Improved Access evaluation (improved_access.payments)
each say only which releases are due, with the rule record and the fields particular to each (`Due`);
`evaluate()` does the rest, for both alike:

1. takes the ledger's lock (two evaluations at once take turns: a PostgreSQL advisory lock held to the end of
   the transaction; SQLite serialises writers by itself) and records the evaluation (MilestoneEvaluation);
2. reads the member practices' list sizes at each due release's reference date (one query for all) and makes
   each release with its per-practice lines (rate x population rounded once, the lines by largest remainder);
   a release of nothing is not proposed, and one under its scheme's minimum population is flagged;
3. proposes an adjustment of each paid release (in the caller's scope) whose figures have moved since;
4. writes the releases, their history records, their lines and their "proposed" transitions (`write()`): one
   write path on PostgreSQL and SQLite alike, the history by simple-history's own bulk_create_with_history;
5. reports the outcome, and keeps its totals on the evaluation record.

Its query count depends on the caller's gate (a fixed number of queries per tranche for the LTS), never on the
number of localities, practices or releases: on PostgreSQL bulk_create sends each table's rows as one INSERT
(Django sends each column as one array, UNNEST), so nothing is split into batches by size.
"""

import datetime
import functools
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import DEFAULT_DB_ALIAS, connection, transaction
from django.db.models import BooleanField, CharField, F, Field, Func, Q, Subquery, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from localities.models import LocalityMembership
from localities.population import FIELD_FOR_BASIS, Basis, latest_snapshots
from onecare.formats import money

from .models import (
    UNSETTLED_STATES,
    MilestoneEvaluation,
    Release,
    ReleaseKind,
    ReleaseLine,
    ReleaseState,
    ReleaseTransition,
    Tranche,
)
from .money import ZERO, largest_remainder, release_amount

# pg_advisory_xact_lock key: "LTS" in ASCII, so it cannot be mistaken for another lock of this portal. Every
# evaluation takes it, whatever its scheme: they all write the same ledger.
LOCK_KEY = 0x4C5453

# One member practice's list size at a reference date: (practice_id, patients, snapshot_date, source_kind, opted_out).
Figure = tuple[int, Decimal, datetime.date | None, str, bool]
# A per-practice line before it is written: its figure and its amount, (practice_id, patients, snapshot_date,
# source_kind, opted_out, amount): ReleaseLine's fields after its id and its release, in order (LINE).
Line = tuple[int, Decimal, datetime.date | None, str, bool, Decimal]
# Plain tuples rather than named ones: an evaluation holds tens of thousands of each, and the garbage collector stops
# tracking a plain tuple of plain values (never a tuple subclass), so they do not bring on full collections.
PRACTICE, PATIENTS, SNAPSHOT_DATE, SOURCE_KIND, OPTED_OUT, AMOUNT = range(6)
LINE = ("practice", "patients", "snapshot_date", "source_kind", "opted_out", "amount")
# A release to write, with its per-practice lines.
Proposal = tuple[Release, list[Line]]


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


@dataclass(frozen=True, slots=True)
class Due:
    """A release a scheme's gate found due: its tranche and locality, the rule record it keeps (the rule as applied
    and the evidence that met its gate), and any fields particular to it (e.g. late, late_because, or
    triggered_by_id where someone other than the run's trigger triggered it for its locality)."""

    tranche: Tranche
    locality_id: int
    rule: dict
    fields: dict = field(default_factory=dict)


@dataclass
class Run:
    """One evaluation while it runs: its record, when it started and the fields every release it proposes shares."""

    evaluation: MilestoneEvaluation
    trigger: str
    fields: dict
    requests_consumed: int = 0

    @property
    def started(self) -> datetime.datetime:
        return self.evaluation.started_at

    @property
    def reason(self) -> str:
        """Why each release it proposes was made: its transition's reason and (cut to fit) its history record's."""
        return f"Proposed by evaluation {self.evaluation.pk} ({self.trigger})"


def evaluate(
    at: datetime.date,
    due: Callable[[Run], Iterable[Due]],
    *,
    adjusting: Q,
    triggered_by=None,
    trigger: str,
    by_hand: bool = True,
) -> Outcome:
    """Propose the releases `due(run)` names and the adjustments of paid releases in `adjusting` their figures now
    call for; write them; the outcome.

    `due` is the scheme's gate, called once the lock is held and the evaluation recorded: it may write (claim
    requests, make a tranche) and set run.requests_consumed. `by_hand`: `triggered_by` triggered the run for every
    locality (a run by hand), so each release names them unless its Due says otherwise; else only where it does.
    """
    started = timezone.now()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
        evaluation = MilestoneEvaluation.objects.create(
            at=at, started_at=started, triggered_by=triggered_by, trigger=trigger[:200]
        )
        common = {
            "state": ReleaseState.PROPOSED,
            "evaluation_id": evaluation.pk,
            "triggered_by_id": triggered_by.pk if triggered_by and by_hand else None,
            "proposed_at": started,
        }
        run = Run(evaluation, trigger, common)
        proposed = propose(list(due(run)), common)
        adjustments = adjustments_due(common, adjusting)
        write(proposed + adjustments, user=triggered_by, reason=run.reason, at=started)
        outcome = Outcome(evaluation, [r for r, _ in proposed], [r for r, _ in adjustments])
        evaluation.proposed = len(outcome.proposed)
        evaluation.adjustments = len(outcome.adjustments)
        evaluation.amount = outcome.amount
        evaluation.requests_consumed = run.requests_consumed
        evaluation.save(update_fields=["proposed", "adjustments", "amount", "requests_consumed"])
    return outcome


# --- the figures -------------------------------------------------------------------------------------------------


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


def among(field: str, ids) -> Func | Q:
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
        .filter(among("locality_id", wanted[(at, basis)]))
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


# --- the releases and their lines ------------------------------------------------------------------------------


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


def below_minimum_because(tranche: Tranche, population: Decimal) -> str:
    """Why a release is flagged under its scheme's minimum population, in words (blank when it is not)."""
    minimum = tranche.scheme.minimum_population
    if minimum is None or population >= minimum:
        return ""
    basis = "registered patients" if tranche.basis == Basis.REGISTERED else "weighted patients"
    return (
        f"{population.normalize():,f} {basis} on {tranche.reference_date:%d/%m/%Y}, under the scheme's minimum of "
        f"{minimum:,}."
    )


def propose(dues: list[Due], common: dict) -> list[Proposal]:
    """Each due release with its per-practice lines, from the list sizes at its tranche's reference date (one query
    for all), in the order given; a release of nothing is left out."""
    groups = defaultdict(set)
    for due in dues:
        groups[(due.tranche.reference_date, due.tranche.basis)].add(due.locality_id)
    figures = figures_at(groups)
    made = []
    for due in dues:
        tranche = due.tranche
        practices = figures[(tranche.reference_date, tranche.basis)].get(due.locality_id, [])
        summary = _summary(practices)
        below = below_minimum_because(tranche, summary["population"])
        release = _new_release(
            tranche,
            locality_id=due.locality_id,
            kind=ReleaseKind.RELEASE,
            rule=due.rule,
            rate=tranche.rate,
            basis=tranche.basis,
            reference_date=tranche.reference_date,
            amount=release_amount(tranche.rate, summary["population"]),
            # The version of the tranche applied and who proposed and approved it: they may not approve this release.
            rule_version=tranche.version,
            rule_proposed_by_id=tranche.version_proposed_by_id,
            rule_approved_by_id=tranche.version_approved_by_id,
            below_minimum=bool(below),
            below_minimum_because=below,
            **summary,
            **{**common, **due.fields},
        )
        if release.amount > 0:
            made.append((release, _lines(practices, release.amount)))
    return made


def adjustments_due(common: dict, scope: Q) -> list[Proposal]:
    """For each paid release in `scope` without an unsettled adjustment, the top-up or claw-back its figures now call
    for, with per-practice lines of the differences against what was paid (the release and its paid adjustments)."""
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


# --- the one write path ----------------------------------------------------------------------------------------


def write(made: list[Proposal], *, user, reason: str, at: datetime.datetime) -> list[Release]:
    """Insert new releases with their per-practice lines, each release's "+" history record (its user, reason and
    date the evaluation's) and its "proposed" transition: four statements on PostgreSQL whatever their number.

    The same calls on every database: bulk_create, and simple-history's bulk_create_with_history for the history.
    No batch size: on PostgreSQL each table's rows go as one statement (UNNEST of one array per column, so no
    parameter limit to split for), and the query count does not grow with the evaluation; on SQLite Django splits
    them by its variable limit.
    """
    releases = [release for release, _ in made]
    if not releases:
        return []
    # Each release's history record as simple-history writes it (history_change_reason holds 100 characters).
    bulk_create_with_history(releases, Release, default_user=user, default_change_reason=reason[:100], default_date=at)
    ReleaseLine.objects.bulk_create(
        # Positionally, in ReleaseLine's field order (id, release, *LINE): keywords cost per field, times thousands.
        [ReleaseLine(None, release.pk, *line) for release, lines in made for line in lines]
    )
    actor_id = user.pk if user else None
    ReleaseTransition.objects.bulk_create(
        [
            ReleaseTransition(release_id=r.pk, from_state="", to_state=r.state, actor_id=actor_id, at=at, reason=reason)
            for r in releases
        ]
    )
    return releases
