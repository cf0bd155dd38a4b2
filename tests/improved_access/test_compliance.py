import datetime
from decimal import Decimal

import pytest

from improved_access.compliance import assess, covered_minutes_after
from improved_access.models import ComplianceRule, DeclarationKind, DeclarationStatus, PlanStatus, RuleKind

from .conftest import ON
from .factories import PlanFactory, SessionFactory, compliant_plan, declare_all, t, week


def result(assessment, kind):
    return next(r for r in assessment.results if r.kind == kind)


def test_it_passes_a_compliant_plan(locality):
    compliant_plan(locality)
    assessment = assess(locality, ON)
    assert assessment.compliant
    assert assessment.weighted_population == Decimal("20000")
    assert assessment.reason() == ""


def test_it_fails_without_a_plan(locality):
    assessment = assess(locality, ON)
    assert not assessment.compliant
    assert "No Improved Access plan" in assessment.reason()


@pytest.mark.parametrize(("end", "passed"), [("19:59", False), ("20:00", True), ("20:01", True)])
def test_it_needs_90_minutes_after_1830(locality, end, passed):
    plan = PlanFactory(locality=locality)
    week(plan, evening=("18:30", end))
    declare_all(plan)
    evenings = result(assess(locality, ON), RuleKind.EVENINGS)
    assert evenings.passed is passed


@pytest.mark.parametrize(("start", "end", "passed"), [("18:29", "19:59", False), ("18:30", "20:00", True)])
def test_it_counts_only_minutes_after_1830(locality, start, end, passed):
    plan = PlanFactory(locality=locality)
    week(plan, evening=(start, end))
    evenings = result(assess(locality, ON), RuleKind.EVENINGS)
    assert evenings.passed is passed
    assert evenings.figures[0] == f"Monday: {90 if passed else 89} of 90 minutes after 18:30"


def test_it_shows_the_short_day(locality):
    plan = PlanFactory(locality=locality)
    week(plan)
    tuesday = plan.sessions.get(day=1)
    tuesday.ends_at = t("19:30")
    tuesday.save()
    evenings = result(assess(locality, ON), RuleKind.EVENINGS)
    assert not evenings.passed
    assert "Tuesday: 60 of 90 minutes after 18:30" in evenings.figures


def test_it_counts_parallel_sessions_once_for_evenings():
    sessions = [
        SessionFactory.build(starts_at=t("18:30"), ends_at=t("19:30")),
        SessionFactory.build(starts_at=t("18:45"), ends_at=t("19:15")),
        SessionFactory.build(starts_at=t("19:30"), ends_at=t("20:00")),
    ]
    assert covered_minutes_after(sessions, t("18:30")) == 90


def test_it_fails_a_missing_sunday(locality):
    plan = PlanFactory(locality=locality)
    week(plan, sunday=None)
    weekends = result(assess(locality, ON), RuleKind.WEEKENDS)
    assert not weekends.passed
    assert weekends.figures == ["Saturday: 240 minutes", "Sunday: no sessions"]


def test_it_fails_a_missing_saturday(locality):
    plan = PlanFactory(locality=locality)
    week(plan, saturday=None)
    assert not result(assess(locality, ON), RuleKind.WEEKENDS).passed


# 20,000 registered patients: 30 minutes per 1,000 is 600 minutes a week; 45 is 900.
@pytest.mark.parametrize(
    ("saturday_end", "minutes", "passed", "shown"),
    [
        ("10:58", 598, False, "29.9"),
        ("11:00", 600, True, "30.0"),
    ],
)
def test_it_needs_30_minutes_per_thousand(locality, saturday_end, minutes, passed, shown):
    plan = PlanFactory(locality=locality)
    # 5 x 90 evenings = 450, Sunday 09:00-09:30 = 30 and Saturday from 09:00 make the rest.
    week(plan, sunday=("09:00", "09:30"), saturday=("09:00", saturday_end))
    capacity = result(assess(locality, ON), RuleKind.CAPACITY)
    assert capacity.passed is passed
    assert capacity.figures[0].startswith(f"{shown} of 30 minutes a week per 1,000 ({minutes} minutes")


def test_it_rises_to_45_from_the_configured_date(locality):
    plan = PlanFactory(locality=locality)
    week(plan, sunday=("09:00", "09:30"), saturday=("09:00", "11:00"))  # 600 minutes: 30 per 1,000
    before, after = datetime.date(2019, 3, 31), datetime.date(2019, 4, 1)
    assert result(assess(locality, before), RuleKind.CAPACITY).passed
    rising = result(assess(locality, after), RuleKind.CAPACITY)
    assert not rising.passed
    assert rising.figures[0].startswith("30.0 of 45 minutes")


def test_it_takes_the_rise_date_from_the_admin(locality):
    plan = PlanFactory(locality=locality)
    week(plan, sunday=("09:00", "09:30"), saturday=("09:00", "11:00"))
    ComplianceRule.objects.filter(kind=RuleKind.CAPACITY, threshold=45).update(applies_from=datetime.date(2018, 4, 2))
    assert result(assess(locality, datetime.date(2018, 4, 1)), RuleKind.CAPACITY).passed
    assert not result(assess(locality, datetime.date(2018, 4, 2)), RuleKind.CAPACITY).passed


def test_it_takes_the_evening_threshold_from_the_admin(locality):
    plan = PlanFactory(locality=locality)
    week(plan, evening=("18:30", "19:30"))
    ComplianceRule.objects.filter(kind=RuleKind.EVENINGS).update(threshold=60)
    assert result(assess(locality, ON), RuleKind.EVENINGS).passed


def test_it_ignores_sessions_outside_their_dates(locality):
    plan = compliant_plan(locality)
    plan.sessions.filter(day=6).update(valid_to=datetime.date(2018, 4, 1))
    assert not result(assess(locality, ON), RuleKind.WEEKENDS).passed
    assert result(assess(locality, datetime.date(2018, 4, 1)), RuleKind.WEEKENDS).passed


def test_it_uses_the_phase_2_plan_from_july(locality):
    compliant_plan(locality)
    draft = PlanFactory(locality=locality, phase=2, starts_on=datetime.date(2018, 7, 1))
    assert assess(locality, datetime.date(2018, 6, 30)).compliant
    july = assess(locality, datetime.date(2018, 7, 1))
    # A phase 2 plan not yet accepted does not replace the accepted phase 1 plan (issue 16): the phase 1 timetable
    # is judged, and the phase 2 plan rule fails until the phase 2 plan is accepted.
    assert july.plan.phase == 1
    assert not july.compliant
    draft.status, draft.reviewed_at = PlanStatus.ACCEPTED, datetime.datetime(2018, 6, 20, 12, tzinfo=datetime.UTC)
    draft.save()
    assert assess(locality, datetime.date(2018, 7, 1)).plan == draft


def test_it_needs_every_declaration_accepted(locality):
    plan = compliant_plan(locality)
    plan.declarations.filter(kind=DeclarationKind.DIGITAL).update(status=DeclarationStatus.SUBMITTED)
    declarations = result(assess(locality, ON), RuleKind.DECLARATIONS)
    assert not declarations.passed
    assert declarations.figures == [
        "Plan: accepted",
        "Declarations: 6 of 7 accepted",
        "not accepted: Digital approaches",
    ]


def test_it_needs_the_plan_accepted(locality):
    plan = compliant_plan(locality)
    plan.status = "submitted"
    plan.save()
    declarations = result(assess(locality, ON), RuleKind.DECLARATIONS)
    assert not declarations.passed
    assert declarations.figures[0] == "Plan: submitted, not accepted"
