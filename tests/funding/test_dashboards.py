"""The money dashboards (funding.dashboards, shown by portal.dashboards at /funding/money/): the LTS and Improved
Access together per CCG and locality, paid over time by month and scheme, the envelope used and remaining; charts
beside tables; a fixed number of queries however many localities there are."""

import datetime
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from funding.dashboards import money_by_ccg, paid_over_time
from funding.evaluation import evaluate_milestones
from funding.models import Release, ReleaseState
from improved_access.dashboards import ia_rate_a_year
from improved_access.payments import evaluate_improved_access
from improved_access.quarters import Quarter
from localities.models import Locality
from onecare.accounts.roles import Role
from portal.dashboards import money_dashboard
from tests.improved_access.factories import compliant_plan
from tests.localities.factories import LocalityFactory
from tests.onecare.factories import UserFactory

from .ledger import join, mark

D = datetime.date
MONEY = reverse("funding:money")


@pytest.fixture
def world(lts_rules, bnssg, north_somerset, make_member_practice):
    """South Bristol (15C: 20,000 registered and weighted) has its T1 paid in April 2018 and its Improved Access
    2018Q1 paid in July; Woodspring (11T: 30,000 registered, 31,000.5 weighted) has its T1 authorised."""
    south = LocalityFactory(code="sbris", name="South Bristol", commissioner=bnssg)
    wood = LocalityFactory(code="wood", name="Woodspring", commissioner=north_somerset)
    for _ in range(2):
        make_member_practice(south, patients=10_000, weighted=10_000)
    make_member_practice(wood, patients=30_000, weighted=Decimal("31000.5"))
    join(south, wood)
    lts = {r.locality.code: r for r in evaluate_milestones(D(2018, 6, 1)).proposed}
    compliant_plan(south)
    (ia,) = evaluate_improved_access(Quarter(2018, 1), today=D(2018, 7, 2)).proposed
    mark(lts["sbris"], ReleaseState.PAID, paid_on=D(2018, 4, 20))
    mark(ia, ReleaseState.PAID, paid_on=D(2018, 7, 20))
    mark(lts["wood"], ReleaseState.AUTHORISED)
    return south, wood


def test_it_adds_up_each_schemes_money_per_locality_and_both_together(world):
    groups, grand, rate = money_by_ccg(Locality.objects.all(), D(2019, 1, 1), ia_rate_a_year())
    rows = {row.name: row for group in groups for row in group.localities}
    south, wood = rows["South Bristol"], rows["Woodspring"]
    assert rate == Decimal("3.00")
    # LTS: £3.00 a registered head; Improved Access: £1.50 a weighted head for each of 2018/19's four quarters.
    assert (south.envelope, south.paid, south.remaining) == (Decimal("60000.00"), Decimal("10000.00"), 50_000)
    assert (south.ia.envelope, south.ia.paid, south.ia.remaining) == (Decimal("120000.00"), 30_000, 90_000)
    assert (south.both.envelope, south.both.paid, south.both.committed) == (180_000, 40_000, 0)
    assert (wood.committed, wood.remaining, wood.ia.envelope) == (15_000, 75_000, Decimal("186003.00"))
    assert wood.ia.population == Decimal("31000.5") and wood.population == 30_000
    # Each CCG its own group; the grand total of both schemes.
    assert [g.total.name for g in groups] == [str(wood.locality.commissioner), str(south.locality.commissioner)]
    assert (grand.both.envelope, grand.both.paid, grand.both.committed) == (
        Decimal("456003.00"),
        40_000,
        15_000,
    )
    assert grand.both.stages == [40_000, 15_000, 0, Decimal("401003.00")]


def test_it_counts_paid_money_by_month_and_scheme_with_every_month_between(world):
    months = paid_over_time(Locality.objects.all())
    assert [(m["month"], m["lts"], m["ia"], m["cumulative"]) for m in months] == [
        (D(2018, 4, 1), 10_000, 0, 10_000),
        (D(2018, 5, 1), 0, 0, 10_000),
        (D(2018, 6, 1), 0, 0, 10_000),
        (D(2018, 7, 1), 0, 30_000, 40_000),
    ]
    assert paid_over_time(Locality.objects.filter(code="wood")) == []


def test_the_page_draws_each_chart_beside_its_table(client, world, bnssg):
    client.force_login(UserFactory(role=Role.COMMISSIONER, commissioner=bnssg))

    page = client.get(MONEY).content.decode()

    svgs = [svg for svg in re.findall(r"<svg\b.*?</svg>", page, flags=re.S) if "<desc id=" in svg]
    ids = [re.search(r'aria-labelledby="([\w-]+)-title', svg).group(1) for svg in svgs]
    assert ids == ["money-chart-1", "money-chart-2", "envelope-chart", "paid-chart"]
    for svg in svgs:
        assert 'role="img"' in svg and "<title" in svg and "<desc" in svg
    assert "style=" not in page and "<script>" not in page
    paid_chart = svgs[-1]
    assert paid_chart.count('class="portal-svg__series--lts"') == 1 and "portal-svg__series--ia" in paid_chart
    assert "<polyline" in paid_chart and "Paid to date, end of July 2018: £40,000.00" in paid_chart
    # The figures beside the charts, in the one money format.
    for figure in ["£180,000.00", "£186,003.00", "£456,003.00", "£15,000.00", "£40,000.00", "31,001 weighted"]:
        assert figure in page, figure
    assert "May 2018" in page  # a month with nothing paid is still a row


def test_a_locality_with_nothing_is_drawn_without_a_bar_and_the_page_says_nothing_is_paid(client, lts_rules, people):
    client.force_login(people.bnssg_commissioner)

    page = client.get(MONEY).content.decode()

    assert "Nothing has been paid yet." in page and "paid-chart" not in page
    assert "£315,000.00" in page  # each locality's LTS envelope, nothing used


def grow(bnssg, make_member_practice, n: int) -> None:
    for i in range(n):
        locality = LocalityFactory(code=f"grow{i}", name=f"Growing {i}", commissioner=bnssg)
        make_member_practice(locality, patients=20_000, weighted=20_000)
        join(locality)
    for release in evaluate_milestones(D(2018, 6, 1)).proposed:
        mark(release, ReleaseState.PAID, paid_on=D(2018, 5 + release.pk % 6, 20))


def test_it_draws_the_page_in_the_same_number_of_queries_however_many_localities(
    client, world, bnssg, make_member_practice, settings
):
    settings.PORTAL_PAGE_CACHE = False  # the page's own queries, rendered afresh each time (not a cache hit)
    client.force_login(UserFactory(role=Role.COMMISSIONER, commissioner=bnssg))
    client.get(MONEY)
    with CaptureQueriesContext(connection) as few:
        client.get(MONEY)
    grow(bnssg, make_member_practice, 6)
    assert Release.objects.filter(state=ReleaseState.PAID).count() >= 8
    with CaptureQueriesContext(connection) as many:
        page = client.get(MONEY).content.decode()
    assert "Growing 5" in page
    assert len(many) == len(few)


def test_the_dashboard_builds_in_four_queries(world, django_assert_num_queries):
    with django_assert_num_queries(4):
        money_dashboard(Locality.objects.all(), D(2019, 1, 1))
