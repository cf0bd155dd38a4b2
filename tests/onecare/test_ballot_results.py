import datetime

import pytest
from django.db import IntegrityError

from onecare.ballots.count import CandidateTally, count_election, plurality, turnout
from onecare.ballots.models import Answer, BallotStatus, Channel, DecisionOutcome, Vote
from onecare.ballots.transitions import (
    BallotError,
    VoteRefused,
    ballot_certify,
    ballot_close,
    ballot_open,
    decision_record,
    vote_cast,
)
from tests.localities.factories import LocalityFactory

from .onecare_factories import (
    BallotFactory,
    CandidateFactory,
    MemberFactory,
    onecare_staff,
    open_ballot,
    practice_manager,
    scrutineer,
)

JUNE_10 = datetime.date(2016, 6, 10)


def postal(ballot, practice, staff, **choice):
    return vote_cast(ballot, practice, actor=staff, channel=Channel.POSTAL, received_on=JUNE_10, **choice)


def test_it_keeps_one_vote_per_practice_in_the_database():
    ballot, staff, practices = open_ballot()
    fields = {"ballot": ballot, "practice": practices[0], "channel": Channel.POSTAL, "received_on": JUNE_10}
    Vote.objects.create(cast_by=staff, recorded_at=ballot.opens_at, answer=Answer.YES, **fields)
    with pytest.raises(IntegrityError):
        Vote.objects.create(cast_by=staff, recorded_at=ballot.opens_at, answer=Answer.NO, **fields)


def test_it_counts_turnout_by_practices_and_population():
    ballot, staff, practices = open_ballot(practices=4)  # 10k, 20k, 30k, 40k patients
    postal(ballot, practices[0], staff, answer=Answer.YES)
    postal(ballot, practices[3], staff, answer=Answer.NO)
    figures = turnout(ballot)
    assert (figures.electors, figures.voted) == (4, 2)
    assert (figures.population, figures.population_voted) == (100_000, 50_000)
    assert (figures.practice_percent, figures.population_percent) == (50.0, 50.0)


def test_it_counts_population_at_the_ballots_population_date():
    ballot, _, _ = open_ballot(practices=2, population_date=datetime.date(2016, 1, 1))
    figures = turnout(ballot)
    assert figures.population == 0
    assert figures.practices_without_figure == 2


def test_it_elects_by_plurality():
    result = plurality(2, [CandidateTally("A", 5), CandidateTally("B", 3), CandidateTally("C", 1)])
    assert result.elected == ["A", "B"]
    assert not result.has_tie


def test_it_reports_a_tie_for_the_last_seat_without_breaking_it():
    result = plurality(2, [CandidateTally("A", 5), CandidateTally("B", 3), CandidateTally("C", 3)])
    assert result.elected == ["A"]
    assert result.tied == ["B", "C"]
    assert result.tied_seats == 1


def test_it_counts_an_election_with_a_tie():
    MemberFactory.create_batch(3)
    ballot = BallotFactory(election=True, seats=1)
    alice, bob = CandidateFactory(ballot=ballot, name="Dr Alice"), CandidateFactory(ballot=ballot, name="Dr Bob")
    staff = onecare_staff()
    ballot = ballot_open(ballot, actor=staff)
    practices = [e.practice for e in ballot.electors.all()]
    postal(ballot, practices[0], staff, candidates=[alice])
    postal(ballot, practices[1], staff, candidates=[bob])
    result = count_election(ballot)
    assert result.elected == []
    assert result.tied == ["Dr Alice", "Dr Bob"]
    with pytest.raises(VoteRefused, match="at most 1 candidate"):
        postal(ballot, practices[2], staff, candidates=[alice, bob])


def test_it_lets_only_the_scrutineer_certify():
    ballot, staff, practices = open_ballot()
    postal(ballot, practices[0], staff, answer=Answer.YES)
    ballot_close(ballot, actor=staff)
    for someone in (staff, practice_manager(practices[0])):
        with pytest.raises(BallotError, match="Only the independent scrutineer"):
            ballot_certify(ballot, actor=someone)
    ballot.refresh_from_db()
    assert ballot.status == BallotStatus.CLOSED


def test_it_refuses_to_certify_an_open_ballot():
    ballot, _, _ = open_ballot()
    with pytest.raises(BallotError, match="Only a closed ballot"):
        ballot_certify(ballot, actor=scrutineer())


def test_it_certifies_once_and_freezes_the_result():
    ballot, staff, practices = open_ballot()
    postal(ballot, practices[0], staff, answer=Answer.YES)
    postal(ballot, practices[1], staff, answer=Answer.YES)
    ballot_close(ballot, actor=staff)
    lmc = scrutineer()
    ballot_certify(ballot, actor=lmc)
    ballot_certify(ballot, actor=lmc)
    ballot.refresh_from_db()
    assert ballot.status == BallotStatus.CERTIFIED
    assert ballot.certified_by == lmc
    assert ballot.certified_result["yes"] == 2
    assert ballot.certified_result["turnout"]["voted"] == 2
    assert ballot.history.filter(status=BallotStatus.CERTIFIED).count() == 1


def test_it_locks_a_certified_ballot():
    ballot, staff, practices = open_ballot()
    ballot_close(ballot, actor=staff)
    ballot_certify(ballot, actor=scrutineer())
    with pytest.raises(VoteRefused, match="certified"):
        postal(ballot, practices[0], staff, answer=Answer.YES)
    with pytest.raises(BallotError, match="certified"):
        ballot_open(ballot, actor=staff)


def test_it_settles_a_decision_from_its_ratifying_ballot():
    locality = LocalityFactory()
    ballot, staff, practices = open_ballot()
    decision = decision_record(locality, actor=staff, text="Adopt the inter-practice agreement", ballot=ballot)
    assert decision.outcome == DecisionOutcome.PENDING
    postal(ballot, practices[0], staff, answer=Answer.YES)
    ballot_close(ballot, actor=staff)
    ballot_certify(ballot, actor=scrutineer())
    decision.refresh_from_db()
    assert decision.outcome == DecisionOutcome.RATIFIED
