"""Improved Access is paid only while the scheme's conditions hold (issue 14), one test per finding.

The LTS paper's checklist: "NB from 1st April 2018, the Improved Access funds will be released to Locality
Providers on a quarterly basis provided the requirements set out above are met and the Locality delivers against
the Improved Access requirements set out in Phase 1 and in Phase 2". Each test failed on the code before the change.
"""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse

from funding.models import ChecklistItem, EvaluationRequest, Evidence, EvidenceStatus, Release
from funding.permissions import can_approve_release
from funding.rule_changes import rule_change_approve, rule_change_propose
from funding.transitions import TransitionNotAllowed, evidence_accept, evidence_submit
from improved_access.compliance import assess, rules_on
from improved_access.editing import plan_ensure
from improved_access.models import Booking, ComplianceRule, Plan, PlanStatus, QuarterAssessment, RuleKind
from improved_access.payments import evaluate_improved_access
from improved_access.quarters import Quarter
from improved_access.transitions import plan_accept, plan_return, plan_submit
from onecare.accounts.roles import Role
from tests.localities.factories import LocalityFactory
from tests.onecare.factories import UserFactory

from .factories import MARCH_20, PlanFactory, SessionFactory, declare_all, submit_declarations, week

Q1, Q2, Q3, Q4 = Quarter(2018, 1), Quarter(2018, 2), Quarter(2018, 3), Quarter(2018, 4)
APRIL_2 = datetime.date(2018, 4, 2)
JUNE_20 = datetime.datetime(2018, 6, 20, 12, tzinfo=datetime.UTC)
JULY_1 = datetime.date(2018, 7, 1)
JANUARY_2 = datetime.date(2019, 1, 2)


def checklist() -> None:
    if not ChecklistItem.objects.filter(phase__scheme__code="lts").exists():
        call_command("loaddata", "fixtures/lts_checklist.json", verbosity=0)


def item(number: str) -> ChecklistItem:
    checklist()
    return ChecklistItem.objects.get(phase__scheme__code="lts", number=number)


def set_evidence(locality, number: str, status=EvidenceStatus.ACCEPTED, at=MARCH_20, by=None) -> Evidence:
    """The locality's evidence for an item as it stood (written directly: the past, as the factories write it)."""
    reviewed = status in (EvidenceStatus.ACCEPTED, EvidenceStatus.RETURNED)
    evidence, _ = Evidence.objects.update_or_create(
        locality=locality,
        item=item(number),
        defaults={
            "status": status,
            "statement": f"Evidence for {number}.",
            "submitted_at": at,
            "reviewed_at": at if reviewed else None,
            "reviewed_by": by if reviewed else None,
            "return_reason": "Please add the signed minutes." if status == EvidenceStatus.RETURNED else "",
        },
    )
    return evidence


def phase_one(locality, but=(), by=None) -> None:
    """Every phase 1 item (1.1-1.7) accepted on 20 March 2018, but those listed."""
    checklist()
    for number in ChecklistItem.objects.filter(phase__scheme__code="lts", phase__number=1).values_list(
        "number", flat=True
    ):
        if number not in but:
            set_evidence(locality, number, by=by)


def ready_plan(locality, phase=1, status=PlanStatus.ACCEPTED, reviewed_at=MARCH_20, **session_fields) -> Plan:
    """A plan meeting the timetable rules (870 minutes a week) with every declaration accepted."""
    starts_on = JULY_1 if phase == 2 else datetime.date(2018, 4, 1)
    plan = PlanFactory(
        locality=locality,
        phase=phase,
        starts_on=starts_on,
        status=status,
        reviewed_at=reviewed_at if status == PlanStatus.ACCEPTED else None,
    )
    week(plan, valid_from=starts_on, **session_fields)
    declare_all(plan)
    return plan


def evaluate(quarter=Q1, today=APRIL_2, **kwargs):
    return evaluate_improved_access(quarter, today=today, **kwargs)


def reason(locality) -> str:
    return QuarterAssessment.objects.filter(locality=locality).order_by("-pk").first().reason


# Phase 1 items accepted ---------------------------------------------------------------------------------------


def test_2018q1_is_not_paid_while_item_1_6_is_returned_and_1_7_only_submitted(locality):
    ready_plan(locality)
    phase_one(locality, but={"1.6", "1.7"})
    set_evidence(locality, "1.6", EvidenceStatus.RETURNED)
    set_evidence(locality, "1.7", EvidenceStatus.SUBMITTED)

    assert evaluate().proposed == []
    assert "not accepted: 1.6" in reason(locality) and "not accepted: 1.7" in reason(locality)

    # Accepted only after the quarter's judging date (30 June, judged after the quarter): still not paid.
    set_evidence(locality, "1.6", at=datetime.datetime(2018, 7, 5, 12, tzinfo=datetime.UTC))
    set_evidence(locality, "1.7")
    assert evaluate(today=datetime.date(2018, 9, 1)).proposed == []
    assert "not accepted: 1.6" in reason(locality)

    set_evidence(locality, "1.6", at=datetime.datetime(2018, 6, 29, 12, tzinfo=datetime.UTC))
    assert len(evaluate(today=datetime.date(2018, 9, 1)).proposed) == 1


