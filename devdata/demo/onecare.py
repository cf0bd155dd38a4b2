"""Demo data for One Care: the business plan (reference, from the 2016 seed), a fictional member register,
the 2016 offer ballot with a plausible result, and a South Bristol election and ratified decision.

Call load_demo() after the BNSSG reference data is loaded. It is idempotent: each part is skipped
when its records exist already. The register, votes and people are fictional demo data.
"""

import datetime
import json
from pathlib import Path
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from localities.models import Locality, Practice
from onecare.accounts.models import User
from onecare.accounts.roles import sync_role_groups
from onecare.ballots.models import Answer, Ballot, BallotKind, Candidate, Channel, ElectorateKind
from onecare.ballots.transitions import ballot_certify, ballot_close, ballot_open, decision_record, vote_cast
from onecare.businessplan.models import Area
from onecare.membership.models import Member, MemberStatus
from onecare.membership.roles import ONECARE_STAFF, SCRUTINEER
from onecare.membership.transitions import member_invite, member_update

LONDON = ZoneInfo("Europe/London")
FIXTURE = Path(settings.BASE_DIR) / "fixtures" / "onecare_businessplan.json"
OFFER_TITLE = "The One Care offer to practices (June 2016)"
OFFER_QUESTION = (
    "Does your practice support the offer from One Care as set out in our manifesto and this business plan?"
)

DEMO_PEOPLE = [
    # username, password (demo only), group, first name, last name
    ("onecare.staff", "demo-onecare-staff-2016", ONECARE_STAFF, "Demo", "One Care Staff"),
    ("scrutineer", "demo-scrutineer-2016", SCRUTINEER, "Demo", "Avon LMC Scrutineer"),
]
INVITED, DECLINED = {7, 41, 88}, {63}  # positions (in ODS code order) of practices that did not join
NO, ABSTAIN = {10, 33, 51, 70}, {25, 62}  # positions among the electorate
VOTERS = 77  # of the electorate, the first 77 in ODS code order vote


def _people() -> dict[str, User]:
    if Group.objects.filter(name__in=[ONECARE_STAFF, SCRUTINEER]).count() < 2:
        sync_role_groups()
    people = {}
    for username, password, group, first, last in DEMO_PEOPLE:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "first_name": first,
                "last_name": last,
                "email": f"{username}@example.org",
                "is_staff": group == ONECARE_STAFF,
            },
        )
        if created:
            user.set_password(password)
            user.save()
        user.groups.add(Group.objects.get(name=group))
        people[group] = user
    return people


def load_business_plan() -> bool:
    if Area.objects.exists():
        return False
    call_command("loaddata", str(FIXTURE), verbosity=0)
    # loaddata saves raw, which django-simple-history does not record: give each record its "created" entry.
    by_model: dict[str, list[int]] = {}
    for item in json.loads(FIXTURE.read_text(encoding="utf-8")):
        by_model.setdefault(item["model"], []).append(item["pk"])
    from django.apps import apps

    for label, pks in by_model.items():
        model = apps.get_model(label)
        model.history.bulk_history_create(
            list(model.objects.filter(pk__in=pks)), default_change_reason="Initial record: the 2016 business plan"
        )
    return True


def load_register(staff: User) -> int:
    if Member.objects.exists():
        return 0
    certificate = 0
    practices = list(Practice.objects.order_by("code"))
    for position, practice in enumerate(practices, 1):
        member = member_invite(practice, actor=staff, invited_on=datetime.date(2016, 5, 23))
        lead = {
            "lead_name": f"Dr {chr(65 + position % 26)}. Lead-{practice.code} (demo)",
            "lead_job_title": "GP partner",
            "lead_email": f"lead.{practice.code.lower()}@example.org",
        }
        if position in INVITED:
            member_update(member, actor=staff, **lead)
        elif position in DECLINED:
            member_update(
                member, actor=staff, status=MemberStatus.DECLINED, notes="Declined in June 2016 (demo).", **lead
            )
        else:
            certificate += 1
            member_update(
                member,
                actor=staff,
                status=MemberStatus.MEMBER,
                joined_on=datetime.date(2016, 5, 23),
                share_certificate_number=f"OC{certificate:04d}",
                share_paid_on=datetime.date(2016, 7, 1) + datetime.timedelta(days=position % 60),
                **lead,
            )
    return len(practices)


def _at(day: datetime.date, hour: int = 9) -> datetime.datetime:
    return datetime.datetime(day.year, day.month, day.day, hour, tzinfo=LONDON)


def load_offer_ballot(staff: User, lmc: User) -> Ballot | None:
    if Ballot.objects.filter(title=OFFER_TITLE).exists():
        return None
    ballot = Ballot.objects.create(
        title=OFFER_TITLE,
        kind=BallotKind.QUESTION,
        question=OFFER_QUESTION,
        electorate=ElectorateKind.ONECARE_MEMBERS,
        opens_at=_at(datetime.date(2016, 5, 23)),
        postal_deadline=datetime.date(2016, 6, 17),
        meeting_date=datetime.date(2016, 6, 21),
    )
    ballot = ballot_open(ballot, actor=staff)
    electors = list(ballot.electors.select_related("practice").order_by("practice__code"))
    for position, elector in enumerate(electors[:VOTERS], 1):
        answer = Answer.NO if position in NO else Answer.ABSTAIN if position in ABSTAIN else Answer.YES
        if position % 4 == 0:
            channel, received = Channel.MEETING, ballot.meeting_date
        else:
            channel, received = Channel.POSTAL, datetime.date(2016, 6, 1) + datetime.timedelta(days=position % 17)
        vote_cast(ballot, elector.practice, actor=staff, channel=channel, answer=answer, received_on=received)
    # Closed after the meeting and certified by the LMC the next morning, as it happened in 2016.
    ballot_close(ballot, actor=staff, at=_at(ballot.meeting_date, 18))
    return ballot_certify(ballot, actor=lmc, at=_at(ballot.meeting_date + datetime.timedelta(days=1), 10))


