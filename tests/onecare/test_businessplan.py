from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse

from onecare.accounts.roles import Role
from onecare.businessplan.forecast import income_forecast, year_totals
from onecare.businessplan.models import Activity, Area, IncomeFigure, Risk
from tests.onecare.factories import PASSWORD, UserFactory

from .onecare_factories import MemberFactory, onecare_staff

MILLION = Decimal(1_000_000)


@pytest.fixture
def plan():
    call_command("loaddata", "fixtures/onecare_businessplan.json", verbosity=0)


def test_it_loads_the_eight_areas_and_their_activities(plan):
    assert list(Area.objects.values_list("letter", flat=True)) == list("ABCDEFGH")
    assert Activity.objects.count() == 30
    assert Activity.objects.get(area__letter="C", number=4).planned_start_year == 3
    assert Activity.objects.get(area__letter="D", number=1).planned_start_year is None


def test_it_loads_the_eight_risks_with_mitigations(plan):
    risks = list(Risk.objects.all())
    assert [r.number for r in risks] == list(range(1, 9))
    assert all(r.mitigation and 1 <= r.likelihood <= 5 and 1 <= r.impact <= 5 for r in risks)


def test_it_computes_the_table_one_totals(plan):
    totals = year_totals()
    assert [totals[y] / MILLION for y in ["2016/17", "2017/18", "2018/19", "2019/20"]] == [
        Decimal("12.59"),
        Decimal("6.59"),
        Decimal("9.59"),
        Decimal("9.59"),
    ]


def test_it_recomputes_the_totals_when_a_figure_changes(plan):
    figure = IncomeFigure.objects.get(source__order=3, year="2019/20")
    figure.amount = Decimal("1000000.00")
    figure.save()
    assert income_forecast().totals[-1] == Decimal("10090000.00")


def test_it_shows_the_plan_read_only_to_a_member_practice(plan, client):
    manager = UserFactory(role=Role.PRACTICE_MANAGER, practice=MemberFactory().practice)
    client.login(username=manager.username, password=PASSWORD)
    page = client.get(reverse("businessplan:plan"))
    assert page.status_code == 200
    assert b"12.59" in page.content and b"Not scheduled in the plan" in page.content
    assert b'<form method="post"' not in page.content


def test_it_refuses_the_plan_to_a_practice_that_is_not_a_member(plan, client):
    manager = UserFactory(role=Role.PRACTICE_MANAGER, practice=MemberFactory(invited=True).practice)
    client.login(username=manager.username, password=PASSWORD)
    assert client.get(reverse("businessplan:plan")).status_code == 403


def test_it_lets_one_care_staff_edit_the_plan_in_the_admin(plan, client):
    client.login(username=onecare_staff().username, password=PASSWORD)
    risk = Risk.objects.get(number=3)
    assert client.get(reverse("admin:businessplan_risk_change", args=[risk.pk])).status_code == 200
    assert client.get(reverse("admin:businessplan_incomesource_changelist")).status_code == 200