# The phase 2 plan from July 2018 ------------------------------------------------------------------------------


def test_quarters_from_july_2018_are_paid_only_with_the_phase_2_plan_accepted(locality):
    ready_plan(locality)
    phase_one(locality)
    assert len(evaluate().proposed) == 1  # 2018Q1 needs phase 1 only

    assert evaluate(Q2, today=datetime.date(2018, 7, 2)).proposed == []
    assert "No phase 2 plan" in reason(locality)

    second = ready_plan(locality, phase=2, status=PlanStatus.SUBMITTED)
    assert evaluate(Q2, today=datetime.date(2018, 7, 2)).proposed == []
    assert "Phase 2 plan (item 2.4): submitted, not accepted" in reason(locality)

    Plan.objects.filter(pk=second.pk).update(status=PlanStatus.ACCEPTED, reviewed_at=JUNE_20)
    for quarter, today in ((Q2, datetime.date(2018, 7, 2)), (Q3, datetime.date(2018, 10, 2)), (Q4, JANUARY_2)):
        outcome = evaluate(quarter, today=today)
        assert [r.tranche.code for r in outcome.proposed] == [str(quarter)]


# Pre-bookable and same-day ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("evenings", "weekends", "compliant", "figure"),
    [
        (Booking.PRE_BOOKABLE, Booking.PRE_BOOKABLE, False, "Same day: no sessions"),
        (Booking.SAME_DAY, Booking.SAME_DAY, False, "Pre-bookable: no sessions"),
        (Booking.PRE_BOOKABLE, Booking.SAME_DAY, True, "Same day: 2 of 7 sessions"),
        (Booking.BOTH, Booking.BOTH, True, "Pre-bookable: 7 of 7 sessions"),
    ],
)
def test_the_timetable_must_offer_pre_bookable_and_same_day_appointments(
    locality, evenings, weekends, compliant, figure
):
    plan = ready_plan(locality, booking=evenings)
    plan.sessions.filter(day__in=[5, 6]).update(booking=weekends)
    phase_one(locality)

    assessment = assess(locality, APRIL_2)
    assert assessment.compliant is compliant, assessment.reason()
    (booking,) = [r for r in assessment.results if r.kind == "booking"]
    assert figure in booking.figures


# Capacity per 1,000 registered patients; payment per weighted head --------------------------------------------


def test_capacity_counts_registered_patients_and_the_payment_weighted_heads(bnssg, make_member_practice):
    young = LocalityFactory(code="young", name="Young City", commissioner=bnssg)
    make_member_practice(young, patients=18_000, weighted=Decimal("12000"))
    make_member_practice(young, patients=12_000, weighted=Decimal("8000"))  # 30,000 registered, 20,000 weighted
    plan = ready_plan(young)
    phase_one(young)

    # 870 minutes a week: 29.0 per 1,000 registered (43.5 per 1,000 weighted, which passed before).
    capacity = [r for r in assess(young, APRIL_2).results if r.name == "Capacity"][0]
    assert not capacity.passed
    assert capacity.figures == ["29.0 of 30 minutes a week per 1,000 (870 minutes for 30,000 registered patients)"]
    assert evaluate().proposed == []

    # The basis is data on the rule: weighted would pass.
    ComplianceRule.objects.filter(kind=RuleKind.CAPACITY).update(basis="weighted")
    assert assess(young, APRIL_2).compliant
    ComplianceRule.objects.filter(kind=RuleKind.CAPACITY).update(basis="registered")

    SessionFactory(plan=plan, day=6, starts_at=datetime.time(13), ends_at=datetime.time(14))  # 930: 31.0
    (release,) = evaluate().proposed
    assert release.amount == Decimal("30000.00")  # 20,000 weighted x £1.50, not 30,000 registered


# The plan is the evidence for 1.7 and 2.4 ---------------------------------------------------------------------


