"""Two localities in two CCGs, one person per role, and one record of each kind on each side.

"own" is South Bristol (Bristol CCG, 11H): every scoped user belongs there; "other" is Woodspring
(North Somerset CCG, 11T). The access matrix and the fuzz tests request pages about both.
"""

import datetime
from types import SimpleNamespace

from django.core.files.base import ContentFile
from django.utils import timezone

from funding.models import EvidenceFile
from localities.models import LocalityMembership
from onecare.accounts.roles import STAFF_ROLES, Role
from onecare.ballots.transitions import ballot_open
from tests.funding.factories import EvidenceFactory, ItemFactory, PhaseFactory
from tests.localities.factories import (
    CommissionerFactory,
    ListSizeFactory,
    LocalityFactory,
    MembershipFactory,
    PracticeCommissionerFactory,
    PracticeFactory,
    RepresentativeFactory,
    SubLocalityFactory,
    VehicleFactory,
)
from tests.onecare.factories import UserFactory
from tests.onecare.onecare_factories import BallotFactory, MemberFactory

ANONYMOUS = "anonymous"
# The matrix's columns: anonymous, then every role.
PEOPLE = [ANONYMOUS, *Role]


def make_side(code: str, name: str, commissioner) -> SimpleNamespace:
    locality = LocalityFactory(code=code, name=name, commissioner=commissioner)
    practices = []
    for patients in (60_000, 45_000):
        practice = PracticeFactory()
        PracticeCommissionerFactory(practice=practice, commissioner=commissioner)
        ListSizeFactory(practice=practice, registered_patients=patients)
        ListSizeFactory(practice=practice, extract_date=datetime.date(2016, 4, 1), registered_patients=patients)
        MembershipFactory(practice=practice, locality=locality)
        MemberFactory(practice=practice)
        practices.append(practice)
    VehicleFactory(locality=locality)
    return SimpleNamespace(
        locality=locality,
        practice=practices[0],
        membership=LocalityMembership.objects.filter(locality=locality).order_by("pk").first(),
        representative=RepresentativeFactory(locality=locality),
        sub_locality=SubLocalityFactory(locality=locality),
    )


def make_user(role: Role, own: SimpleNamespace):
    scope = {
        Role.COMMISSIONER: {"commissioner": own.locality.commissioner},
        Role.FINANCE_APPROVER: {"commissioner": own.locality.commissioner},
        Role.PRACTICE_MANAGER: {"practice": own.practice},
        Role.LOCALITY_LEAD: {"locality": own.locality},
    }.get(role, {})
    user = UserFactory(role=role, username=role.value.replace(" ", "-").lower(), **scope)
    user.is_staff = role in STAFF_ROLES  # as the demo loader and the admin's user form set it
    user.save()
    return user


def build_world() -> SimpleNamespace:
    bristol = CommissionerFactory(code="11H", name="NHS Bristol CCG", valid_to=datetime.date(2018, 3, 31))
    north_somerset = CommissionerFactory(code="11T", name="NHS North Somerset CCG", valid_to=datetime.date(2018, 3, 31))
    own = make_side("sbris", "South Bristol", bristol)
    other = make_side("wood", "Woodspring", north_somerset)
    item = ItemFactory(phase=PhaseFactory(number=1))
    users = {role: make_user(role, own) for role in Role}
    for side in (own, other):
        side.item = item
        side.evidence = EvidenceFactory(locality=side.locality, item=item, submitted=True)
        side.file = EvidenceFile.objects.create(
            evidence=side.evidence,
            file=ContentFile(b"%PDF-1.4\n%%EOF\n", name="agreement.pdf"),
            original_name="agreement.pdf",
            content_type="application/pdf",
            size=15,
            uploaded_by=users[Role.PRACTICE_MANAGER],
            uploaded_at=timezone.now(),
        )
    # Open, so voters see it: the electorate is every One Care member practice, own and other.
    ballot = ballot_open(BallotFactory(), actor=users[Role.ONECARE_STAFF])
    return SimpleNamespace(own=own, other=other, users=users, ballot=ballot)
