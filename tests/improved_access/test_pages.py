"""Every IA page as every role, and the journeys: a lead edits the plan, a commissioner accepts it."""

import datetime
from types import SimpleNamespace

import pytest
import time_machine
from django.urls import reverse

from improved_access.models import DeclarationKind, DeclarationStatus, Plan, PlanStatus, Session
from localities.models import LocalityMembership
from onecare.accounts.roles import Role
from tests.localities.factories import CommissionerFactory, LocalityFactory
from tests.onecare.factories import UserFactory

from .factories import SessionFactory, compliant_plan

WHEN = datetime.datetime(2018, 5, 2, 12, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.PORTAL_REQUIRE_2FA = False


@pytest.fixture(autouse=True)
def _may_2018():
    with time_machine.travel(WHEN, tick=False):
        yield


@pytest.fixture
def people(locality, bnssg):
    practice = LocalityMembership.objects.filter(locality=locality).first().practice
    return SimpleNamespace(
        lead=UserFactory(role=Role.LOCALITY_LEAD, locality=locality),
        other_lead=UserFactory(role=Role.LOCALITY_LEAD, locality=LocalityFactory(commissioner=bnssg)),
        commissioner=UserFactory(role=Role.COMMISSIONER, commissioner=bnssg),
        outsider=UserFactory(role=Role.COMMISSIONER, commissioner=CommissionerFactory(code="99X")),
        manager=UserFactory(role=Role.PRACTICE_MANAGER, practice=practice),
        finance=UserFactory(role=Role.FINANCE_APPROVER, commissioner=bnssg),
    )


def pages(locality):
    code = locality.code
    return {
        "status": reverse("improved_access:status", args=[code]),
        "plan": reverse("improved_access:plan", args=[code, 1]),
        "declaration": reverse("improved_access:declaration", args=[code, 1, "digital"]),
    }


# Who gets what on the locality's pages: leads of it and commissioners of its lineage read them.
EXPECTED = {"lead": 200, "commissioner": 200, "other_lead": 404, "outsider": 404, "manager": 403, "finance": 403}


@pytest.mark.parametrize("who", sorted(EXPECTED))
def test_it_shows_the_locality_pages_only_to_its_leads_and_commissioners(client, locality, people, who):
    compliant_plan(locality)
    client.force_login(getattr(people, who))
    for name, url in pages(locality).items():
        assert client.get(url).status_code == EXPECTED[who], name


def test_it_sends_anonymous_people_to_log_in(client, locality):
    response = client.get(pages(locality)["status"])
    assert response.status_code == 302 and "login" in response["Location"]


# Only the locality's leads return activity: everyone else who can see the locality is refused.
ACTIVITY = {**EXPECTED, "commissioner": 403}


@pytest.mark.parametrize("who", sorted(ACTIVITY))
def test_it_shows_the_activity_return_only_to_leads(client, locality, people, who):
    client.force_login(getattr(people, who))
    assert client.get(reverse("improved_access:activity", args=[locality.code])).status_code == ACTIVITY[who]


@pytest.mark.parametrize(("who", "expected"), [("commissioner", 200), ("finance", 403), ("manager", 403)])
def test_it_shows_the_overview_to_commissioners(client, locality, people, who, expected):
    compliant_plan(locality)
    client.force_login(getattr(people, who))
    response = client.get(reverse("improved_access:overview"))
    assert response.status_code == expected
    if expected == 200:
        assert "South Bristol" in response.content.decode()


def test_it_sends_a_lead_from_the_overview_to_their_locality(client, locality, people):
    client.force_login(people.lead)
    assert client.get(reverse("improved_access:overview"))["Location"] == pages(locality)["status"]


def test_it_shows_rules_with_figures_and_the_trend(client, locality, people):
    plan = compliant_plan(locality)
    plan.sessions.filter(day=1).update(ends_at=datetime.time(19, 30))
    client.force_login(people.commissioner)
    page = client.get(pages(locality)["status"]).content.decode()
    assert "Tuesday: 60 of 90 minutes after 18:30" in page
    assert "Not met" in page
    assert "<meter" in page and "2018Q1" in page
    assert "style=" not in page and "<script>" not in page


def submit_declarations(client, locality, but: str = "digital"):
    """The lead submits every declaration of the phase 1 plan (but one, submitted by the test itself)."""
    for kind in DeclarationKind:
        if kind != but:
            url = reverse("improved_access:declaration", args=[locality.code, 1, kind])
            assert client.post(url, {"action": "submit", "evidence": f"{kind.label}: see the hub."}).status_code == 302


def test_it_lets_a_lead_build_and_submit_a_plan(client, locality, people):
    client.force_login(people.lead)
    url = pages(locality)["plan"]
    start = client.get(url)
    assert start.status_code == 200 and "Start the plan" in start.content.decode()
    assert not Plan.objects.exists()  # a GET changes nothing
    assert client.post(url, {"action": "start"}).status_code == 302
    assert Plan.objects.get().declarations.count() == len(DeclarationKind)
    fields = {
        "action": "add-session",
        "site": "Central hub",
        "day": "5",
        "starts_at": "09:00",
        "ends_at": "13:00",
        "clinician_type": "gp",
        "appointment_minutes": "15",
        "booking": "both",
        "valid_from": "2018-04-01",
    }
    assert client.post(url, fields).status_code == 302
    bad = client.post(url, {**fields, "ends_at": "08:00"})
    assert "must end after it starts" in bad.content.decode()
    assert Session.objects.get().get_day_display() == "Saturday"
    declaration = pages(locality)["declaration"]
    assert client.post(declaration, {"action": "submit", "evidence": "Online booking."}).status_code == 302
    assert client.post(url, {"action": "submit"}).status_code == 302
    assert Plan.objects.get().status == PlanStatus.DRAFT  # six declarations not yet submitted (issue 16)
    submit_declarations(client, locality)
    assert client.post(url, {"action": "submit"}).status_code == 302
    assert Plan.objects.get().status == PlanStatus.SUBMITTED
    assert client.post(url, {**fields, "day": "6"}).status_code == 403  # submitted: no more changes


def test_it_lets_a_commissioner_accept_a_plan_and_a_declaration(client, locality, people):
    client.force_login(people.lead)
    client.post(pages(locality)["plan"], {"action": "start"})
    client.post(pages(locality)["declaration"], {"action": "submit", "evidence": "Online booking."})
    submit_declarations(client, locality, but="digital")  # the plan is submitted only with all of them (issue 16)
    client.post(pages(locality)["plan"], {"action": "submit"})
    client.force_login(people.commissioner)
    assert client.post(pages(locality)["plan"], {"action": "review", "decision": "accept"}).status_code == 302
    missing = client.post(pages(locality)["declaration"], {"action": "review", "decision": "return"})
    assert "Give the reasons" in missing.content.decode()
    client.post(pages(locality)["declaration"], {"action": "review", "decision": "accept"})
    plan = Plan.objects.get()
    assert plan.status == PlanStatus.ACCEPTED
    assert plan.declarations.get(kind=DeclarationKind.DIGITAL).status == DeclarationStatus.ACCEPTED


def test_it_refuses_a_commissioner_editing_the_timetable(client, locality, people):
    compliant_plan(locality)
    client.force_login(people.commissioner)
    response = client.post(pages(locality)["plan"], {"action": "remove-session", "session": Session.objects.first().pk})
    assert response.status_code == 403


def test_it_imports_activity_and_lists_bad_lines(client, locality, people):
    from django.core.files.uploadedfile import SimpleUploadedFile

    compliant_plan(locality)
    url = reverse("improved_access:activity", args=[locality.code])
    client.force_login(people.lead)
    header = b"date,site,slot_start,minutes,booked,attended,did_not_attend\n"
    bad = SimpleUploadedFile("a.csv", header + b"2018-04-02,Central hub,18:30,15,1,2,0\n", "text/csv")
    page = client.post(url, {"quarter": "2018Q1", "file": bad}).content.decode()
    assert "line 2, attended: 2 attended is more than the 1 booked." in page
    good = SimpleUploadedFile("a.csv", header + b"2018-04-02,Central hub,18:30,15,1,1,0\n", "text/csv")
    assert client.post(url, {"quarter": "2018Q1", "file": good}).status_code == 302
    client.force_login(people.commissioner)
    assert client.get(url).status_code == 403


def test_it_shows_the_status_page_in_a_fixed_number_of_queries(client, locality, people, django_assert_max_num_queries):
    """However many sessions and practices; the trend adds a few queries per quarter shown (one in May 2018): the
    scheme's conditions (phase 1 items, phase 2 plan) add two for today's assessment and two for the quarter's; the
    scheme's quarters (returns and releases) and each quarter's latest evaluation three (issue 16); the header's
    count of approvals waiting one (issue 15)."""
    plan = compliant_plan(locality)
    for day in range(7):
        SessionFactory.create_batch(5, plan=plan, day=day)
    client.force_login(people.commissioner)
    with django_assert_max_num_queries(34):
        assert client.get(pages(locality)["status"]).status_code == 200


def test_without_a_plan_a_declaration_sends_the_lead_to_start_it_and_others_are_refused(client, locality, people):
    client.force_login(people.lead)
    response = client.get(pages(locality)["declaration"])
    assert response.status_code == 302 and response["Location"] == pages(locality)["plan"]
    assert not Plan.objects.exists()
    client.force_login(people.commissioner)
    assert client.get(pages(locality)["plan"]).status_code == 403
    assert client.post(pages(locality)["plan"], {"action": "start"}).status_code == 403
    assert not Plan.objects.exists()