def test_the_plan_is_the_evidence_for_items_1_7_and_2_4_with_one_review(client, locality, bnssg):
    checklist()
    lead = UserFactory(role=Role.LOCALITY_LEAD, locality=locality)
    commissioner = UserFactory(role=Role.COMMISSIONER, commissioner=bnssg)
    plan = submit_declarations(plan_ensure(locality, 1, actor=lead), lead)

    plan = plan_submit(plan, actor=lead)
    evidence = Evidence.objects.get(locality=locality, item__number="1.7")
    assert (evidence.status, evidence.submitted_by) == (EvidenceStatus.SUBMITTED, lead)
    assert Plan.objects.get(pk=plan.pk).evidence == evidence

    # The item has no review, and no submission, of its own.
    with pytest.raises(TransitionNotAllowed, match="Improved Access phase 1 plan"):
        evidence_accept(evidence, actor=commissioner)
    client.force_login(commissioner)
    page = client.get(reverse("funding:review", args=[evidence.pk])).content.decode()
    assert reverse("improved_access:plan", args=[locality.code, 1]) in page
    assert "Save decision" not in page
    assert client.post(reverse("funding:review", args=[evidence.pk]), {"decision": "accept"}).status_code == 403
    item_page = client.get(reverse("funding:item", args=[locality.code, evidence.item_id])).content.decode()
    assert reverse("improved_access:plan", args=[locality.code, 1]) in item_page

    # Returning the plan returns the item; accepting the plan accepts it: same person, same reason.
    plan_return(plan, actor=commissioner, reason="Add the Sunday rota.")
    evidence.refresh_from_db()
    assert (evidence.status, evidence.reviewed_by, evidence.return_reason) == (
        EvidenceStatus.RETURNED,
        commissioner,
        "Add the Sunday rota.",
    )
    with pytest.raises(TransitionNotAllowed, match="Improved Access phase 1 plan"):
        evidence_submit(locality, item("1.7"), actor=lead, statement="A separate plan.")
    plan = plan_accept(plan_submit(Plan.objects.get(pk=plan.pk), actor=lead), actor=commissioner)
    evidence.refresh_from_db()
    assert (evidence.status, evidence.reviewed_by) == (EvidenceStatus.ACCEPTED, commissioner)
    assert timezone_day(evidence.reviewed_at) == timezone_day(plan.reviewed_at)
    assert EvaluationRequest.objects.filter(evidence=evidence, requested_by=commissioner).exists()
    assert list(evidence.transitions.values_list("to_status", flat=True)) == [
        "submitted",
        "returned",
        "submitted",
        "accepted",
    ]

    second = plan_submit(submit_declarations(plan_ensure(locality, 2, actor=lead), lead), actor=lead)
    assert second.evidence.item.number == "2.4" and second.evidence.status == EvidenceStatus.SUBMITTED


def timezone_day(moment):
    from django.utils import timezone

    return timezone.localdate(moment)


# Rules seeded once --------------------------------------------------------------------------------------------


def test_a_rule_change_approved_in_the_admin_survives_the_next_migrate(bnssg):
    proposer = UserFactory(role=Role.COMMISSIONER, commissioner=bnssg)
    approver = UserFactory(role=Role.COMMISSIONER, commissioner=bnssg)
    rule = ComplianceRule.objects.get(kind=RuleKind.CAPACITY, applies_from=datetime.date(2019, 4, 1))
    change = rule_change_propose(rule, {"applies_from": datetime.date(2019, 10, 1)}, actor=proposer)
    rule_change_approve(change, actor=approver)

    call_command("migrate", verbosity=0)

    dates = set(ComplianceRule.objects.filter(kind=RuleKind.CAPACITY).values_list("applies_from", flat=True))
    assert dates == {datetime.date(2018, 4, 1), datetime.date(2019, 10, 1)}
    assert rules_on(datetime.date(2019, 6, 1))[RuleKind.CAPACITY].threshold == 30
    rule.refresh_from_db()
    assert (rule.applies_from, rule.version) == (datetime.date(2019, 10, 1), 2)


# The plan's acceptor is a gate person -------------------------------------------------------------------------


def test_whoever_accepted_the_plan_or_a_phase_1_item_may_not_approve_the_release(locality, bnssg):
    plan_acceptor, item_acceptor, other = (UserFactory(role=Role.COMMISSIONER, commissioner=bnssg) for _ in range(3))
    plan = ready_plan(locality)
    Plan.objects.filter(pk=plan.pk).update(reviewed_by=plan_acceptor)
    phase_one(locality, but={"1.3"})
    set_evidence(locality, "1.3", by=item_acceptor)

    (release,) = evaluate().proposed

    allowed, why = can_approve_release(plan_acceptor, release)
    assert not allowed and "You accepted evidence" in why
    assert not can_approve_release(item_acceptor, release)[0]
    assert can_approve_release(other, release) == (True, "")


# Who triggered each release, per locality ---------------------------------------------------------------------


def test_an_acceptance_in_one_locality_triggers_only_that_localitys_release(
    locality, bnssg, make_member_practice, django_capture_on_commit_callbacks
):
    other_place = LocalityFactory(code="wood", name="Woodspring", commissioner=bnssg)
    make_member_practice(other_place, patients=20_000, weighted=20_000)
    ready_plan(other_place)
    phase_one(other_place)
    lead = UserFactory(role=Role.LOCALITY_LEAD, locality=locality)
    acceptor = UserFactory(role=Role.COMMISSIONER, commissioner=bnssg)
    phase_one(locality, but={"1.7"})
    plan = ready_plan(locality, status=PlanStatus.DRAFT)

    with time_machine.travel(datetime.datetime(2018, 4, 2, 12, tzinfo=datetime.UTC), tick=False):
        plan = plan_submit(plan, actor=lead)
        with django_capture_on_commit_callbacks(execute=True):
            plan_accept(plan, actor=acceptor)

    here = Release.objects.get(locality=locality, tranche__code="2018Q1")
    there = Release.objects.get(locality=other_place, tranche__code="2018Q1")
    assert here.triggered_by == acceptor
    assert there.triggered_by is None
    assert can_approve_release(acceptor, there) == (True, "")
    assert not can_approve_release(acceptor, here)[0]
