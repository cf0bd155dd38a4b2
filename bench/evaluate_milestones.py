"""Benchmark: the milestone evaluation on an England-sized data set against one hand-written SQL aggregate.

    .venv/bin/python bench/evaluate_milestones.py

Builds synthetic data with bulk inserts (6,500 practices in 1,250 localities, each with a Locality
Vehicle, two list-size snapshots per practice, accepted evidence so that every locality opens T1, half
open T2a; a quarter have 3.1 accepted too, but T3 waits for T2a and T2b to be released, so it is not
proposed), then in the same run and database times funding.evaluation.evaluate_milestones (which
proposes every release, writes its per-practice lines, history and transitions) against one SQL
statement that computes the same (tranche, locality, amount) set, checks the two agree to the penny,
and prints the ratio (target: within 3x) and the evaluation's query count at 125 and at 1,250
localities (target: the same).

Uses DATABASE_URL's server if set, else starts a throwaway PostgreSQL; either way it works in a scratch
database it creates and drops, so it never touches existing data.
"""

import datetime
import io
import os
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the project, and bench.support
from bench.support import REPEATS, ROOT, benchmark_database, timed

LOCALITIES = 1_250
PRACTICES = 6_500
SMALL = 125
AT = datetime.date.today()  # the evidence is accepted as the data is built

# The same (tranche, locality, amount) set as evaluate_milestones' proposals, in one statement.
AGGREGATE_SQL = """
WITH tr AS (
    SELECT t.id, t.rate, t.reference_date, t.opens_on_joining, t.releasable_from,
           (SELECT count(*) FROM funding_tranche_gate_items g WHERE g.tranche_id = t.id) AS n_items
    FROM funding_tranche t JOIN funding_scheme s ON s.id = t.scheme_id
    WHERE t.active AND s.active
), due AS (
    SELECT tr.id AS tranche_id, l.id AS locality_id, tr.rate, tr.reference_date
    FROM tr CROSS JOIN localities_locality l
    WHERE (tr.n_items > 0 OR tr.opens_on_joining)
      AND (tr.releasable_from IS NULL OR tr.releasable_from <= %(at)s)
      AND NOT EXISTS (SELECT 1 FROM funding_tranche_after a WHERE a.from_tranche_id = tr.id
                      AND NOT EXISTS (SELECT 1 FROM funding_release p WHERE p.tranche_id = a.to_tranche_id
                                      AND p.locality_id = l.id AND p.kind = 'release'
                                      AND p.state IN ('approved', 'authorised', 'scheduled', 'paid')))
      AND (NOT tr.opens_on_joining OR (
            EXISTS (SELECT 1 FROM localities_localityvehicle v WHERE v.locality_id = l.id)
            AND EXISTS (SELECT 1 FROM localities_localitymembership m WHERE m.locality_id = l.id
                        AND m.valid_from <= tr.reference_date
                        AND (m.valid_to IS NULL OR m.valid_to >= tr.reference_date))))
      AND (SELECT count(DISTINCT e.item_id) FROM funding_evidence e
           JOIN funding_tranche_gate_items g ON g.checklistitem_id = e.item_id AND g.tranche_id = tr.id
           WHERE e.locality_id = l.id AND e.status = 'accepted'
             AND (e.reviewed_at AT TIME ZONE 'Europe/London')::date <= %(at)s) = tr.n_items
      AND NOT EXISTS (SELECT 1 FROM funding_release r WHERE r.tranche_id = tr.id AND r.locality_id = l.id
                      AND r.kind = 'release' AND r.state <> 'withdrawn'
                      AND NOT (r.state = 'rejected' AND EXISTS (
                          SELECT 1 FROM funding_evidence e2
                          JOIN funding_tranche_gate_items g2 ON g2.checklistitem_id = e2.item_id
                          WHERE g2.tranche_id = tr.id AND e2.locality_id = l.id AND e2.status = 'accepted'
                            AND (e2.reviewed_at AT TIME ZONE 'Europe/London')::date <= %(at)s
                            AND e2.reviewed_at > (SELECT max(t.at) FROM funding_releasetransition t
                                                  WHERE t.release_id = r.id AND t.to_state = 'rejected'))))
), population AS (
    SELECT d.tranche_id, d.locality_id, d.rate,
           COALESCE(SUM((SELECT s.registered_patients FROM localities_listsizesnapshot s
                         WHERE s.practice_id = m.practice_id AND s.extract_date <= d.reference_date
                         ORDER BY s.extract_date DESC,
                                  CASE s.source_kind WHEN 'nhs_digital' THEN 0 WHEN 'nhs_payments' THEN 1
                                                     WHEN 'manual' THEN 2 ELSE 3 END
                         LIMIT 1)), 0) AS patients
    FROM due d JOIN localities_localitymembership m ON m.locality_id = d.locality_id
         AND m.valid_from <= d.reference_date AND (m.valid_to IS NULL OR m.valid_to >= d.reference_date)
    GROUP BY d.tranche_id, d.locality_id, d.rate
)
SELECT tranche_id, locality_id, round(rate * patients, 2) FROM population WHERE rate * patients > 0
"""


