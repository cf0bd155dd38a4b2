"""The evaluation's fast paths against the rules they stand for: the figures it reads (latest_snapshots, the rule
latest_list_size applies), several reference dates in one query, and the history and transitions written for it."""

import datetime
from decimal import Decimal

from funding.evaluation import evaluate_milestones
from funding.ledger import figures_at, practice_figures
from funding.models import Release, ReleaseTransition
from localities.models import LocalityMembership, SourceKind
from localities.population import Basis, latest_list_size
from tests.localities.factories import ListSizeFactory

from .ledger import join

JAN, APRIL = datetime.date(2018, 1, 1), datetime.date(2018, 4, 1)


def test_it_reads_the_figure_latest_list_size_gives(two_localities, make_member_practice):
    south_bristol, woodspring = two_localities
    practice = make_member_practice(south_bristol, patients=7_000, weighted=Decimal("6543.210"))
    # Same date from a preferred source, a later one without a weighted figure, one after the date.
    ListSizeFactory(practice=practice, extract_date=JAN, registered_patients=7_100, source_kind=SourceKind.NHS_DIGITAL)
    ListSizeFactory(practice=practice, extract_date=datetime.date(2018, 3, 1), registered_patients=7_200)
    ListSizeFactory(practice=practice, extract_date=datetime.date(2018, 5, 1), registered_patients=7_300)
    opted_out = make_member_practice(
        woodspring, patients=1_234, opted_out_on=datetime.date(2018, 2, 1), opt_out_reason="x"
    )

    for at in (JAN, APRIL):
        for basis in Basis:
            figures = practice_figures(at, basis, [south_bristol.pk, woodspring.pk])
            expected = {
                m.practice_id: m.figure
                for m in LocalityMembership.objects.on(at).annotate(figure=latest_list_size(at, basis))
            }
            got = {f[0]: f[1] for lines in figures.values() for f in lines}
            assert got == {pk: Decimal(figure or 0) for pk, figure in expected.items()}

    april = {f[0]: f for f in practice_figures(APRIL, Basis.REGISTERED, [south_bristol.pk])[south_bristol.pk]}
    assert april[practice.pk][1:4] == (Decimal(7_200), datetime.date(2018, 3, 1), SourceKind.NHS_PAYMENTS)
    weighted = {f[0]: f for f in practice_figures(APRIL, Basis.WEIGHTED, [south_bristol.pk])[south_bristol.pk]}
    assert weighted[practice.pk][1:4] == (Decimal("6543.210"), JAN, SourceKind.NHS_PAYMENTS)
    assert str(weighted[practice.pk][1]) == "6543.210"
    woodspring_april = {f[0]: f for f in practice_figures(APRIL, Basis.REGISTERED, [woodspring.pk])[woodspring.pk]}
    assert woodspring_april[opted_out.pk][4] is True


def test_it_reads_several_reference_dates_in_one_query(two_localities, make_member_practice, django_assert_num_queries):
    south_bristol, woodspring = two_localities
    practice = make_member_practice(south_bristol)
    ListSizeFactory(practice=practice, extract_date=datetime.date(2018, 3, 1), registered_patients=12_345)
    wanted = {(JAN, Basis.REGISTERED): [south_bristol.pk, woodspring.pk], (APRIL, Basis.REGISTERED): [south_bristol.pk]}

    with django_assert_num_queries(1):
        together = figures_at(wanted)

    for (at, basis), ids in wanted.items():
        assert {k: list(v) for k, v in together[(at, basis)].items()} == {
            k: list(v) for k, v in practice_figures(at, basis, ids).items()
        }
    # In ODS code order within each locality, as the per-practice lines are.
    for figures in together.values():
        for locality_id, lines in figures.items():
            codes = list(
                LocalityMembership.objects.filter(locality_id=locality_id, practice_id__in=[f[0] for f in lines])
                .order_by("practice__code")
                .values_list("practice_id", flat=True)
            )
            assert [f[0] for f in lines] == codes
    assert figures_at({(JAN, Basis.REGISTERED): []}) == {}


def test_it_writes_history_and_a_transition_for_each_release(lts_rules, two_localities, user_factory):
    join(*two_localities)
    trigger = user_factory()

    outcome = evaluate_milestones(datetime.date(2018, 6, 1), triggered_by=trigger, trigger="x" * 150)

    releases = Release.objects.order_by("pk")
    assert [r.pk for r in outcome.proposed] == [r.pk for r in releases]
    for release in releases:
        created = release.history.get()
        assert (created.history_type, created.history_user, created.history_date) == ("+", trigger, release.proposed_at)
        assert created.history_change_reason == f"Proposed by evaluation {outcome.evaluation.pk} ({'x' * 150})"[:100]
        assert (created.amount, created.locality_id) == (release.amount, release.locality_id)
        # The rule record is the release's own (never changed, so the history leaves it out): read through the record.
        assert created.instance.rule == release.rule and "rule" not in created.__dict__
        transition = ReleaseTransition.objects.get(release=release)
        assert (transition.from_state, transition.to_state, transition.actor) == ("", release.state, trigger)
        assert transition.reason == f"Proposed by evaluation {outcome.evaluation.pk} ({'x' * 150})"
        assert transition.at == release.proposed_at
        assert sum(line.amount for line in release.lines.all()) == release.amount
    # The outcome's releases are the saved rows, their tranche already at hand.
    assert all(not r._state.adding and r.tranche.code == "T1" for r in outcome.proposed)