def load_south_bristol(staff: User, lmc: User) -> None:
    locality = Locality.objects.filter(code="sbris").first()
    title = "South Bristol: ratify the inter-practice agreement (demo)"
    if locality is None or Ballot.objects.filter(title=title).exists():
        return
    common = {
        "electorate": ElectorateKind.LOCALITY,
        "locality": locality,
        "opens_at": _at(datetime.date(2017, 10, 2)),
        "postal_deadline": datetime.date(2017, 10, 20),
    }
    question = ballot_open(
        Ballot.objects.create(
            title=title, question="Do you agree the South Bristol inter-practice agreement?", **common
        ),
        actor=staff,
    )
    election = Ballot.objects.create(
        title="South Bristol: lead representative (demo)", kind=BallotKind.ELECTION, seats=1, **common
    )
    Candidate.objects.create(ballot=election, name="Dr C. Demo", nominated_by="Two member practices (demo)")
    Candidate.objects.create(ballot=election, name="Dr P. Demo", nominated_by="Two member practices (demo)")
    election = ballot_open(election, actor=staff)
    candidates = list(election.candidates.order_by("name"))
    practices = [e.practice for e in question.electors.order_by("practice__code")]
    decision_record(
        locality,
        actor=staff,
        text="Adopt the South Bristol inter-practice agreement as the basis of the Locality Vehicle (demo).",
        decided_on=datetime.date(2017, 10, 20),
        ballot=question,
    )
    for position, practice in enumerate(practices):
        received = datetime.date(2017, 10, 3) + datetime.timedelta(days=position % 14)
        answer = Answer.NO if position in {4, 11} else Answer.YES
        vote_cast(question, practice, actor=staff, channel=Channel.POSTAL, answer=answer, received_on=received)
        choice = candidates[1] if position % 3 == 2 else candidates[0]
        if position < len(practices) - 2:
            vote_cast(
                election, practice, actor=staff, channel=Channel.POSTAL, candidates=[choice], received_on=received
            )
    for ballot in (question, election):
        ballot_close(ballot, actor=staff, at=_at(ballot.postal_deadline, 18))
        ballot_certify(ballot, actor=lmc, at=_at(ballot.postal_deadline + datetime.timedelta(days=3), 10))


BOARD_TITLE = "One Care board: practice representatives (demo)"
BOARD_CANDIDATES = ["Dr E. Demo", "Dr F. Demo", "Dr G. Demo", "Dr H. Demo", "Dr J. Demo"]
KEEP_FOR_DEMO_LOGIN = "L81007"  # the demo practice manager's practice: left unvoted so the demo can vote


def load_open_election(staff: User) -> Ballot | None:
    """An election open now (dates relative to today), so the demo practice manager can vote in the browser."""
    if Ballot.objects.filter(title=BOARD_TITLE).exists():
        return None
    today = timezone.localdate()
    opened = today - datetime.timedelta(days=7)
    ballot = Ballot.objects.create(
        title=BOARD_TITLE,
        kind=BallotKind.ELECTION,
        seats=3,
        electorate=ElectorateKind.ONECARE_MEMBERS,
        opens_at=_at(opened),
        postal_deadline=today + datetime.timedelta(days=14),
    )
    for name in BOARD_CANDIDATES:
        Candidate.objects.create(ballot=ballot, name=name, nominated_by="Two member practices (demo)")
    ballot = ballot_open(ballot, actor=staff)
    candidates = list(ballot.candidates.order_by("name"))
    electors = ballot.electors.exclude(practice__code=KEEP_FOR_DEMO_LOGIN).select_related("practice")
    for position, elector in enumerate(electors.order_by("practice__code")[:24]):
        marks = [candidates[position % 5], candidates[(position + 1) % 5], candidates[(position * 2 + 3) % 5]]
        received = opened + datetime.timedelta(days=position % 7)
        vote_cast(ballot, elector.practice, actor=staff, channel=Channel.POSTAL, candidates=marks, received_on=received)
    return ballot


def load_demo() -> dict[str, int | bool]:
    """Load the One Care demo data; safe to call on every `load_demo_data`."""
    with transaction.atomic():
        people = _people()
        staff, lmc = people[ONECARE_STAFF], people[SCRUTINEER]
        plan = load_business_plan()
        members = load_register(staff)
        offer = load_offer_ballot(staff, lmc)
        load_south_bristol(staff, lmc)
        load_open_election(staff)
        # After the 2016 vote: practices that have since closed leave One Care (their history shows it).
        closed = Member.objects.filter(status=MemberStatus.MEMBER, practice__closed_on__lte=timezone.localdate())
        for member in closed.select_related("practice"):
            member_update(
                member,
                actor=staff,
                status=MemberStatus.LEFT,
                left_on=member.practice.closed_on,
                reason="The practice closed (demo)",
            )
    return {"business_plan_loaded": plan, "members_created": members, "offer_ballot_loaded": offer is not None}
