import datetime
from decimal import Decimal

from funding.evaluation import evaluate_milestones
from funding.models import Release, ReleaseKind, ReleaseState, ReleaseTransition
from localities.population import population_of
from tests.localities.factories import ListSizeFactory, LocalityFactory

from .ledger import accept, join, mark

JUNE_2018 = datetime.date(2018, 6, 1)
PHASE_1 = ["1.1", "1.2", "1.3", "1.4", "1.5", "1.6", "1.7"]


def test_it_proposes_t1_when_a_locality_joins(lts_rules, two_localities, user_factory):
    south_bristol, woodspring = two_localities
    join(south_bristol)
    trigger = user_factory()

    outcome = evaluate_milestones(JUNE_2018, triggered_by=trigger, trigger="test")

    release = Release.objects.get()
    assert [r.pk for r in outcome.proposed] == [release.pk]
    assert (release.locality, release.tranche.code, release.state) == (south_bristol, "T1", ReleaseState.PROPOSED)
    assert release.population == 105_000 == population_of(south_bristol, release.reference_date)
    assert release.amount == Decimal("52500.00")
    assert release.snapshot_date == datetime.date(2018, 1, 1)
    assert release.triggered_by == trigger
    assert release.rule["tranche"] == "T1" and release.rule["rate"] == "0.50"
    assert ReleaseTransition.objects.get(release=release).to_state == ReleaseState.PROPOSED
    created = release.history.get()
    assert (created.history_type, created.history_user, created.amount) == ("+", trigger, Decimal("52500.00"))


def test_it_breaks_a_release_down_per_practice_to_the_penny(lts_rules, two_localities, make_member_practice):
    south_bristol, _ = two_localities
    join(south_bristol)
    make_member_practice(south_bristol, patients=7_777, opted_out=True)

    evaluate_milestones(JUNE_2018)

    release = Release.objects.get()
    lines = list(release.lines.order_by("patients"))
    assert sum(line.amount for line in lines) == release.amount == Decimal("56388.50")
    assert [line.patients for line in lines] == [7_777, 45_000, 60_000]
    assert lines[0].opted_out and lines[0].amount == Decimal("3888.50")


def test_it_waits_for_every_gate_item(lts_rules, two_localities):
    south_bristol, _ = two_localities
    items = lts_rules.items
    accept(south_bristol, *[items[n] for n in PHASE_1], items["2.2"], items["2.3"])

    evaluate_milestones(datetime.date.today())
    assert not Release.objects.filter(tranche__code="T2b").exists()

    accept(south_bristol, items["2.4"])
    evaluate_milestones(datetime.date.today())
    t2b = Release.objects.get(tranche__code="T2b")
    assert t2b.amount == Decimal("52500.00")
    assert sorted(e["item"] for e in t2b.rule["gate_evidence"]) == ["2.2", "2.3", "2.4"]


def test_it_ignores_evidence_accepted_after_the_date(lts_rules, two_localities):
    south_bristol, _ = two_localities
    accept(south_bristol, lts_rules.items["2.1"])

    assert evaluate_milestones(datetime.date(2018, 1, 1)).proposed == []
    assert len(evaluate_milestones(datetime.date.today()).proposed) == 1


def test_it_is_idempotent(lts_rules, two_localities):
    join(*two_localities)

    first = evaluate_milestones(JUNE_2018)
    second = evaluate_milestones(JUNE_2018)

    assert len(first.proposed) == 2
    assert second.proposed == [] and second.adjustments == []
    assert Release.objects.count() == 2


def test_it_proposes_again_after_a_withdrawal_but_not_after_a_rejection(lts_rules, two_localities):
    south_bristol, woodspring = two_localities
    join(south_bristol, woodspring)
    evaluate_milestones(JUNE_2018)
    Release.objects.filter(locality=south_bristol).update(state=ReleaseState.WITHDRAWN, reason="Wrong list.")
    Release.objects.filter(locality=woodspring).update(state=ReleaseState.REJECTED, reason="Not joined yet.")

    again = evaluate_milestones(JUNE_2018)

    assert [r.locality for r in again.proposed] == [south_bristol]


def test_it_uses_the_latest_snapshot_on_or_before_the_reference_date(lts_rules, two_localities):
    south_bristol, _ = two_localities
    practice = south_bristol.memberships.order_by("pk").first().practice
    ListSizeFactory(practice=practice, extract_date=datetime.date(2018, 7, 1), registered_patients=99_999)
    ListSizeFactory(practice=practice, extract_date=datetime.date(2018, 3, 1), registered_patients=61_000)
    accept(south_bristol, *[lts_rules.items[n] for n in ["2.1", "2.2", "2.3", "2.4", "3.1"]])
    for release in evaluate_milestones(datetime.date.today()).proposed:  # T2a and T2b: T3 comes after both
        mark(release, ReleaseState.APPROVED)

    evaluate_milestones(datetime.date.today())

    t3 = Release.objects.get(tranche__code="T3")  # reference date 01/07/2018
    assert t3.population == 99_999 + 45_000
    assert t3.amount == Decimal("217498.50")
    assert t3.lines.get(practice=practice).snapshot_date == datetime.date(2018, 7, 1)


def test_it_runs_in_a_fixed_number_of_queries(lts_rules, bristol, make_member_practice, django_assert_max_num_queries):
    def grow(n):
        for _ in range(n):
            locality = LocalityFactory(commissioner=bristol)
            make_member_practice(locality)
            make_member_practice(locality)
            join(locality)
            accept(locality, lts_rules.items["2.1"])

    grow(2)
    with django_assert_max_num_queries(30) as few:
        evaluate_milestones(datetime.date.today())
    grow(10)
    with django_assert_max_num_queries(len(few.captured_queries)):
        outcome = evaluate_milestones(datetime.date.today())
    assert len(outcome.proposed) == 20
    assert all(r.kind == ReleaseKind.RELEASE for r in outcome.proposed)


def test_it_leaves_paid_releases_alone_when_nothing_changed(lts_rules, two_localities):
    join(*two_localities)
    for release in evaluate_milestones(JUNE_2018).proposed:
        mark(release, ReleaseState.PAID)

    assert evaluate_milestones(JUNE_2018).adjustments == []
