"""The ledger service's contract (funding/ledger.py): the LTS and Improved Access evaluations both go through it, and
what it writes with each proposed release (history record, "proposed" transition, lines) is the evaluation's.

The same check runs on the embedded SQLite database in test_payments_final_sqlite.py."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from funding import ledger
from funding.evaluation import evaluate_milestones
from funding.ledger import LINE, Due
from funding.models import MilestoneEvaluation, Release, ReleaseLine, ReleaseState, ReleaseTransition
from improved_access.payments import evaluate_improved_access
from improved_access.quarters import Quarter
from tests.improved_access.factories import compliant_plan
from tests.localities.factories import LocalityFactory

from .ledger import join, proposal_record_problems

Q1 = Quarter(2018, 1)


@pytest.fixture
def south(lts_rules, bnssg, make_member_practice):
    """A locality that has joined the LTS (T1 due) and is compliant with Improved Access for 2018Q1 (its plan's
    evening and weekend minutes are enough for 20,000 patients)."""
    locality = LocalityFactory(code="sbris", name="South Bristol", commissioner=bnssg)
    make_member_practice(locality, patients=10_000, weighted=Decimal("9500.500"))
    make_member_practice(locality, patients=10_000, weighted=Decimal("10000.000"))
    join(locality)
    compliant_plan(locality)
    return locality


@pytest.fixture
def calls(monkeypatch):
    """Every call of the ledger service (it still runs): (when the evaluation was judged, its trigger)."""
    made = []
    evaluate = ledger.evaluate

    def spy(at, due, **kwargs):
        made.append((at, kwargs["trigger"]))
        return evaluate(at, due, **kwargs)

    monkeypatch.setattr(ledger, "evaluate", spy)
    return made


def test_the_lts_and_ia_evaluations_both_go_through_the_ledger_service(south, calls, user_factory):
    runner = user_factory()

    lts = evaluate_milestones(datetime.date(2018, 6, 1), triggered_by=runner, trigger="command")
    ia = evaluate_improved_access(Q1, today=datetime.date(2018, 4, 2), triggered_by=runner, trigger="command")

    assert calls == [
        (datetime.date(2018, 6, 1), "command"),
        (datetime.date(2018, 4, 2), "improved access 2018Q1 (command)"),
    ]
    assert [r.tranche.code for r in lts.proposed] == ["T1"]
    assert [r.tranche.code for r in ia.proposed] == ["2018Q1"]
    # Each outcome's totals are kept on its evaluation record, as the service writes them.
    for outcome in (lts, ia):
        evaluation = MilestoneEvaluation.objects.get(pk=outcome.evaluation.pk)
        assert (evaluation.proposed, evaluation.adjustments, evaluation.amount) == (1, 0, outcome.amount)
        assert outcome.summary_line() == f"summary: proposed=1 adjustments=0 amount={outcome.amount:.2f}"


def test_history_and_transitions_carry_the_evaluations_user_reason_and_date(south, user_factory):
    runner = user_factory()

    lts = evaluate_milestones(datetime.date(2018, 6, 1), triggered_by=runner, trigger="command")
    ia = evaluate_improved_access(Q1, today=datetime.date(2018, 4, 2), triggered_by=runner, trigger="command")

    assert proposal_record_problems() == []
    for outcome in (lts, ia):
        (release,) = outcome.proposed
        created = release.history.get()
        reason = f"Proposed by evaluation {outcome.evaluation.pk} ({outcome.evaluation.trigger})"
        assert (created.history_type, created.history_user, created.history_change_reason) == ("+", runner, reason)
        assert created.history_date == outcome.evaluation.started_at == release.proposed_at
        transition = ReleaseTransition.objects.get(release=release)
        assert (transition.actor, transition.reason, transition.at) == (runner, reason, release.proposed_at)
        assert (transition.from_state, transition.to_state) == ("", ReleaseState.PROPOSED)


def test_the_check_finds_a_history_record_that_is_not_the_evaluations(south, user_factory):
    evaluate_milestones(datetime.date(2018, 6, 1), triggered_by=user_factory(), trigger="command")
    release = Release.objects.get()
    release.history.filter(history_type="+").update(history_user=user_factory(), history_change_reason="by hand")

    assert proposal_record_problems() == [f"release {release.pk}: history record not the evaluation's"]


def test_it_writes_in_four_statements_whatever_the_number_of_releases(lts_rules, two_localities):
    """Releases, their history, their lines and their transitions: one statement each on PostgreSQL."""
    t1 = lts_rules.tranches["T1"]
    started = datetime.datetime(2018, 6, 1, 12, tzinfo=datetime.UTC)
    evaluation = MilestoneEvaluation.objects.create(at=started.date(), started_at=started, trigger="test")
    common = {"state": ReleaseState.PROPOSED, "evaluation_id": evaluation.pk, "proposed_at": started}

    def write(localities) -> tuple[int, int]:
        made = ledger.propose([Due(t1, locality.pk, {"tranche": "T1"}) for locality in localities], common)
        with CaptureQueriesContext(connection) as queries:
            ledger.write(made, user=None, reason="Test.", at=started)
        return len(made), len(queries)

    one = write(two_localities[:1])
    Release.objects.update(state=ReleaseState.WITHDRAWN, reason="Test.")  # so that T1 may be proposed again
    both = write(two_localities)

    assert (one, both) == ((1, 4), (2, 4))
    assert ReleaseLine.objects.count() == 6  # two practices a locality
    assert ReleaseTransition.objects.count() == Release.history.count() == 3


def test_a_line_tuple_is_release_lines_fields_in_order():
    """The service builds ReleaseLine(id, release, *line) positionally: LINE must follow the model's field order."""
    assert [f.name for f in ReleaseLine._meta.concrete_fields] == ["id", "release", *LINE]
