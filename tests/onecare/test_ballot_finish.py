"""Ballots as users meet them: no future postal votes, a warning before closing early, provisional results until
certified, the certified wording, the staff form's label, and a page for a certify address opened directly."""

import datetime

import pytest
import time_machine
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from onecare.ballots.models import Answer, BallotStatus, Channel
from onecare.ballots.transitions import VoteRefused, ballot_certify, ballot_close, ballot_open, vote_cast
from tests.onecare.factories import PASSWORD

from .onecare_factories import (
    OPENS,
    BallotFactory,
    CandidateFactory,
    MemberFactory,
    onecare_staff,
    open_ballot,
    scrutineer,
)

DURING = datetime.datetime(2016, 6, 10, 12, 0, tzinfo=OPENS.tzinfo)


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return user


def postal(ballot, practice, staff, day=datetime.date(2016, 6, 9), **choice):
    return vote_cast(ballot, practice, actor=staff, channel=Channel.POSTAL, received_on=day, **choice)


@time_machine.travel(DURING)
def test_a_postal_vote_dated_in_the_future_is_refused():
    ballot, staff, practices = open_ballot()
    with pytest.raises(VoteRefused, match="cannot be received in the future"):
        postal(ballot, practices[0], staff, day=datetime.date(2016, 6, 15), answer=Answer.YES)


@time_machine.travel(DURING)
def test_closing_before_the_postal_deadline_warns_and_asks_for_confirmation(client):
    ballot, staff, _ = open_ballot()
    staff.is_superuser = True  # the admin action, as the returning officer's account would use it
    staff.save()
    login(client, staff)
    changelist = reverse("admin:ballots_ballot_changelist")
    chosen = {"action": "close_ballots", ACTION_CHECKBOX_NAME: [ballot.pk]}

    warning = client.post(changelist, chosen)

    assert warning.status_code == 200
    page = warning.content.decode()
    assert "practices can still vote" in page and "21 June 2016 (11 days from today)" in page
    ballot.refresh_from_db()
    assert ballot.status == BallotStatus.OPEN
    client.post(changelist, {**chosen, "confirm_early_close": "yes"})
    ballot.refresh_from_db()
    assert ballot.status == BallotStatus.CLOSED


@time_machine.travel(DURING)
def test_an_open_ballot_shows_only_a_provisional_result(client):
    ballot, staff, practices = open_ballot()
    postal(ballot, practices[0], staff, answer=Answer.YES)
    login(client, staff)
    page = client.get(reverse("ballots:results", args=[ballot.pk])).content.decode()
    assert "Yes is leading (provisional)" in page and "Carried" not in page and "Provisional tally" in page


@time_machine.travel(DURING)
def test_an_open_election_shows_leading_candidates_not_elected_ones(client):
    MemberFactory.create_batch(2)
    draft = BallotFactory(election=True, seats=1)
    candidate = CandidateFactory(ballot=draft, name="Dr Alice")
    staff = onecare_staff()
    ballot = ballot_open(draft, actor=staff)
    postal(ballot, ballot.electors.first().practice, staff, candidates=[candidate])
    login(client, staff)
    page = client.get(reverse("ballots:results", args=[ballot.pk])).content.decode()
    assert "Leading" in page and "Elected" not in page


@time_machine.travel(DURING)
def test_a_certified_ballot_reads_as_certified(client):
    ballot, staff, practices = open_ballot()
    postal(ballot, practices[0], staff, answer=Answer.YES)
    ballot_close(ballot, actor=staff)
    lmc = scrutineer(first_name="Avon", last_name="Scrutineer")
    ballot_certify(ballot, actor=lmc)
    login(client, lmc)
    page = client.get(reverse("ballots:results", args=[ballot.pk])).content.decode()
    assert "Only a closed ballot can be certified" not in page
    assert "Certified Certified" not in page
    assert "by Avon Scrutineer, the independent scrutineer, on 10 June 2016." in page
    assert "Carried." in page and "provisional" not in page


@time_machine.travel(DURING)
def test_the_staff_form_asks_for_the_practices_answer(client):
    ballot, staff, _ = open_ballot()
    login(client, staff)
    page = client.get(reverse("ballots:record", args=[ballot.pk])).content.decode()
    assert "The practice&#x27;s answer" in page or "The practice's answer" in page
    assert "Your practice" not in page


@time_machine.travel(DURING)
def test_opening_the_certify_address_shows_a_page(client):
    ballot, staff, practices = open_ballot()
    lmc = scrutineer()
    login(client, lmc)
    url = reverse("ballots:certify", args=[ballot.pk])
    refused = client.get(url)
    assert refused.status_code == 405
    assert "This page cannot be opened directly" in refused.content.decode()
    assert reverse("ballots:results", args=[ballot.pk]) in refused.content.decode()

    ballot_close(ballot, actor=staff)
    confirm = client.get(url)
    page = confirm.content.decode()
    assert confirm.status_code == 200
    assert f'action="{url}" method="post"' in page or (f'action="{url}"' in page and 'method="post"' in page)
    assert "Certify the result" in page
