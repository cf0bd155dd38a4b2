"""Query budgets: each page the roles use runs as many queries at ten times the BNSSG demo size as at that size.

The data is built once for the module (the synthetic generator, with every locality under one commissioner so
a commissioner's pages grow with it, plus One Care members, ballots and a business plan), every page is
counted at the BNSSG size (96 practices, 6 localities), the data grows tenfold, and every page is counted again.
"""

import datetime

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

from devdata.scale import generate_scale_data
from funding.models import Evidence, EvidenceStatus, PaymentRun, Release
from localities.models import Locality, LocalityMembership, Practice
from onecare.accounts.models import User
from onecare.accounts.roles import Role
from onecare.ballots.models import Ballot, Decision
from onecare.membership.models import Member, MemberStatus
from tests.onecare.factories import UserFactory
from tests.onecare.onecare_factories import BallotFactory, onecare_staff, scrutineer

BNSSG = {"practices": 96, "localities": 6}
TENFOLD = {"practices": 864, "localities": 54}  # on top of BNSSG: 960 practices in 60 localities
HOME = "scl00000"


def grow(step: int, size: dict) -> None:
    generate_scale_data(**size, quarters=4, seed=step, commissioners=1)
    with_member = Member.objects.values("practice_id")
    Member.objects.bulk_create(
        Member(
            practice=practice,
            status=MemberStatus.MEMBER,
            joined_on=datetime.date(2016, 6, 21),
            share_certificate_number=f"SC{practice.code}",
            lead_name=f"Dr {practice.code}",
        )
        for practice in Practice.objects.exclude(pk__in=with_member)
    )
    from onecare.ballots.transitions import ballot_open

    staff = onecare_staff()
    for _ in range(2):
        ballot_open(BallotFactory(), actor=staff)
    home = Locality.objects.get(code=HOME)
    if step > 1:
        crowd_home(home)
    Decision.objects.bulk_create(
        Decision(locality=home, text=f"Decision {step}.{n}", decided_on=datetime.date(2018, 1, 1)) for n in range(5)
    )
    business_plan(step)


def crowd_home(home: Locality) -> None:
    """Grow the locality whose pages are counted tenfold too: members (and sub-localities) move in from others."""
    from localities.models import Representative, SubLocality

    here = LocalityMembership.objects.filter(locality=home).count()
    subs = [SubLocality.objects.create(locality=home, name=f"Quarter {n}") for n in range(4)]
    movers = list(LocalityMembership.objects.exclude(locality=home).order_by("-pk")[: 9 * here])
    for n, membership in enumerate(movers):
        membership.locality, membership.sub_locality = home, subs[n % len(subs)]
    LocalityMembership.objects.bulk_update(movers, ["locality", "sub_locality"])
    Representative.objects.bulk_create(
        Representative(locality=home, role="deputy", name=f"Deputy {n}", valid_from=datetime.date(2017, 10, 1))
        for n in range(5)
    )


def business_plan(step: int) -> None:
    from onecare.businessplan.models import Activity, Area, Risk

    if step == 1:
        call_command("loaddata", "fixtures/onecare_businessplan.json", verbosity=0)
    area = Area.objects.order_by("letter").first()
    top = max(Activity.objects.filter(area=area).values_list("number", flat=True), default=0)
    Activity.objects.bulk_create(
        Activity(area=area, number=top + n + 1, text=f"Synthetic activity {step}.{n}") for n in range(10 * step)
    )
    top = max(Risk.objects.values_list("number", flat=True), default=0)
    Risk.objects.bulk_create(
        Risk(
            number=top + n + 1,
            description="Synthetic risk",
            mitigation="Watch it",
            likelihood=2,
            impact=3,
            owner="Board",
            review_date=datetime.date(2018, 1, 1),
        )
        for n in range(5 * step)
    )


def people() -> dict[str, User]:
    from localities.models import Commissioner

    commissioner = Commissioner.objects.get(code="S00")
    practice = LocalityMembership.objects.filter(locality__code=HOME).order_by("pk").first().practice
    superuser = UserFactory(username="perf.superuser", is_staff=True, is_superuser=True)
    return {
        "commissioner": UserFactory(username="perf.commissioner", role=Role.COMMISSIONER, commissioner=commissioner),
        "finance": UserFactory(username="perf.finance", role=Role.FINANCE_APPROVER, commissioner=commissioner),
        "data_admin": UserFactory(username="perf.data", role=Role.DATA_ADMIN),
        "lead": User.objects.get(username=f"scale.lead.{HOME}"),
        "manager": UserFactory(username="perf.manager", role=Role.PRACTICE_MANAGER, practice=practice),
        "onecare_staff": onecare_staff(username="perf.onecare"),
        "scrutineer": scrutineer(username="perf.scrutineer"),
        "superuser": superuser,
    }


