import datetime
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from funding.dashboards import money_by_ccg
from funding.exports import schedule_rows
from funding.models import Release, ReleaseState, Tranche
from funding.payment_runs import payment_run_add, payment_run_create
from funding.release_transitions import ReleaseTransitionNotAllowed, release_approve, release_reject, release_withdraw
from improved_access.dashboards import ia_rate_a_year
from improved_access.models import DeclarationKind, DeclarationStatus, QuarterAssessment
from improved_access.payments import IAPaymentError, evaluate_improved_access
from improved_access.quarters import Quarter
from localities.models import Locality
from onecare.accounts.roles import Role
from tests.localities.factories import LocalityFactory, VehicleFactory
from tests.onecare.factories import UserFactory

from .factories import (
    PlanFactory,
    accepted,
    compliant_phase_two,
    compliant_plan,
    declare_all,
    phase_one_accepted,
    week,
)

Q1 = Quarter(2018, 1)
APRIL_2 = datetime.date(2018, 4, 2)


def evaluate(quarter=Q1, today=APRIL_2, **kwargs):
    return evaluate_improved_access(quarter, today=today, **kwargs)


@pytest.fixture
def pair(locality, bnssg, make_member_practice):
    """South Bristol is compliant; Woodspring has no Sunday."""
    woodspring = LocalityFactory(code="wood", name="Woodspring", commissioner=bnssg)
    make_member_practice(woodspring, patients=30_000, weighted=Decimal("31000.5"))
    compliant_plan(locality)
    plan = PlanFactory(locality=woodspring)
    week(plan, sunday=None)
    return locality, woodspring


def test_it_proposes_one_release_per_compliant_locality(pair):
    south, woodspring = pair
    outcome = evaluate()
    (release,) = outcome.proposed
    assert release.locality == south
    assert (release.rate, release.population, release.amount) == (
        Decimal("1.50"),
        Decimal("20000"),
        Decimal("30000.00"),
    )
    assert release.state == ReleaseState.PROPOSED
    assert release.reference == f"IA-2018Q1-SBRIS-{release.pk}"
    assert release.tranche.code == "2018Q1" and release.tranche.basis == "weighted"
    assert release.rule["quarter"] == "2018Q1"
    assert outcome.summary_line() == "summary: proposed=1 adjustments=0 amount=30000.00"


def test_it_records_why_a_locality_gets_nothing(pair):
    south, woodspring = pair
    evaluate()
    record = QuarterAssessment.objects.get(locality=woodspring)
    assert not record.compliant and record.release is None
    assert "Sunday: no sessions" in record.reason
    assert QuarterAssessment.objects.get(locality=south).reason == ""


def test_it_splits_the_amount_by_largest_remainder(locality, make_member_practice):
    make_member_practice(locality, patients=1, weighted=Decimal("0.333"))
    compliant_plan(locality)
    (release,) = evaluate().proposed
    lines = list(release.lines.order_by("practice__code"))
    assert release.amount == Decimal("30000.50")  # 20,000.333 x 1.50 = 30,000.4995, half up once
    assert sum(line.amount for line in lines) == release.amount
    assert len(lines) == 3


def test_it_proposes_nothing_the_second_time(pair):
    evaluate()
    again = evaluate(today=datetime.date(2018, 5, 1))
    assert again.proposed == []
    assert again.summary_line() == "summary: proposed=0 adjustments=0 amount=0.00"
    assert Release.objects.count() == 1
    assert "Already proposed for 2018Q1" in QuarterAssessment.objects.filter(locality=pair[0]).first().reason


def test_it_pays_each_quarter_once(pair):
    evaluate()
    compliant_phase_two(pair[0])  # from 2018Q2 the phase 2 plan (item 2.4) must be accepted
    evaluate(Quarter(2018, 2), today=datetime.date(2018, 7, 1))
    assert sorted(Release.objects.values_list("tranche__code", flat=True)) == ["2018Q1", "2018Q2"]


def test_it_pays_a_locality_that_becomes_compliant_later_in_the_quarter(pair):
    south, woodspring = pair
    evaluate()
    woodspring.ia_plans.get().sessions.create(
        site="Hub", day=6, starts_at=datetime.time(9), ends_at=datetime.time(14), valid_from=datetime.date(2018, 5, 1)
    )
    declare_all(accepted(woodspring.ia_plans.get()))
    phase_one_accepted(woodspring, woodspring.ia_plans.get())
    outcome = evaluate(today=datetime.date(2018, 5, 2))
    assert [r.locality for r in outcome.proposed] == [woodspring]
    assert outcome.proposed[0].amount == Decimal("46500.75")  # 31,000.5 x 1.50