# --- the data -------------------------------------------------------------------------------------------


def build(first: int, last: int, practice_start: int, practice_end: int) -> None:
    """Localities first..last-1 with practices practice_start..practice_end-1 spread over them, bulk inserted."""
    from django.utils import timezone

    from funding.models import ChecklistItem, Evidence, EvidenceStatus
    from localities.models import (
        Commissioner,
        ListSizeSnapshot,
        Locality,
        LocalityMembership,
        LocalityVehicle,
        Practice,
        SourceKind,
    )

    ccg = Commissioner.objects.get_or_create(code="15C", defaults={"name": "Bench CCG", "valid_from": "2013-04-01"})[0]
    localities = Locality.objects.bulk_create(
        [Locality(code=f"loc{n}", name=f"Locality {n}", commissioner=ccg) for n in range(first, last)]
    )
    LocalityVehicle.objects.bulk_create([LocalityVehicle(locality=loc, kind="informal") for loc in localities])
    practices = Practice.objects.bulk_create(
        [
            Practice(code=f"X{n:05d}", name=f"Practice {n}", postcode="BS1 1AA")
            for n in range(practice_start, practice_end)
        ]
    )
    snapshots, members = [], []
    for i, practice in enumerate(practices):
        for extract, patients in [
            (datetime.date(2017, 10, 1), 7_000 + i % 5_000),
            (datetime.date(2018, 1, 1), 7_500 + i % 6_001),
        ]:
            snapshots.append(
                ListSizeSnapshot(
                    practice=practice,
                    extract_date=extract,
                    registered_patients=patients,
                    source_kind=SourceKind.NHS_PAYMENTS,
                )
            )
        members.append(
            LocalityMembership(
                practice=practice, locality=localities[i % len(localities)], valid_from=datetime.date(2017, 4, 1)
            )
        )
    ListSizeSnapshot.objects.bulk_create(snapshots, batch_size=5_000)
    LocalityMembership.objects.bulk_create(members, batch_size=5_000)
    items = {item.number: item for item in ChecklistItem.objects.all()}
    phase_1_and_21 = [items[n] for n in ["1.1", "1.2", "1.3", "1.4", "1.5", "1.6", "1.7", "2.1"]]
    now = timezone.now()
    evidence = []
    for n, locality in enumerate(localities):
        accepted = (phase_1_and_21 if n % 2 == 0 else []) + ([items["3.1"]] if n % 4 == 0 else [])
        evidence += [
            Evidence(
                locality=locality,
                item=item,
                status=EvidenceStatus.ACCEPTED,
                statement="Bench.",
                submitted_at=now,
                reviewed_at=now,
            )
            for item in accepted
        ]
    Evidence.objects.bulk_create(evidence, batch_size=5_000)


def reset_ledger() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE funding_releasetransition, funding_releaseline, funding_historicalrelease, funding_release, "
            "funding_milestoneevaluation CASCADE"
        )


# --- the measurements ---------------------------------------------------------------------------------


def evaluate():
    from funding.evaluation import evaluate_milestones

    return evaluate_milestones(AT, trigger="bench")


