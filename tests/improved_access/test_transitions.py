import pytest

from improved_access.models import Declaration, DeclarationKind, DeclarationStatus, Plan, PlanStatus
from improved_access.transitions import (
    IATransitionNotAllowed,
    declaration_accept,
    declaration_return,
    declaration_submit,
    plan_accept,
    plan_return,
    plan_submit,
)
from onecare.accounts.roles import Role
from tests.onecare.factories import UserFactory

from .factories import DeclarationFactory, PlanFactory, submit_all


@pytest.fixture
def people(locality, bnssg, north_somerset):
    return {
        "lead": UserFactory(role=Role.LOCALITY_LEAD, locality=locality),
        "commissioner": UserFactory(role=Role.COMMISSIONER, commissioner=bnssg),
        "other_commissioner": UserFactory(role=Role.COMMISSIONER, commissioner=north_somerset),
        "manager": UserFactory(role=Role.PRACTICE_MANAGER),
    }


def test_it_submits_and_accepts_a_declaration(locality, people):
    declaration = DeclarationFactory(plan=PlanFactory(locality=locality), evidence="")
    declaration = declaration_submit(declaration, actor=people["lead"], evidence="Posters and website.")
    assert declaration.status == DeclarationStatus.SUBMITTED
    declaration = declaration_accept(declaration, actor=people["commissioner"])
    declaration.refresh_from_db()
    assert declaration.status == DeclarationStatus.ACCEPTED
    assert declaration.reviewed_by == people["commissioner"]
    assert declaration.history.first().history_user == people["commissioner"]


def test_it_does_nothing_the_second_time(locality, people):
    declaration = DeclarationFactory(plan=PlanFactory(locality=locality))
    declaration_submit(declaration, actor=people["lead"])
    declaration_accept(declaration, actor=people["commissioner"])
    declaration_accept(declaration, actor=people["commissioner"])
    assert declaration.history.count() == 3


def test_it_refuses_an_empty_declaration(locality, people):
    declaration = DeclarationFactory(plan=PlanFactory(locality=locality), evidence="")
    with pytest.raises(IATransitionNotAllowed, match="Describe the evidence"):
        declaration_submit(declaration, actor=people["lead"])


@pytest.mark.parametrize("who", ["other_commissioner", "lead", "manager"])
def test_it_refuses_the_wrong_person_accepting(locality, people, who):
    declaration = DeclarationFactory(plan=PlanFactory(locality=locality))
    declaration_submit(declaration, actor=people["lead"])
    with pytest.raises(IATransitionNotAllowed):
        declaration_accept(declaration, actor=people[who])


def test_it_refuses_accepting_a_draft(locality, people):
    declaration = DeclarationFactory(plan=PlanFactory(locality=locality))
    with pytest.raises(IATransitionNotAllowed, match="draft cannot be reviewed"):
        declaration_accept(declaration, actor=people["commissioner"])


def test_it_returns_a_declaration_with_a_reason(locality, people):
    declaration = DeclarationFactory(plan=PlanFactory(locality=locality))
    declaration_submit(declaration, actor=people["lead"])
    with pytest.raises(IATransitionNotAllowed, match="reason"):
        declaration_return(declaration, actor=people["commissioner"], reason=" ")
    declaration = declaration_return(declaration, actor=people["commissioner"], reason="No link to the posters.")
    assert declaration.status == DeclarationStatus.RETURNED
    declaration = declaration_submit(declaration, actor=people["lead"], evidence="Posters: see the website.")
    assert declaration.status == DeclarationStatus.SUBMITTED and declaration.return_reason == ""


def test_it_submits_a_plan_only_with_every_declaration_submitted(locality, people):
    plan = PlanFactory(locality=locality)
    submit_all(plan)
    Declaration.objects.filter(plan=plan, kind=DeclarationKind.DIGITAL).delete()
    with pytest.raises(IATransitionNotAllowed, match=r"Submit every declaration before the plan: 1 of 7"):
        plan_submit(plan, actor=people["lead"])
    DeclarationFactory(plan=plan, kind=DeclarationKind.DIGITAL)  # a draft is not enough either
    with pytest.raises(IATransitionNotAllowed, match=r"1 of 7 not yet submitted"):
        plan_submit(plan, actor=people["lead"])
    assert Plan.objects.get(pk=plan.pk).status == PlanStatus.DRAFT
    Declaration.objects.filter(plan=plan, kind=DeclarationKind.DIGITAL).update(status=DeclarationStatus.SUBMITTED)
    assert plan_submit(plan, actor=people["lead"]).status == PlanStatus.SUBMITTED


def test_it_submits_accepts_and_returns_a_plan(locality, people):
    plan = PlanFactory(locality=locality)
    submit_all(plan)
    plan = plan_submit(plan, actor=people["lead"])
    assert plan.status == PlanStatus.SUBMITTED
    assert plan_submit(plan, actor=people["lead"]).history.count() == 2  # the repeat changes nothing
    with pytest.raises(IATransitionNotAllowed, match="locality's leads"):
        plan_submit(plan, actor=people["manager"])
    with pytest.raises(IATransitionNotAllowed, match="accepted cannot be changed"):
        plan_submit(PlanFactory(locality=locality, phase=2, status=PlanStatus.ACCEPTED), actor=people["lead"])
    plan = plan_return(plan, actor=people["commissioner"], reason="No Sunday.")
    assert plan.status == PlanStatus.RETURNED
    plan = plan_submit(plan, actor=people["lead"])
    plan = plan_accept(plan, actor=people["commissioner"])
    assert plan_accept(plan, actor=people["commissioner"]).status == PlanStatus.ACCEPTED


def test_it_refuses_a_plan_from_another_localitys_lead(locality, people, bnssg):
    from tests.localities.factories import LocalityFactory

    other_lead = UserFactory(role=Role.LOCALITY_LEAD, locality=LocalityFactory(commissioner=bnssg))
    with pytest.raises(IATransitionNotAllowed, match="locality's leads"):
        plan_submit(PlanFactory(locality=locality), actor=other_lead)


def test_it_evaluates_the_quarter_after_an_acceptance(locality, people, django_capture_on_commit_callbacks):
    import datetime

    import time_machine

    from funding.models import Release

    from .factories import compliant_plan

    plan = compliant_plan(locality)
    declaration = plan.declarations.first()
    declaration.status = DeclarationStatus.SUBMITTED
    declaration.save()
    april = datetime.datetime(2018, 4, 3, 12, tzinfo=datetime.UTC)
    with time_machine.travel(april, tick=False), django_capture_on_commit_callbacks(execute=True):
        declaration_accept(declaration, actor=people["commissioner"])
    (release,) = Release.objects.all()
    assert release.triggered_by == people["commissioner"]
    assert release.tranche.code == "2018Q1"


def test_it_skips_the_evaluation_before_2018(locality, people):
    from improved_access.payments import evaluate_improved_access_by_ids

    assert evaluate_improved_access_by_ids("2017Q4").startswith("skipped: Improved Access is paid from 2018Q1")
