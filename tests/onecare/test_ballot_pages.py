import datetime

import pytest
import time_machine
from django.urls import reverse

from onecare.accounts.roles import Role
from onecare.ballots.models import Answer, BallotStatus, Channel, ElectorateKind, Vote
from onecare.ballots.transitions import ballot_close, ballot_open, decision_record, vote_cast
from tests.onecare.factories import PASSWORD, UserFactory

from .onecare_factories import (
    OPENS,
    BallotFactory,
    MemberFactory,
    onecare_staff,
    open_ballot,
    practice_manager,
    scrutineer,
)

DURING = datetime.datetime(2016, 6, 10, 12, 0, tzinfo=OPENS.tzinfo)


def login(client, user):
    client.login(username=user.username, password=PASSWORD)
    return user


@pytest.fixture
def ballot():
    opened, staff, practices = open_ballot()
    outsider = MemberFactory(invited=True).practice
    return {
        "ballot": opened,
        "practices": practices,
        "people": {
            "staff": staff,
            "scrutineer": scrutineer(),
            "voter": practice_manager(practices[0]),
            "outsider": practice_manager(outsider),
            "commissioner": UserFactory(role=Role.COMMISSIONER),
            "data_admin": UserFactory(role=Role.DATA_ADMIN),
        },
    }


def test_it_walks_every_ballot_url_as_every_role(client, ballot):
    pk = ballot["ballot"].pk
    expected = {
        "staff": {"list": 200, "detail": 200, "record": 200, "results": 200},
        "scrutineer": {"list": 200, "detail": 200, "record": 403, "results": 200},
        "voter": {"list": 200, "detail": 200, "record": 403, "results": 200},
        "outsider": {"list": 200, "detail": 404, "record": 404, "results": 404},
        "commissioner": {"list": 403, "detail": 404, "record": 404, "results": 404},
        "data_admin": {"list": 403, "detail": 404, "record": 404, "results": 404},
    }
    urls = {
        "list": reverse("ballots:list"),
        "detail": reverse("ballots:detail", args=[pk]),
        "record": reverse("ballots:record", args=[pk]),
        "results": reverse("ballots:results", args=[pk]),
    }
    for name, person in ballot["people"].items():
        login(client, person)
        got = {page: client.get(url).status_code for page, url in urls.items()}
        assert got == expected[name], name


def test_it_hides_the_tally_from_voters_until_certified(client, ballot):
    login(client, ballot["people"]["voter"])
    page = client.get(reverse("ballots:results", args=[ballot["ballot"].pk]))
    assert b"published when the scrutineer has certified" in page.content


@time_machine.travel(DURING, tick=False)
def test_it_casts_a_vote_from_the_ballot_page_once(client, ballot):
    login(client, ballot["people"]["voter"])
    url = reverse("ballots:detail", args=[ballot["ballot"].pk])
    practice = ballot["practices"][0]
    response = client.post(url, {"practice": practice.pk, "answer": Answer.YES})
    assert response.status_code == 302
    again = client.post(url, {"practice": practice.pk, "answer": Answer.NO}, follow=True)
    assert b"cannot vote in this ballot now" in again.content
    assert Vote.objects.get().answer == Answer.YES
    assert b"cannot vote again" in client.get(url).content


def test_it_refuses_a_late_postal_vote_on_the_record_page(client, ballot):
    login(client, ballot["people"]["staff"])
    practice = ballot["practices"][1]
    url = reverse("ballots:record", args=[ballot["ballot"].pk])
    late = {"practice": practice.pk, "channel": Channel.POSTAL, "received_on": "2016-06-18", "answer": Answer.YES}
    page = client.post(url, late)
    assert page.status_code == 200
    assert b"Postal votes had to be received by 17 June 2016" in page.content
    assert not Vote.objects.exists()
    assert client.post(url, {**late, "received_on": "2016-06-17"}).status_code == 302
    assert Vote.objects.get().channel == Channel.POSTAL


def test_it_lets_only_the_scrutineer_certify_from_the_results_page(client, ballot):
    b, people = ballot["ballot"], ballot["people"]
    ballot_close(b, actor=people["staff"])
    url = reverse("ballots:certify", args=[b.pk])
    for name in ("staff", "voter"):
        login(client, people[name])
        assert client.post(url).status_code == 403
    login(client, people["outsider"])
    assert client.post(url).status_code == 404
    b.refresh_from_db()
    assert b.status == BallotStatus.CLOSED
    login(client, people["scrutineer"])
    assert b"Certify the result" in client.get(reverse("ballots:results", args=[b.pk])).content
    assert client.post(url).status_code == 302
    b.refresh_from_db()
    assert b.status == BallotStatus.CERTIFIED
    assert b.certified_by == people["scrutineer"]


def test_it_makes_a_certified_ballot_read_only_in_the_admin(client, ballot):
    b, people = ballot["ballot"], ballot["people"]
    ballot_close(b, actor=people["staff"])
    from onecare.ballots.transitions import ballot_certify

    ballot_certify(b, actor=people["scrutineer"])
    login(client, people["staff"])
    url = reverse("admin:ballots_ballot_change", args=[b.pk])
    assert client.get(url).status_code == 200  # view only
    client.post(url, {"title": "Changed"})
    b.refresh_from_db()
    assert b.title != "Changed"


def test_it_runs_a_locality_election_among_its_member_practices(two_localities):
    south_bristol, woodspring = two_localities
    staff = onecare_staff()
    election = BallotFactory(
        election=True,
        electorate=ElectorateKind.LOCALITY,
        locality=south_bristol,
        opens_at=datetime.datetime(2018, 2, 1, 9, tzinfo=OPENS.tzinfo),
        postal_deadline=datetime.date(2018, 2, 20),
        meeting_date=None,
    )
    election.candidates.create(name="Dr A")
    election = ballot_open(election, actor=staff)
    assert {e.practice for e in election.electors.all()} == {m.practice for m in south_bristol.memberships.all()}
    assert election.electors.filter(registered_patients=60_000).exists()
    outsider = woodspring.memberships.first().practice
    with pytest.raises(Exception, match="is not in the electorate"):
        vote_cast(
            election,
            outsider,
            actor=staff,
            channel=Channel.POSTAL,
            candidates=list(election.candidates.all()),
            received_on=datetime.date(2018, 2, 2),
        )


def test_it_shows_a_localitys_decisions_log(client, two_localities):
    south_bristol, woodspring = two_localities
    staff = onecare_staff()
    decision_record(south_bristol, actor=staff, text="Form a federation", decided_on=datetime.date(2017, 11, 1))
    lead = UserFactory(role=Role.LOCALITY_LEAD, locality=south_bristol)
    login(client, lead)
    page = client.get(reverse("ballots:decisions", args=[south_bristol.code]))
    assert b"Form a federation" in page.content
    assert b"Recorded without a ballot" in page.content
    assert client.get(reverse("ballots:decisions", args=[woodspring.code])).status_code == 404


def test_it_counts_results_in_a_fixed_number_of_queries(client, ballot, django_assert_max_num_queries):
    b, staff = ballot["ballot"], ballot["people"]["staff"]
    for practice in ballot["practices"]:
        vote_cast(b, practice, actor=staff, channel=Channel.POSTAL, answer=Answer.YES, received_on=DURING.date())
    login(client, staff)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("ballots:results", args=[b.pk])).status_code == 200
