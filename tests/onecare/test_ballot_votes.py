import datetime

import pytest
import time_machine

from onecare.ballots.models import Answer, BallotStatus, Channel, Elector, Vote
from onecare.ballots.transitions import AlreadyVoted, BallotError, VoteRefused, ballot_close, ballot_open, vote_cast
from tests.localities.factories import PracticeFactory

from .onecare_factories import OPENS, MemberFactory, onecare_staff, open_ballot, practice_manager

DURING = datetime.datetime(2016, 6, 10, 12, 0, tzinfo=OPENS.tzinfo)


def test_it_fixes_the_electorate_with_population_when_it_opens():
    MemberFactory(invited=True)
    ballot, _, practices = open_ballot(practices=3)
    assert ballot.status == BallotStatus.OPEN
    electors = Elector.objects.filter(ballot=ballot)
    assert {e.practice for e in electors} == set(practices)
    assert sorted(e.registered_patients for e in electors) == [10_000, 20_000, 30_000]
    assert ballot.history.first().history_change_reason == "Opened"


def test_it_opens_once():
    ballot, staff, _ = open_ballot()
    assert ballot_open(ballot, actor=staff).status == BallotStatus.OPEN
    assert Elector.objects.filter(ballot=ballot).count() == 3


@time_machine.travel(DURING, tick=False)
def test_it_records_an_online_vote_by_the_practice_manager():
    ballot, _, practices = open_ballot()
    manager = practice_manager(practices[0])
    vote = vote_cast(ballot, practices[0], actor=manager, answer=Answer.YES)
    assert vote.channel == Channel.ONLINE
    assert vote.received_on == datetime.date(2016, 6, 10)
    assert vote.history.first().history_user == manager


@time_machine.travel(DURING, tick=False)
def test_it_lets_the_named_lead_vote():
    ballot, _, practices = open_ballot()
    lead = practice_manager(PracticeFactory())  # a manager elsewhere who is this practice's named lead
    practices[1].onecare_member.lead_user = lead
    practices[1].onecare_member.save()
    assert vote_cast(ballot, practices[1], actor=lead, answer=Answer.NO).answer == Answer.NO


@time_machine.travel(DURING, tick=False)
def test_it_refuses_a_second_vote_for_the_same_practice():
    ballot, staff, practices = open_ballot()
    vote_cast(ballot, practices[0], actor=practice_manager(practices[0]), answer=Answer.YES)
    with pytest.raises(AlreadyVoted, match="has already voted in this ballot \\(online, 10 June 2016\\)"):
        vote_cast(
            ballot, practices[0], actor=staff, channel=Channel.POSTAL, answer=Answer.NO, received_on=DURING.date()
        )
    assert Vote.objects.get().answer == Answer.YES


def test_it_accepts_a_postal_vote_received_on_the_deadline():
    ballot, staff, practices = open_ballot()
    vote = vote_cast(
        ballot,
        practices[0],
        actor=staff,
        channel=Channel.POSTAL,
        answer=Answer.YES,
        received_on=datetime.date(2016, 6, 17),
    )
    assert vote.received_on == datetime.date(2016, 6, 17)


def test_it_refuses_a_postal_vote_after_the_deadline():
    ballot, staff, practices = open_ballot()
    with pytest.raises(VoteRefused, match="Postal votes had to be received by 17 June 2016, or at the meeting"):
        vote_cast(
            ballot,
            practices[0],
            actor=staff,
            channel=Channel.POSTAL,
            answer=Answer.YES,
            received_on=datetime.date(2016, 6, 18),
        )
    assert not Vote.objects.exists()


@time_machine.travel(datetime.datetime(2016, 6, 18, 9, 0, tzinfo=OPENS.tzinfo), tick=False)
def test_it_refuses_an_online_vote_after_the_deadline():
    ballot, _, practices = open_ballot()
    with pytest.raises(VoteRefused, match="Online votes had to be received by 17 June 2016"):
        vote_cast(ballot, practices[0], actor=practice_manager(practices[0]), answer=Answer.YES)


def test_it_records_meeting_votes_on_the_meeting_day_only():
    ballot, staff, practices = open_ballot()
    vote = vote_cast(
        ballot,
        practices[0],
        actor=staff,
        channel=Channel.MEETING,
        answer=Answer.NO,
        received_on=datetime.date(2016, 6, 21),
    )
    assert vote.channel == Channel.MEETING
    with pytest.raises(VoteRefused, match="cast at the meeting on 21 June 2016"):
        vote_cast(
            ballot,
            practices[1],
            actor=staff,
            channel=Channel.MEETING,
            answer=Answer.NO,
            received_on=datetime.date(2016, 6, 22),
        )


def test_it_refuses_a_postal_vote_recorded_by_a_practice_manager():
    ballot, _, practices = open_ballot()
    with pytest.raises(VoteRefused, match="Only the returning officer"):
        vote_cast(
            ballot,
            practices[0],
            actor=practice_manager(practices[0]),
            channel=Channel.POSTAL,
            answer=Answer.YES,
            received_on=datetime.date(2016, 6, 10),
        )


@time_machine.travel(DURING, tick=False)
def test_it_refuses_a_vote_from_a_practice_outside_the_electorate():
    ballot, staff, _ = open_ballot()
    outsider = MemberFactory(invited=True).practice
    with pytest.raises(VoteRefused, match="is not in the electorate"):
        vote_cast(ballot, outsider, actor=practice_manager(outsider), answer=Answer.YES)
    with pytest.raises(VoteRefused, match="is not in the electorate"):
        vote_cast(ballot, outsider, actor=staff, channel=Channel.POSTAL, answer=Answer.YES, received_on=DURING.date())


@time_machine.travel(DURING, tick=False)
def test_it_refuses_a_vote_cast_for_another_practice():
    ballot, _, practices = open_ballot()
    with pytest.raises(VoteRefused, match="named lead or practice manager"):
        vote_cast(ballot, practices[1], actor=practice_manager(practices[0]), answer=Answer.YES)


def test_it_refuses_votes_once_closed():
    ballot, staff, practices = open_ballot()
    ballot_close(ballot, actor=staff)
    with pytest.raises(VoteRefused, match="closed"):
        vote_cast(
            ballot,
            practices[0],
            actor=staff,
            channel=Channel.POSTAL,
            answer=Answer.YES,
            received_on=datetime.date(2016, 6, 10),
        )


def test_it_lets_only_one_care_staff_open_and_close():
    ballot, staff, practices = open_ballot()
    with pytest.raises(BallotError, match="Only One Care staff"):
        ballot_close(ballot, actor=practice_manager(practices[0]))
    assert ballot_close(ballot, actor=onecare_staff()).status == BallotStatus.CLOSED
    assert ballot_close(ballot, actor=staff).status == BallotStatus.CLOSED
