"""Paid payment runs for the remittance and practice-money tests, made through the real transitions.

`paid_scene` evaluates the real LTS tranches on 1 June 2018 for South Bristol (T1 on joining, T2a on 2.1's
accepted evidence) and Woodspring (T1), authorises them and pays them in one run of the merged CCG.
`paid_run_for` pays one release of one locality (the access matrix's world).
"""

import datetime
import io
import re
from decimal import Decimal
from types import SimpleNamespace

from django.utils import timezone
from pypdf import PdfReader

from funding.evaluation import evaluate_milestones
from funding.models import MilestoneEvaluation, Release, ReleaseKind, ReleaseLine, ReleaseState, Tranche
from funding.payment_runs import payment_run_add, payment_run_create, payment_run_lock, payment_run_mark_paid
from localities.models import LocalityMembership, LocalityVehicle
from onecare.accounts.roles import Role
from tests.onecare.factories import UserFactory

from .ledger import accept, join, mark

JUNE_2018 = datetime.date(2018, 6, 1)
ACCEPTED_AT = datetime.datetime(2018, 5, 2, 10, 0, tzinfo=datetime.UTC)


PAY_DATE = datetime.date(2018, 6, 15)


def pay(releases, *, finance, commissioner, name="LTS payments, June 2018", cost_centre="LTS001"):
    run = payment_run_create(commissioner, actor=finance, name=name, cost_centre=cost_centre, pay_date=PAY_DATE)
    payment_run_add(run, releases, actor=finance)
    payment_run_lock(run, actor=finance)
    return payment_run_mark_paid(run, actor=finance, paid_on=timezone.localdate())


def paid_scene(people, lts_rules, bnssg, make_member_practice, extra_practices: int = 0) -> SimpleNamespace:
    south_bristol, woodspring = people.south_bristol, people.woodspring
    for n in range(extra_practices):
        make_member_practice(south_bristol, patients=7_001 + 37 * n)
    opted = LocalityMembership.objects.filter(locality=south_bristol).order_by("pk")[1]
    opted.opted_out_on, opted.opt_out_reason = datetime.date(2017, 11, 1), "Works with another federation."
    opted.save()
    join(south_bristol, woodspring)
    LocalityVehicle.objects.filter(locality=south_bristol).update(
        kind="formal",
        legal_name="South Bristol Health & Care Ltd",
        supplier_number="SUP-40117",
        bank_reference="LTS SBRIS",
    )
    accept(south_bristol, lts_rules.items["2.1"], at=ACCEPTED_AT)
    proposed = evaluate_milestones(JUNE_2018).proposed
    authorised = [mark(release, ReleaseState.AUTHORISED) for release in proposed]
    run = pay(authorised, finance=people.finance, commissioner=bnssg)
    return SimpleNamespace(
        run=run,
        releases=[r for r in authorised if r.locality_id == south_bristol.pk],
        wood_releases=[r for r in authorised if r.locality_id == woodspring.pk],
        opted_out_practice=opted.practice,
    )


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def flat(text: str) -> str:
    """The text with every run of white space (a wrapped line too) as one space."""
    return " ".join(text.split())


MONEY = re.compile(r"-?£[\d,]+\.\d\d")


def pounds(text: str) -> Decimal:
    """The amount of '£1,234.50' or '-£1,234.50'."""
    return Decimal(text.replace("£", "").replace(",", ""))


def amounts_in(text: str) -> list[Decimal]:
    return [pounds(found) for found in MONEY.findall(text)]


def paid_run_for(locality, *, amount=Decimal("52500.00")):
    """A paid run of the locality's CCG with one release of it, its lines from the locality's members (the world)."""
    commissioner = locality.commissioner
    finance = UserFactory(role=Role.FINANCE_APPROVER, commissioner=commissioner)
    from tests.funding.factories import SchemeFactory

    tranche, _ = Tranche.objects.get_or_create(
        scheme=SchemeFactory(),
        code="T1",
        defaults={"name": "Tranche 1", "rate": Decimal("0.50"), "reference_date": datetime.date(2018, 1, 1)},
    )
    evaluation = MilestoneEvaluation.objects.create(at=JUNE_2018, started_at=timezone.now(), trigger="test")
    practices = [m.practice for m in LocalityMembership.objects.filter(locality=locality).order_by("practice__code")]
    release = Release.objects.create(
        locality=locality,
        tranche=tranche,
        kind=ReleaseKind.RELEASE,
        rule={"tranche": "T1", "scheme": "lts", "opens_on_joining": True, "gate_evidence": []},
        rate=tranche.rate,
        basis="registered",
        population=amount / tranche.rate,
        reference_date=tranche.reference_date,
        amount=amount,
        evaluation=evaluation,
        proposed_at=timezone.now(),
    )
    share = (amount / len(practices)).quantize(Decimal("0.01"))
    for n, practice in enumerate(practices):
        last = n == len(practices) - 1
        ReleaseLine.objects.create(
            release=release,
            practice=practice,
            patients=release.population / len(practices),
            amount=amount - share * (len(practices) - 1) if last else share,
        )
    mark(release, ReleaseState.AUTHORISED)
    return pay([release], finance=finance, commissioner=commissioner, name=f"Test run {locality.code}")


def world_paid_run(side):
    """The access matrix's paid run of one side's locality, made the first time a page asks for it."""
    if getattr(side, "paid_run", None) is None:
        side.paid_run = paid_run_for(side.locality)
    return side.paid_run
