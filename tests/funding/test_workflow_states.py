"""Each evidence and release step is refused from every state its workflow does not leave from, in the workflow's
words, and changes nothing (the workflows are funding.workflow.EVIDENCE and funding.release_workflow.RELEASES)."""

import datetime

import pytest

from funding.evaluation import evaluate_milestones
from funding.models import EvidenceStatus, Release, ReleaseState
from funding.release_transitions import (
    ReleaseTransitionNotAllowed,
    release_approve,
    release_authorise,
    release_reject,
    release_withdraw,
)
from funding.release_workflow import RELEASES
from funding.transitions import (
    TransitionNotAllowed,
    evidence_accept,
    evidence_reopen,
    evidence_return,
    evidence_save_draft,
    evidence_submit,
)
from funding.workflow import EVIDENCE

from .factories import EvidenceFactory
from .ledger import join, mark


def wrong_states(workflow, names):
    """(step, state) for every state the step does not leave from; its own target is a quiet repeat instead."""
    return [
        (name, state)
        for name in names
        for state in workflow.states
        if not workflow.allows(name, state) and state != workflow.step(name).target
    ]


EVIDENCE_STEPS = {
    "save_draft": lambda e, p: evidence_save_draft(e.locality, e.item, actor=p.manager, statement="Our plan."),
    "submit": lambda e, p: evidence_submit(e.locality, e.item, actor=p.manager, statement="Our plan."),
    "accept": lambda e, p: evidence_accept(e, actor=p.commissioner),
    "return": lambda e, p: evidence_return(e, actor=p.commissioner, reason="Not signed."),
    "reopen": lambda e, p: evidence_reopen(e, actor=p.commissioner, reason="Put it right."),
}


def test_every_evidence_step_is_tried():
    assert set(EVIDENCE_STEPS) == set(EVIDENCE.steps)


@pytest.mark.parametrize(("step", "state"), wrong_states(EVIDENCE, EVIDENCE_STEPS))
def test_an_evidence_step_is_refused_from_a_state_it_does_not_leave(people, checklist, step, state):
    trait = {} if state == EvidenceStatus.NOT_STARTED else {state.value: True}  # the factory's traits by state
    evidence = EvidenceFactory(locality=people.south_bristol, item=checklist.item, **trait)
    words = "nothing to reopen" if step == "reopen" else EVIDENCE.refusal(step, state)

    with pytest.raises(TransitionNotAllowed, match=words):
        EVIDENCE_STEPS[step](evidence, people)

    evidence.refresh_from_db()
    assert evidence.status == state
    assert not evidence.transitions.exists()


@pytest.fixture
def t1(lts_rules, people):
    join(people.south_bristol)
    return evaluate_milestones(datetime.date(2018, 6, 1)).proposed[0]


# Schedule, unschedule and pay are finance's steps through a payment run (tests/funding/test_payment_runs.py).
RELEASE_STEPS = {
    "approve": lambda r, p: release_approve(r, actor=p.commissioner),
    "authorise": lambda r, p: release_authorise(r, actor=p.finance),
    "reject": lambda r, p: release_reject(r, actor=p.commissioner, reason="Not yet."),
    "withdraw": lambda r, p: release_withdraw(r, actor=p.commissioner, reason="In error."),
}


@pytest.mark.parametrize(("step", "state"), wrong_states(RELEASES, RELEASE_STEPS))
def test_a_release_step_is_refused_from_a_state_it_does_not_leave(t1, people, step, state):
    Release.objects.filter(pk=t1.pk).update(reason="Set by the test.")  # a rejected or withdrawn one has its reason
    release = mark(t1, state)
    before = release.transitions.count()

    with pytest.raises(ReleaseTransitionNotAllowed, match=RELEASES.refusal(step, state)):
        RELEASE_STEPS[step](release, people)

    release.refresh_from_db()
    assert release.state == state
    assert release.transitions.count() == before


def test_the_refusal_reads_as_it_always_has():
    assert RELEASES.refusal("approve", ReleaseState.PAID) == "A release that is paid cannot be approved."
    assert EVIDENCE.refusal("accept", EvidenceStatus.DRAFT) == "Evidence that is draft cannot be reviewed."
    assert EVIDENCE.refusal("submit", EvidenceStatus.ACCEPTED) == "Evidence that is accepted cannot be changed."