def pages() -> dict[str, tuple[str, str, int]]:
    """name: (who, url, expected status)."""
    home = Locality.objects.get(code=HOME)
    evidence = Evidence.objects.filter(locality=home).order_by("item__number").first()
    submitted = Evidence.objects.filter(status=EvidenceStatus.SUBMITTED).order_by("pk").first()
    ballot = Ballot.objects.order_by("pk").first()
    release = Release.objects.filter(locality=home).order_by("pk").first() or Release.objects.order_by("pk").first()
    run = PaymentRun.objects.order_by("pk").first()
    found = {
        "home commissioner": ("commissioner", "/", 302),
        "home finance": ("finance", "/", 302),
        "home lead": ("lead", "/", 302),
        "home manager": ("manager", "/", 302),
        "home data admin": ("data_admin", "/", 302),
        "home One Care staff": ("onecare_staff", "/", 302),
        "localities overview": ("commissioner", "/localities/", 200),
        "localities overview (data admin)": ("data_admin", "/localities/", 200),
        "locality detail": ("commissioner", f"/localities/{HOME}/", 200),
        "locality detail (lead)": ("lead", f"/localities/{HOME}/", 200),
        "governance summary": ("lead", f"/localities/{HOME}/governance/", 200),
        "checklist": ("manager", f"/funding/{HOME}/", 200),
        "checklist item": ("lead", f"/funding/{HOME}/items/{evidence.item_id}/", 200),
        "review queue": ("commissioner", "/funding/review/", 200),
        "review queue (all)": ("commissioner", "/funding/review/?status=all", 200),
        "review": ("commissioner", f"/funding/review/{submitted.pk}/", 200),
        "money dashboard": ("commissioner", "/funding/money/", 200),
        "money dashboard (finance)": ("finance", "/funding/money/", 200),
        "approvals inbox": ("commissioner", "/funding/approvals/", 200),
        "approvals inbox (finance)": ("finance", "/funding/approvals/?state=all", 200),
        "release page": ("commissioner", f"/funding/releases/{release.pk}/", 200),
        "One Care register": ("onecare_staff", "/onecare/register/", 200),
        "ballots": ("onecare_staff", "/onecare/ballots/", 200),
        "ballot": ("onecare_staff", f"/onecare/ballots/{ballot.pk}/", 200),
        "ballot decisions": ("onecare_staff", f"/onecare/ballots/decisions/{HOME}/", 200),
        "business plan": ("onecare_staff", "/onecare/business-plan/", 200),
        "admin practices": ("data_admin", "/admin/localities/practice/", 200),
        "admin list sizes": ("data_admin", "/admin/localities/listsizesnapshot/", 200),
        "admin localities": ("data_admin", "/admin/localities/locality/", 200),
        "admin memberships": ("data_admin", "/admin/localities/localitymembership/", 200),
        "admin import records": ("superuser", "/admin/localities/importrecord/", 200),
        "admin evidence": ("commissioner", "/admin/funding/evidence/", 200),
        "admin releases": ("commissioner", "/admin/funding/release/", 200),
        "admin releases (finance)": ("finance", "/admin/funding/release/", 200),
        "admin release": ("commissioner", f"/admin/funding/release/{release.pk}/change/", 200),
        "admin payment runs": ("finance", "/admin/funding/paymentrun/", 200),
        "admin payment run": ("finance", f"/admin/funding/paymentrun/{run.pk}/change/", 200),
    }
    return found


def count_all(users: dict[str, User]) -> dict[str, int]:
    counts, wrong = {}, []
    for name, (who, url, status) in pages().items():
        client = Client(raise_request_exception=False)
        client.force_login(users[who])
        client.get(url)  # warm: the session, the content types and permission caches
        # The page's own queries, rendered afresh: the second visit would otherwise come from the page cache.
        with override_settings(PORTAL_PAGE_CACHE=False), CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        if response.status_code != status:
            wrong.append(f"{name}: {url} as {who} gave {response.status_code}")
        counts[name] = len(queries)
    assert not wrong, wrong
    return counts


@pytest.fixture(scope="module")
def budgets(django_db_setup, django_db_blocker):
    """{page: (queries at the BNSSG size, queries at ten times that)}, counted inside one rolled-back transaction."""
    with django_db_blocker.unblock(), transaction.atomic():
        grow(1, BNSSG)
        users = people()
        small = count_all(users)
        grow(2, TENFOLD)
        assert Practice.objects.count() == 960
        large = count_all(users)
        transaction.set_rollback(True)
    return {name: (small[name], large[name]) for name in small}


PAGES = [
    "home commissioner",
    "home finance",
    "home lead",
    "home manager",
    "home data admin",
    "home One Care staff",
    "localities overview",
    "localities overview (data admin)",
    "locality detail",
    "locality detail (lead)",
    "governance summary",
    "checklist",
    "checklist item",
    "review queue",
    "review queue (all)",
    "review",
    "money dashboard",
    "money dashboard (finance)",
    "approvals inbox",
    "approvals inbox (finance)",
    "release page",
    "One Care register",
    "ballots",
    "ballot",
    "ballot decisions",
    "business plan",
    "admin practices",
    "admin list sizes",
    "admin localities",
    "admin memberships",
    "admin import records",
    "admin evidence",
    "admin releases",
    "admin releases (finance)",
    "admin release",
    "admin payment runs",
    "admin payment run",
]


@pytest.mark.parametrize("page", PAGES)
def test_it_runs_the_same_queries_at_ten_times_the_size(budgets, page):
    at_bnssg, at_tenfold = budgets[page]
    assert at_tenfold == at_bnssg, f"{page}: {at_bnssg} queries at the BNSSG size, {at_tenfold} at ten times it"


def test_it_counts_every_page(budgets):
    assert sorted(budgets) == sorted(PAGES)
    print({page: budgets[page] for page in PAGES})
