from django.core.management import call_command

from devdata.demo.onecare import OFFER_TITLE, load_demo
from devdata.management.commands.load_demo_data import REFERENCE_FIXTURES
from onecare.ballots.models import Ballot, BallotStatus, DecisionOutcome
from onecare.membership.models import Member


def test_it_reproduces_the_2016_offer_ballot_once():
    call_command("load_demo_data", "--reference-only", verbosity=0)
    assert "bnssg_practices.json" in REFERENCE_FIXTURES
    first = load_demo()
    second = load_demo()

    assert first["offer_ballot_loaded"] and not second["offer_ballot_loaded"]
    assert Member.objects.count() == 96
    ballot = Ballot.objects.get(title=OFFER_TITLE)
    assert ballot.status == BallotStatus.CERTIFIED
    result = ballot.certified_result
    assert (result["yes"], result["no"], result["abstain"]) == (71, 4, 2)
    assert result["carried"] is True
    assert (result["turnout"]["electors"], result["turnout"]["voted"]) == (92, 77)
    assert ballot.votes.filter(channel="meeting", received_on=ballot.meeting_date).count() == 19
    assert not ballot.votes.filter(channel="postal", received_on__gt=ballot.postal_deadline).exists()
    assert Ballot.objects.filter(locality__code="sbris", status=BallotStatus.CERTIFIED).count() == 2
    assert Ballot.objects.get(locality__code="sbris", kind="question").decisions.get().outcome == (
        DecisionOutcome.RATIFIED
    )


def test_it_leaves_an_election_open_for_the_demo_practice_manager():
    from devdata.demo.onecare import BOARD_TITLE

    call_command("load_demo_data", verbosity=0)
    load_demo()
    election = Ballot.objects.get(title=BOARD_TITLE)
    assert election.status == BallotStatus.OPEN
    assert election.votes.count() == 24
    assert not election.votes.filter(practice__code="L81007").exists()
    assert Member.objects.filter(status="left").exists()


def test_it_lets_the_demo_practice_manager_vote_and_read_the_2016_result(client):
    from django.urls import reverse

    from devdata.demo.onecare import BOARD_TITLE

    call_command("load_demo_data", verbosity=0)
    load_demo()
    client.login(username="practice.manager", password="demo-practice-manager-2017")
    election = Ballot.objects.get(title=BOARD_TITLE)
    page = client.get(reverse("ballots:detail", args=[election.pk]))
    assert b"Choose up to 3 candidates" in page.content
    picks = [str(pk) for pk in election.candidates.values_list("pk", flat=True)[:2]]
    practice = election.electors.get(practice__code="L81007").practice_id
    assert client.post(page.request["PATH_INFO"], {"practice": practice, "candidates": picks}).status_code == 302
    offer = Ballot.objects.get(title=OFFER_TITLE)
    result = client.get(reverse("ballots:results", args=[offer.pk]))
    assert b"Carried." in result.content
    assert b"77 of 92" in result.content
    # Certified the morning after the meeting of 21 June 2016, and turnout counted at the ballot's own date.
    assert b"on 22 June 2016." in result.content
    assert b"1 January 2018" not in result.content and b"at 23 May 2016" in result.content
