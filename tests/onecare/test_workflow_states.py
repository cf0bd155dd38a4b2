"""Each ballot step and each register move is refused from every state its workflow does not leave from, and
changes nothing (the workflows are onecare.ballots.workflow.BALLOTS and onecare.membership.transitions.MEMBERS)."""

import datetime

import pytest

from onecare.ballots.models import Answer, Ballot, BallotStatus, Channel
from onecare.ballots.transitions import BallotError, ballot_certify, ballot_close, ballot_open, vote_cast
from onecare.ballots.workflow import BALLOTS
from onecare.membership.models import MemberStatus
from onecare.membership.transitions import MEMBERS, RegisterError, member_update

from .onecare_factories import MemberFactory, onecare_staff, open_ballot, practice_manager, scrutineer

RECEIVED = datetime.date(2016, 6, 10)


def wrong_states(workflow):
    """(step, state) for every state a step does not leave from; its own target is a quiet repeat instead."""
    return [
        (step.name, state)
        for step in workflow.steps.values()
        for state in workflow.states
        if not workflow.allows(step.name, state) and state != step.target
    ]


def staff_vote(channel):
    def cast(ballot, practices, staff):
        return vote_cast(ballot, practices[0], actor=staff, channel=channel, answer=Answer.YES, received_on=RECEIVED)

    return cast


# Each step, and the words of its refusal from a state it does not leave.
BALLOT_STEPS = {
    "open": (lambda ballot, practices, staff: ballot_open(ballot, actor=staff), "This ballot is"),
    "vote_online": (
        lambda ballot, practices, staff: vote_cast(
            ballot, practices[0], actor=practice_manager(practices[0]), answer=Answer.YES
        ),
        "votes cannot be cast",
    ),
    "vote_postal": (staff_vote(Channel.POSTAL), "votes cannot be recorded"),
    "vote_meeting": (staff_vote(Channel.MEETING), "votes cannot be recorded"),
    "close": (lambda ballot, practices, staff: ballot_close(ballot, actor=staff), "This ballot is"),
    "certify": (lambda ballot, practices, staff: ballot_certify(ballot, actor=scrutineer()), "Only a closed ballot"),
}


def test_every_ballot_step_is_tried():
    assert set(BALLOT_STEPS) == set(BALLOTS.steps)


@pytest.mark.parametrize(("step", "state"), wrong_states(BALLOTS))
def test_a_ballot_step_is_refused_from_a_state_it_does_not_leave(step, state):
    ballot, staff, practices = open_ballot()
    certified = {"certified_by": scrutineer(), "certified_at": ballot.opens_at}
    if state != BallotStatus.CERTIFIED:
        certified = {}
    Ballot.objects.filter(pk=ballot.pk).update(status=state, **certified)
    ballot.refresh_from_db()
    history = ballot.history.count()
    make, words = BALLOT_STEPS[step]

    with pytest.raises(BallotError, match=words):
        make(ballot, practices, staff)

    ballot.refresh_from_db()
    assert ballot.status == state
    assert ballot.history.count() == history
    assert not ballot.votes.exists()


def member_in(status: MemberStatus):
    if status in (MemberStatus.INVITED, MemberStatus.DECLINED):
        return MemberFactory(invited=True, status=status)
    left_on = datetime.date(2017, 3, 31) if status == MemberStatus.LEFT else None
    return MemberFactory(status=status, left_on=left_on)


FORBIDDEN_MOVES = [
    (now, then)
    for now in MemberStatus
    for then in MemberStatus
    if then != now and then not in MEMBERS.targets_from(now)
]


def test_the_register_allows_the_moves_it_always_has():
    S = MemberStatus
    allowed = {(now, then) for now in S for then in MEMBERS.targets_from(now)}
    assert allowed == {
        (S.INVITED, S.MEMBER),
        (S.INVITED, S.DECLINED),
        (S.DECLINED, S.INVITED),
        (S.DECLINED, S.MEMBER),
        (S.MEMBER, S.LEFT),
        (S.LEFT, S.MEMBER),
    }


@pytest.mark.parametrize(("now", "then"), FORBIDDEN_MOVES)
def test_a_register_move_is_refused_from_a_status_it_does_not_leave(now, then):
    member = member_in(now)
    history = member.history.count()

    words = f"A practice that is {now.label.lower()} cannot become {then.label.lower()}"
    with pytest.raises(RegisterError, match=words):
        member_update(member, actor=onecare_staff(), status=then)

    member.refresh_from_db()
    assert member.status == now
    assert member.history.count() == history
