import datetime

import pytest

from funding.evaluation import evaluate_milestones
from funding.models import Release, ReleaseState, ReleaseTransition
from funding.release_transitions import ReleaseTransitionNotAllowed, release_reject, release_withdraw

from .ledger import join, mark


@pytest.fixture
def t1(lts_rules, people):
    join(people.south_bristol)
    return evaluate_milestones(datetime.date(2018, 6, 1)).proposed[0]


def test_it_rejects_with_the_reason_and_never_proposes_it_again(t1, people):
    release_reject(t1, actor=people.commissioner, reason="The vehicle is not signed.")

    t1.refresh_from_db()
    assert (t1.state, t1.reason) == (ReleaseState.REJECTED, "The vehicle is not signed.")
    assert ReleaseTransition.objects.filter(release=t1).last().actor == people.commissioner
    assert evaluate_milestones(datetime.date(2018, 6, 1)).proposed == []


def test_it_lets_finance_reject_an_approved_release(t1, people):
    mark(t1, ReleaseState.APPROVED)

    release_reject(t1, actor=people.finance, reason="Budget line closed.")

    t1.refresh_from_db()
    assert t1.state == ReleaseState.REJECTED


def test_it_needs_a_reason(t1, people):
    with pytest.raises(ReleaseTransitionNotAllowed, match="reason"):
        release_reject(t1, actor=people.commissioner, reason="  ")


def test_it_refuses_to_reject_an_authorised_release(t1, people):
    mark(t1, ReleaseState.AUTHORISED)

    with pytest.raises(ReleaseTransitionNotAllowed, match="authorised cannot be rejected"):
        release_reject(t1, actor=people.commissioner, reason="Too late.")


@pytest.mark.parametrize("who", ["manager", "lead", "data_admin", "ns_commissioner"])
def test_it_refuses_the_wrong_person_to_reject(t1, people, who):
    with pytest.raises(ReleaseTransitionNotAllowed):
        release_reject(t1, actor=getattr(people, who), reason="No.")


def test_it_does_nothing_on_a_repeated_rejection(t1, people):
    release_reject(t1, actor=people.commissioner, reason="No.")
    release_reject(t1, actor=people.commissioner, reason="No.")

    assert ReleaseTransition.objects.filter(release=t1, to_state="rejected").count() == 1


def test_it_withdraws_and_proposes_afresh(t1, people):
    release_withdraw(t1, actor=people.commissioner, reason="Wrong list size used.")

    t1.refresh_from_db()
    assert t1.state == ReleaseState.WITHDRAWN
    assert len(evaluate_milestones(datetime.date(2018, 6, 1)).proposed) == 1
    assert Release.objects.filter(locality=people.south_bristol).count() == 2


def test_it_refuses_to_withdraw_a_paid_release(t1, people):
    mark(t1, ReleaseState.PAID)

    with pytest.raises(ReleaseTransitionNotAllowed, match="paid cannot be withdrawn"):
        release_withdraw(t1, actor=people.commissioner, reason="Oops.")


def test_it_refuses_finance_to_withdraw(t1, people):
    with pytest.raises(ReleaseTransitionNotAllowed):
        release_withdraw(t1, actor=people.finance, reason="Oops.")


def test_it_does_nothing_on_a_repeated_withdrawal(t1, people):
    release_withdraw(t1, actor=people.commissioner, reason="Oops.")
    release_withdraw(t1, actor=people.commissioner, reason="Oops.")

    assert ReleaseTransition.objects.filter(release=t1, to_state="withdrawn").count() == 1
