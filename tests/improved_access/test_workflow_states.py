"""Each plan and declaration step is refused from every state its workflow does not leave from, in the workflow's
words, and changes nothing; a finished activity upload is final (improved_access.workflow: PLANS, DECLARATIONS,
UPLOADS)."""

import datetime

import pytest
from django.utils import timezone

from improved_access.activity import activity_upload_run, activity_uploads_fail_stuck
from improved_access.models import ActivityUpload, UploadStatus
from improved_access.transitions import (
    IATransitionNotAllowed,
    declaration_accept,
    declaration_return,
    declaration_submit,
    plan_accept,
    plan_return,
    plan_submit,
)
from improved_access.workflow import DECLARATIONS, PLANS, UPLOADS
from onecare.accounts.roles import Role
from tests.onecare.factories import UserFactory

from .factories import DeclarationFactory, PlanFactory


@pytest.fixture
def people(locality, bnssg):
    return {
        "lead": UserFactory(role=Role.LOCALITY_LEAD, locality=locality),
        "commissioner": UserFactory(role=Role.COMMISSIONER, commissioner=bnssg),
    }


def wrong_states(workflow):
    """(step, state) for every state a step does not leave from; its own target is a quiet repeat instead."""
    return [
        (step.name, state)
        for step in workflow.steps.values()
        for state in workflow.states
        if not workflow.allows(step.name, state) and state != step.target
    ]


PLAN_STEPS = {
    "submit": lambda plan, people: plan_submit(plan, actor=people["lead"]),
    "accept": lambda plan, people: plan_accept(plan, actor=people["commissioner"]),
    "return": lambda plan, people: plan_return(plan, actor=people["commissioner"], reason="No Sunday sessions."),
}
DECLARATION_STEPS = {
    "submit": lambda d, people: declaration_submit(d, actor=people["lead"]),
    "accept": lambda d, people: declaration_accept(d, actor=people["commissioner"]),
    "return": lambda d, people: declaration_return(d, actor=people["commissioner"], reason="No posters."),
}


def test_every_step_is_tried():
    assert set(PLAN_STEPS) == set(PLANS.steps)
    assert set(DECLARATION_STEPS) == set(DECLARATIONS.steps)


@pytest.mark.parametrize(("step", "state"), wrong_states(PLANS))
def test_a_plan_step_is_refused_from_a_state_it_does_not_leave(locality, people, step, state):
    plan = PlanFactory(locality=locality, status=state, return_reason="Not enough.")

    with pytest.raises(IATransitionNotAllowed, match=PLANS.refusal(step, state)):
        PLAN_STEPS[step](plan, people)

    plan.refresh_from_db()
    assert plan.status == state
    assert plan.history.count() == 1


@pytest.mark.parametrize(("step", "state"), wrong_states(DECLARATIONS))
def test_a_declaration_step_is_refused_from_a_state_it_does_not_leave(locality, people, step, state):
    declaration = DeclarationFactory(plan=PlanFactory(locality=locality), status=state, return_reason="Not enough.")

    with pytest.raises(IATransitionNotAllowed, match=DECLARATIONS.refusal(step, state)):
        DECLARATION_STEPS[step](declaration, people)

    declaration.refresh_from_db()
    assert declaration.status == state
    assert declaration.history.count() == 1


def test_the_refusals_read_as_they_always_have():
    assert PLANS.refusal("submit", "accepted") == "A plan that is accepted cannot be changed."
    assert DECLARATIONS.refusal("accept", "draft") == "A declaration that is draft cannot be reviewed."


FINISHED = [state for state in UPLOADS.states if not UPLOADS.steps_from(state)]


def test_an_upload_leaves_only_the_check():
    assert FINISHED == [UploadStatus.IMPORTED, UploadStatus.REJECTED, UploadStatus.FAILED]


@pytest.mark.parametrize("state", FINISHED)
def test_a_finished_upload_is_neither_read_again_nor_failed_by_the_sweep(locality, people, state):
    upload = ActivityUpload.objects.create(
        locality=locality,
        quarter="2018Q1",
        file="ia-activity/2018/06/return.csv",
        file_name="return.csv",
        status=state,
        reason="As it was.",
        uploaded_by=people["lead"],
        created_at=timezone.now() - datetime.timedelta(days=1),
    )

    assert activity_upload_run(upload.pk) is None
    assert activity_uploads_fail_stuck(datetime.timedelta(minutes=1)) == []

    upload.refresh_from_db()
    assert (upload.status, upload.reason, upload.history.count()) == (state, "As it was.", 1)
