"""Factories for One Care members, ballots and votes, and people in the One Care roles."""

import datetime
from zoneinfo import ZoneInfo

import factory
from django.contrib.auth.models import Group

from onecare.ballots.models import Ballot, BallotKind, Candidate, ElectorateKind
from onecare.membership.models import Member, MemberStatus
from onecare.membership.roles import ONECARE_STAFF, SCRUTINEER
from tests.localities.factories import PracticeFactory
from tests.onecare.factories import UserFactory

LONDON = ZoneInfo("Europe/London")
OPENS = datetime.datetime(2016, 6, 1, 9, 0, tzinfo=LONDON)
POSTAL_DEADLINE = datetime.date(2016, 6, 17)
MEETING = datetime.date(2016, 6, 21)


def user_in(group: str, **kwargs):
    user = UserFactory(**kwargs)
    user.groups.add(Group.objects.get(name=group))
    user.is_staff = group == ONECARE_STAFF
    user.save()
    return user


def onecare_staff(**kwargs):
    return user_in(ONECARE_STAFF, **kwargs)


def scrutineer(**kwargs):
    return user_in(SCRUTINEER, **kwargs)


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Member

    practice = factory.SubFactory(PracticeFactory)
    status = MemberStatus.MEMBER
    invited_on = datetime.date(2016, 5, 23)
    joined_on = datetime.date(2016, 6, 21)
    share_certificate_number = factory.Sequence(lambda n: f"OC{n + 1:04d}")
    share_paid_on = datetime.date(2016, 7, 1)
    lead_name = factory.Sequence(lambda n: f"Dr Lead {n}")
    lead_email = factory.Sequence(lambda n: f"lead{n}@example.org")

    class Params:
        invited = factory.Trait(
            status=MemberStatus.INVITED, joined_on=None, share_certificate_number=None, share_paid_on=None
        )


class BallotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Ballot

    title = factory.Sequence(lambda n: f"Ballot {n}")
    kind = BallotKind.QUESTION
    question = "Does your practice support the offer?"
    electorate = ElectorateKind.ONECARE_MEMBERS
    opens_at = OPENS
    postal_deadline = POSTAL_DEADLINE
    meeting_date = MEETING

    class Params:
        election = factory.Trait(kind=BallotKind.ELECTION, question="", seats=1)


class CandidateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Candidate

    ballot = factory.SubFactory(BallotFactory, election=True)
    name = factory.Sequence(lambda n: f"Dr Candidate {n}")


def open_ballot(practices: int = 3, patients: int = 10_000, **ballot):
    """A ballot opened by One Care staff over `practices` member practices with list sizes at 1 June 2016."""
    from onecare.ballots.transitions import ballot_open
    from tests.localities.factories import ListSizeFactory

    members = [MemberFactory() for _ in range(practices)]
    for index, member in enumerate(members):
        ListSizeFactory(
            practice=member.practice, extract_date=datetime.date(2016, 4, 1), registered_patients=patients * (index + 1)
        )
    staff = onecare_staff()
    opened = ballot_open(BallotFactory(**ballot), actor=staff)
    return opened, staff, [m.practice for m in members]


def practice_manager(practice):
    from onecare.accounts.roles import Role

    return UserFactory(role=Role.PRACTICE_MANAGER, practice=practice)
