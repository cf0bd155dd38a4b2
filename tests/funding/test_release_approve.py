import datetime

import pytest

from funding.evaluation import evaluate_milestones
from funding.models import DelegatedLimit, ReleaseState, ReleaseTransition
from funding.release_transitions import ReleaseTransitionNotAllowed, release_approve, release_reject

from .ledger import accept, join, mark


@pytest.fixture
def t1(lts_rules, people):
    """South Bristol's T1: £52,500, above the default £50,000 delegated limit."""
    join(people.south_bristol)
    return evaluate_milestones(datetime.date(2018, 6, 1)).proposed[0]


def test_it_approves_and_waits_for_finance_above_the_limit(t1, people):
    release_approve(t1, actor=people.commissioner)

    t1.refresh_from_db()
    assert (t1.state, t1.approved_by, t1.authorised_by) == (ReleaseState.APPROVED, people.commissioner, None)
    step = ReleaseTransition.objects.filter(release=t1).last()
    assert (step.from_state, step.to_state, step.actor) == ("proposed", "approved", people.commissioner)
    assert t1.history.first().history_user == people.commissioner


def test_it_authorises_with_the_approval_within_the_limit(t1, people):
    DelegatedLimit.objects.update(amount=t1.amount)  # data since the limit needs four eyes to change

    release_approve(t1, actor=people.commissioner)

    t1.refresh_from_db()
    assert (t1.state, t1.authorised_by) == (ReleaseState.AUTHORISED, people.commissioner)
    steps = list(ReleaseTransition.objects.filter(release=t1).values_list("from_state", "to_state"))
    assert steps == [("", "proposed"), ("proposed", "approved"), ("approved", "authorised")]


def test_it_refuses_a_release_in_the_wrong_state(t1, people):
    release_reject(t1, actor=people.commissioner, reason="Vehicle not yet in place.")

    with pytest.raises(ReleaseTransitionNotAllowed, match="rejected cannot be approved"):
        release_approve(t1, actor=people.bnssg_commissioner)


@pytest.mark.parametrize("who", ["manager", "lead", "finance", "data_admin", "ns_commissioner"])
def test_it_refuses_the_wrong_person(t1, people, who):
    with pytest.raises(ReleaseTransitionNotAllowed):
        release_approve(t1, actor=getattr(people, who))

    t1.refresh_from_db()
    assert t1.state == ReleaseState.PROPOSED


def test_it_refuses_whoever_triggered_the_evaluation(lts_rules, people):
    join(people.south_bristol)
    release = evaluate_milestones(datetime.date(2018, 6, 1), triggered_by=people.commissioner).proposed[0]

    with pytest.raises(ReleaseTransitionNotAllowed, match="triggered the evaluation"):
        release_approve(release, actor=people.commissioner)
    release_approve(release, actor=people.bnssg_commissioner)


def test_it_refuses_whoever_accepted_the_gating_evidence(lts_rules, people):
    accept(people.south_bristol, lts_rules.items["2.1"], reviewer=people.commissioner)
    release = evaluate_milestones(datetime.date.today()).proposed[0]

    with pytest.raises(ReleaseTransitionNotAllowed, match="accepted evidence"):
        release_approve(release, actor=people.commissioner)


def test_it_does_nothing_on_a_repeat(t1, people):
    release_approve(t1, actor=people.commissioner)
    release_approve(t1, actor=people.commissioner)

    assert ReleaseTransition.objects.filter(release=t1, to_state="approved").count() == 1


def test_it_refuses_a_paid_release_as_already_done_only_if_approved(t1, people):
    mark(t1, ReleaseState.PAID)  # never approved: a repeat cannot be assumed

    with pytest.raises(ReleaseTransitionNotAllowed):
        release_approve(t1, actor=people.commissioner)
