import datetime

import pytest

from funding.evaluation import evaluate_milestones
from funding.models import ReleaseState, ReleaseTransition
from funding.release_transitions import ReleaseTransitionNotAllowed, release_approve, release_authorise
from onecare.accounts.roles import Role
from tests.onecare.factories import UserFactory

from .ledger import join


@pytest.fixture
def approved(lts_rules, people):
    join(people.south_bristol)
    release = evaluate_milestones(datetime.date(2018, 6, 1)).proposed[0]
    return release_approve(release, actor=people.commissioner)


def test_it_authorises_an_approved_release(approved, people):
    release_authorise(approved, actor=people.finance)

    approved.refresh_from_db()
    assert (approved.state, approved.authorised_by) == (ReleaseState.AUTHORISED, people.finance)
    step = ReleaseTransition.objects.filter(release=approved).last()
    assert (step.from_state, step.to_state, step.actor) == ("approved", "authorised", people.finance)


def test_it_refuses_a_proposed_release(lts_rules, people):
    join(people.south_bristol)
    release = evaluate_milestones(datetime.date(2018, 6, 1)).proposed[0]

    with pytest.raises(ReleaseTransitionNotAllowed, match="proposed cannot be authorised"):
        release_authorise(release, actor=people.finance)


@pytest.mark.parametrize("who", ["commissioner", "bnssg_commissioner", "manager", "data_admin"])
def test_it_refuses_anyone_but_finance(approved, people, who):
    with pytest.raises(ReleaseTransitionNotAllowed):
        release_authorise(approved, actor=getattr(people, who))


def test_it_refuses_finance_of_another_ccg(approved, north_somerset):
    outsider = UserFactory(role=Role.FINANCE_APPROVER, commissioner=north_somerset)

    with pytest.raises(ReleaseTransitionNotAllowed):
        release_authorise(approved, actor=outsider)


def test_it_refuses_finance_who_triggered_the_evaluation(lts_rules, people):
    join(people.south_bristol)
    release = evaluate_milestones(datetime.date(2018, 6, 1), triggered_by=people.finance).proposed[0]
    release_approve(release, actor=people.commissioner)

    with pytest.raises(ReleaseTransitionNotAllowed, match="triggered"):
        release_authorise(release, actor=people.finance)


def test_it_does_nothing_on_a_repeat(approved, people):
    release_authorise(approved, actor=people.finance)
    release_authorise(approved, actor=people.finance)

    assert ReleaseTransition.objects.filter(release=approved, to_state="authorised").count() == 1