def test_it_does_not_propose_again_after_a_rejection_but_does_after_a_withdrawal(pair, bnssg):
    commissioner = UserFactory(role=Role.COMMISSIONER, commissioner=bnssg)
    (release,) = evaluate().proposed
    release_reject(release, actor=commissioner, reason="Timetable not delivered.")
    assert evaluate().proposed == []
    Release.objects.filter(pk=release.pk).update(state=ReleaseState.PROPOSED, reason="")
    release_withdraw(Release.objects.get(pk=release.pk), actor=commissioner, reason="Wrong list size.")
    assert len(evaluate().proposed) == 1


def test_it_refuses_quarters_before_2018q1_and_not_yet_started():
    with pytest.raises(IAPaymentError, match="paid from 2018Q1"):
        evaluate(Quarter(2017, 4))
    with pytest.raises(IAPaymentError, match="starts on 01/07/2018"):
        evaluate(Quarter(2018, 2), today=datetime.date(2018, 6, 30))


def test_it_judges_a_past_quarter_on_its_last_day(pair):
    south, _ = pair
    plan = south.ia_plans.get()
    plan.declarations.filter(kind=DeclarationKind.DIGITAL).update(status=DeclarationStatus.SUBMITTED)
    outcome = evaluate(today=datetime.date(2018, 9, 1))
    assert outcome.evaluation.at == datetime.date(2018, 6, 30)
    assert outcome.proposed == []


def test_it_goes_through_the_ledgers_approvals_and_payment_runs(pair, bnssg):
    VehicleFactory(locality=pair[0], legal_name="South Bristol Health Ltd")
    commissioner = UserFactory(role=Role.COMMISSIONER, commissioner=bnssg)
    finance = UserFactory(role=Role.FINANCE_APPROVER, commissioner=bnssg)
    (release,) = evaluate().proposed
    release = release_approve(release, actor=commissioner)
    assert release.state == ReleaseState.AUTHORISED  # within the delegated limit
    run = payment_run_create(bnssg, actor=finance, name="IA 2018Q1")
    payment_run_add(run, [release], actor=finance)
    (row,), total = schedule_rows(run)
    assert row[2:5] == ["South Bristol Health Ltd", "15C", "2018Q1"]
    assert row[7] == f"IA-2018Q1-SBRIS-{release.pk}"
    assert total == Decimal("30000.00")


def test_it_keeps_whoever_accepted_a_declaration_from_approving(pair, bnssg):
    commissioner = UserFactory(role=Role.COMMISSIONER, commissioner=bnssg)
    pair[0].ia_plans.get().declarations.update(reviewed_by=commissioner)
    (release,) = evaluate().proposed
    with pytest.raises(ReleaseTransitionNotAllowed, match="accepted evidence"):
        release_approve(release, actor=commissioner)


def test_it_leaves_ia_out_of_the_lts_dashboards_and_evaluation(pair):
    evaluate()
    _, grand, rate = money_by_ccg(Locality.objects.all(), APRIL_2, ia_rate_a_year())
    assert grand.proposed == Decimal("0.00")
    assert not Tranche.objects.filter(scheme__code="lts").exists()
    from funding.evaluation import evaluate_milestones

    assert evaluate_milestones(APRIL_2).summary_line() == "summary: proposed=0 adjustments=0 amount=0.00"


def test_it_ends_the_command_with_the_summary_line(pair, capsys):
    call_command("evaluate_improved_access", "--quarter", "2018Q1", "--date", "2018-04-02")
    out = capsys.readouterr().out.splitlines()
    assert out[-1] == "summary: proposed=1 adjustments=0 amount=30000.00"
    assert any(line.startswith("no release: Woodspring: Saturday and Sunday") for line in out)


def test_it_explains_a_bad_quarter_in_the_command():
    with pytest.raises(CommandError, match="2018Q1"):
        call_command("evaluate_improved_access", "--quarter", "2018-1")


def test_it_runs_from_the_task(pair):
    from improved_access.tasks import evaluate_improved_access as task

    assert task.run("2018Q1") == "summary: proposed=1 adjustments=0 amount=30000.00"


def test_it_adjusts_a_paid_release_when_the_list_is_revised(pair):
    from localities.models import ListSizeSnapshot

    (release,) = evaluate().proposed
    from tests.funding.ledger import mark

    mark(release, ReleaseState.PAID)  # in a run, with its paid date and Payment, as the constraints ask
    snapshot = ListSizeSnapshot.objects.filter(practice__memberships__locality=pair[0]).first()
    snapshot.weighted_patients += 100
    snapshot.save()
    outcome = evaluate(today=datetime.date(2018, 5, 1))
    (adjustment,) = outcome.adjustments
    assert adjustment.amount == Decimal("150.00")
    assert outcome.summary_line() == "summary: proposed=0 adjustments=1 amount=150.00"