def aggregate() -> dict:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(AGGREGATE_SQL, {"at": AT})
        return {(tranche, locality): amount for tranche, locality, amount in cursor.fetchall()}


def counted_evaluation() -> tuple[int, object]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    reset_ledger()
    with CaptureQueriesContext(connection) as queries:
        outcome = evaluate()
    return len(queries.captured_queries), outcome


def run() -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from funding.models import Release, ReleaseLine

    call_command("migrate", verbosity=0)
    call_command("loaddata", "fixtures/lts_checklist.json", "fixtures/lts_tranches.json", verbosity=0)

    start = time.perf_counter()
    small_practices = PRACTICES * SMALL // LOCALITIES
    build(0, SMALL, 0, small_practices)
    small_queries, small_outcome = counted_evaluation()
    build(SMALL, LOCALITIES, small_practices, PRACTICES)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    built_s = time.perf_counter() - start

    reset_ledger()
    expected = aggregate()
    queries, outcome = counted_evaluation()
    got = {(r.tranche_id, r.locality_id): r.amount for r in Release.objects.all()}
    assert got == expected, f"{len(got)} releases against {len(expected)} aggregate rows differ"
    lines = ReleaseLine.objects.count()
    line_total = sum(ReleaseLine.objects.values_list("amount", flat=True), Decimal(0))
    assert line_total == sum(got.values(), Decimal(0)), "per-practice lines do not add up"

    if os.environ.get("BENCH_PROFILE"):
        import cProfile
        import pstats

        reset_ledger()
        profiler = cProfile.Profile()
        profiler.runcall(evaluate)
        pstats.Stats(profiler).sort_stats(os.environ["BENCH_PROFILE"]).print_stats(25)
    # In turns (each from an empty ledger), so a change in the machine's other load falls on both.
    evaluate_times, aggregate_times = [], []
    for _ in range(REPEATS):
        evaluate_times.append(timed(evaluate, repeats=1, before=reset_ledger))
        aggregate_times.append(timed(aggregate, repeats=1, before=reset_ledger))
    evaluate_s, aggregate_s = statistics.median(evaluate_times), statistics.median(aggregate_times)
    evaluate()
    again_s = timed(evaluate)  # everything proposed already: the idempotent re-run

    print(f"synthetic data: {PRACTICES:,} practices in {LOCALITIES:,} localities built in {built_s:.1f} s")
    print(
        f"evaluate_milestones: {len(outcome.proposed):,} releases, {lines:,} per-practice lines, "
        f"£{outcome.amount:,} ({outcome.summary_line()})"
    )
    print(f"evaluate_milestones (median of {REPEATS}):     {evaluate_s * 1000:8.1f} ms")
    print(f"hand-written SQL aggregate (same amounts): {aggregate_s * 1000:8.1f} ms")
    print(f"evaluate_milestones again (nothing due):   {again_s * 1000:8.1f} ms")
    print(
        f"ratio evaluation / aggregate: {evaluate_s / aggregate_s:.1f}x (target <= 3x); "
        f"re-run / aggregate: {again_s / aggregate_s:.1f}x"
    )
    print(
        f"queries: {small_queries} at {SMALL:,} localities ({len(small_outcome.proposed)} releases), "
        f"{queries} at {LOCALITIES:,} localities ({len(outcome.proposed):,} releases)"
    )
    ratio = evaluate_s / aggregate_s
    print()
    print("| measure | value | target | met |")
    print("|---|---:|---|---|")
    print(f"| evaluation / SQL aggregate | {ratio:.1f}x | <= 3x | {'yes' if ratio <= 3 else '**no**'} |")
    print(
        f"| queries at {SMALL:,} / {LOCALITIES:,} localities | {small_queries} / {queries} | equal | "
        f"{'yes' if small_queries == queries else '**no**'} |"
    )


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onecare.settings.test")
    os.chdir(ROOT)
    with benchmark_database("evaluate_milestones") as url:
        os.environ["DATABASE_URL"] = url
        run()


if __name__ == "__main__":
    sys.stdout = io.TextIOWrapper(sys.stdout.buffer, line_buffering=True)
    main()
