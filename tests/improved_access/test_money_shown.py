"""Issue 16, "Improved Access money never appears": each quarter's payment in words and money, the overview's money
per locality, a commissioner running a quarter's evaluation from the portal, the scheme's quarters only, the plan's
own compliance on its page, no plan submitted without its declarations, the plan in force (accepted) judged, and the
demo's IA money proposed and paid."""

import datetime
import re

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse

from funding.models import Release, ReleaseState
from improved_access.compliance import assess
from improved_access.models import ActivityReturn, DeclarationKind, DeclarationStatus, Plan, PlanStatus, RuleKind
from improved_access.payments import evaluate_improved_access
from improved_access.quarters import Quarter
from localities.models import Locality
from onecare.accounts.roles import Role
from tests.onecare.factories import UserFactory

from .factories import DeclarationFactory, PlanFactory, compliant_plan, week

MAY_2018 = datetime.datetime(2018, 5, 2, 12, tzinfo=datetime.UTC)
AUGUST_2018 = datetime.datetime(2018, 8, 2, 12, tzinfo=datetime.UTC)
DECEMBER_2026 = datetime.datetime(2026, 12, 6, 12, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.PORTAL_REQUIRE_2FA = False


@pytest.fixture
def lead(locality):
    return UserFactory(role=Role.LOCALITY_LEAD, locality=locality)


@pytest.fixture
def commissioner(bnssg):
    return UserFactory(role=Role.COMMISSIONER, commissioner=bnssg)


def trend_rows(html: str) -> list[str]:
    table = html.split('id="ia-trend"', 1)[1].split("</table>", 1)[0]
    return re.findall(r"<tr class=\"nhsuk-table__row\">(.*?)</tr>", table, flags=re.S)[1:]


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_each_quarter_shows_its_payment_in_words_and_money(client, locality, lead):
    compliant_plan(locality)
    with time_machine.travel(MAY_2018, tick=False):
        evaluate_improved_access(Quarter(2018, 1), today=datetime.date(2018, 5, 2))
        client.force_login(lead)
        html = client.get(reverse("improved_access:status", args=[locality.code])).content.decode()
    (row,) = trend_rows(html)
    assert "£30,000.00 proposed" in text(row)
    assert "None" not in text(html.split("<main", 1)[1])


def test_a_quarter_not_compliant_or_not_evaluated_says_so(client, locality, lead):
    plan = PlanFactory(locality=locality)  # a draft: not compliant
    week(plan)
    with time_machine.travel(AUGUST_2018, tick=False):
        evaluate_improved_access(Quarter(2018, 1), today=datetime.date(2018, 8, 2))
        client.force_login(lead)
        html = client.get(reverse("improved_access:status", args=[locality.code])).content.decode()
    first, second = (text(row) for row in trend_rows(html))
    assert "Not paid: not compliant" in first
    assert "No payment yet" in second


def test_the_overview_shows_each_localitys_money(client, locality, commissioner):
    compliant_plan(locality)
    with time_machine.travel(MAY_2018, tick=False):
        evaluate_improved_access(Quarter(2018, 1), today=datetime.date(2018, 5, 2))
        client.force_login(commissioner)
        html = client.get(reverse("improved_access:overview")).content.decode()
    body = text(html.split('id="ia-overview"', 1)[1].split("</table>", 1)[0])
    assert "£30,000.00 proposed" in body
    assert "£30,000.00 proposed or being approved" in body
    assert "None" not in body


def test_the_overview_draws_each_localitys_money_beside_the_table(client, locality, commissioner):
    compliant_plan(locality)
    with time_machine.travel(MAY_2018, tick=False):
        evaluate_improved_access(Quarter(2018, 1), today=datetime.date(2018, 5, 2))
        client.force_login(commissioner)
        html = client.get(reverse("improved_access:overview")).content.decode()
    assert "Improved Access money so far, and compliance, by locality" in html
    chart = html.split('<svg class="portal-svg', 1)[1].split("</svg>", 1)[0]
    assert 'role="img"' in chart and 'aria-labelledby="ia-money-chart-title ia-money-chart-desc"' in chart
    # The only locality with money: its proposed bar, nothing paid yet.
    assert "portal-svg__series--proposed" in chart and "portal-svg__series--paid" not in chart
    assert "South Bristol, Proposed or being approved: £30,000.00" in text(chart)
    assert "style=" not in chart and "<script" not in chart


def test_a_commissioner_runs_a_quarters_evaluation_after_confirming(client, locality, commissioner):
    compliant_plan(locality)
    url = reverse("improved_access:overview")
    with time_machine.travel(MAY_2018, tick=False):
        client.force_login(commissioner)
        page = client.get(url).content.decode()
        assert 'id="ia-evaluate"' in page and 'value="2018Q1"' in page
        refused = client.post(url, {"quarter": "2018Q1"})
        assert refused.status_code == 200 and "Confirm that you want" in refused.content.decode()
        assert not Release.objects.filter(tranche__scheme__code="ia").exists()
        done = client.post(url, {"quarter": "2018Q1", "confirm": "on"}, follow=True)
    (release,) = Release.objects.filter(tranche__scheme__code="ia")
    assert (release.amount, release.state, release.triggered_by) == (30000, ReleaseState.PROPOSED, commissioner)
    said = text(done.content.decode())
    assert "2018Q1 evaluated" in said and "£30,000.00 proposed" in said and locality.name in said


def test_only_a_commissioner_runs_the_evaluation(client, locality, bnssg):
    compliant_plan(locality)
    finance = UserFactory(role=Role.FINANCE_APPROVER, commissioner=bnssg)
    with time_machine.travel(MAY_2018, tick=False):
        client.force_login(finance)
        response = client.post(reverse("improved_access:overview"), {"quarter": "2018Q1", "confirm": "on"})
    assert response.status_code == 403
    assert not Release.objects.filter(tranche__scheme__code="ia").exists()


def test_the_quarter_table_lists_the_schemes_quarters_only(client, locality, lead):
    compliant_plan(locality)
    with time_machine.travel(DECEMBER_2026, tick=False):
        client.force_login(lead)
        url = reverse("improved_access:status", args=[locality.code])
        rows = [text(row) for row in trend_rows(client.get(url).content.decode())]
        assert [row.split()[0] for row in rows] == ["2018Q1", "2018Q2", "2018Q3", "2018Q4"]
        ActivityReturn.objects.create(
            locality=locality, quarter="2019Q2", file_name="late.csv", uploaded_by=lead, uploaded_at=DECEMBER_2026
        )
        rows = [text(row) for row in trend_rows(client.get(url).content.decode())]
    assert rows[-1].split()[0] == "2019Q2" and len(rows) == 6


def test_the_plan_page_shows_the_plans_compliance(client, locality, lead):
    plan = PlanFactory(locality=locality)
    week(plan, sunday=None)
    with time_machine.travel(MAY_2018, tick=False):
        client.force_login(lead)
        html = client.get(reverse("improved_access:plan", args=[locality.code, 1])).content.decode()
    assert 'id="ia-plan-compliance"' in html and 'id="ia-rules"' in html
    rules = text(html.split('id="ia-rules"', 1)[1].split("</dl>", 1)[0])
    assert "Weekday evenings Met" in rules and "Sunday: no sessions" in rules and "Not met" in rules


def test_a_plan_is_not_submitted_until_every_declaration_is(client, locality, lead):
    plan = PlanFactory(locality=locality)
    week(plan)
    url = reverse("improved_access:plan", args=[locality.code, 1])
    with time_machine.travel(MAY_2018, tick=False):
        client.force_login(lead)
        page = client.get(url).content.decode()  # makes the seven draft declarations if missing
        if not plan.declarations.exists():
            for kind in DeclarationKind:
                DeclarationFactory(plan=plan, kind=kind)
            page = client.get(url).content.decode()
        assert 'id="ia-declarations-missing"' in page and "7 of 7 declarations are not yet submitted" in page
        refused = client.post(url, {"action": "submit"}, follow=True)
        said = text(refused.content.decode())
        assert Plan.objects.get(pk=plan.pk).status == PlanStatus.DRAFT
        assert "Submit every declaration before the plan: 7 of 7 not yet submitted" in said
        assert "Digital approaches" in said
        plan.declarations.update(status=DeclarationStatus.SUBMITTED, evidence="Shown at the hub.")
        client.post(url, {"action": "submit"})
    assert Plan.objects.get(pk=plan.pk).status == PlanStatus.SUBMITTED


def test_a_phase_2_draft_does_not_replace_the_accepted_plan(client, locality, lead):
    first = compliant_plan(locality)
    PlanFactory(locality=locality, phase=2, starts_on=datetime.date(2018, 7, 1))  # a draft, no sessions
    on = datetime.date(2018, 8, 2)
    assessment = assess(locality, on)
    assert assessment.plan == first
    results = {r.kind: r for r in assessment.results}
    assert results[RuleKind.EVENINGS].passed and results[RuleKind.CAPACITY].passed
    assert not results[RuleKind.PHASE_TWO_PLAN].passed  # still owed: the phase 2 plan is not accepted
    with time_machine.travel(AUGUST_2018, tick=False):
        client.force_login(lead)
        html = client.get(reverse("improved_access:status", args=[locality.code])).content.decode()
    rules = text(html.split('id="ia-rules"', 1)[1].split("</dl>", 1)[0])
    assert "Weekday evenings Met" in rules and "Plan: accepted" in rules


def test_the_demo_shows_ia_money_proposed_and_paid(client):
    call_command("load_demo_data", verbosity=0)
    south = Locality.objects.get(code="sbris")
    states = dict(
        Release.objects.filter(locality=south, tranche__scheme__code="ia").values_list("tranche__code", "state")
    )
    assert states == {
        "2018Q1": ReleaseState.PAID,
        "2018Q2": ReleaseState.PROPOSED,
        "2018Q3": ReleaseState.PROPOSED,
        "2018Q4": ReleaseState.PROPOSED,
    }
    paid = Release.objects.get(locality=south, tranche__code="2018Q1", tranche__scheme__code="ia")
    moves = {t.to_state: t.actor.username for t in paid.transitions.filter(actor__isnull=False).select_related("actor")}
    assert moves[ReleaseState.APPROVED] not in {"commissioner", "finance"}
    assert moves[ReleaseState.AUTHORISED] == "finance" and moves[ReleaseState.PAID] == "finance"
    client.force_login(_user("locality.lead"))
    html = client.get(reverse("improved_access:status", args=["sbris"])).content.decode()
    rows = [text(row) for row in trend_rows(html)]
    assert re.search(r"£[\d,]+\.\d\d paid", rows[0]) and re.search(r"£[\d,]+\.\d\d proposed", rows[1])
    client.force_login(_user("commissioner"))
    overview = text(client.get(reverse("improved_access:overview")).content.decode())
    assert re.search(r"South Bristol.*£[\d,]+\.\d\d paid", overview)


def _user(username):
    from onecare.accounts.models import User

    return User.objects.get(username=username)
