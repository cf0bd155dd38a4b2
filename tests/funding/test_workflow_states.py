"""Each evidence, release, payment run and rule change step is refused from every state its workflow does not leave
from, and changes nothing (EVIDENCE, RELEASES, PAYMENT_RUNS and RULE_CHANGES, described with onecare.workflow)."""

import datetime

import pytest

from funding.evaluation import evaluate_milestones
from funding.models import EvidenceStatus, PaymentRunState, Release, ReleaseState, RuleChangeState, Tranche
from funding.payment_runs import (
    PAYMENT_RUNS,
    PaymentRunNotAllowed,
    payment_run_add,
    payment_run_create,
    payment_run_lock,
    payment_run_mark_paid,
    payment_run_remove,
)
from funding.release_transitions import (
    ReleaseTransitionNotAllowed,
    release_approve,
    release_authorise,
    release_reject,
    release_withdraw,
)
from funding.release_workflow import RELEASES
from funding.rule_changes import (
    RULE_CHANGES,
    RuleChangeNotAllowed,
    rule_change_approve,
    rule_change_propose,
    rule_change_reject,
    rule_change_withdraw,
)
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


# Payment runs: a draft takes releases in and out and is locked; a locked run is marked paid.


@pytest.fixture
def authorised(lts_rules, people):
    join(people.south_bristol, people.woodspring)
    return [mark(r, ReleaseState.AUTHORISED) for r in evaluate_milestones(datetime.date(2018, 6, 1)).proposed]


def run_in(state, releases, people, bnssg):
    run = payment_run_create(bnssg, actor=people.finance, name="LTS, June 2018")
    if state != PaymentRunState.DRAFT:
        payment_run_add(run, releases[:1], actor=people.finance)
        payment_run_lock(run, actor=people.finance)
    if state == PaymentRunState.PAID:
        payment_run_mark_paid(run, actor=people.finance)
    run.refresh_from_db()
    return run


RUN_STEPS = {  # each step, and the words of its refusal from a state it does not leave
    "add": (lambda run, rs, p: payment_run_add(run, rs[1:], actor=p.finance), "nothing can be added"),
    "remove": (lambda run, rs, p: payment_run_remove(run, rs[:1], actor=p.finance), "it cannot change"),
    "lock": (lambda run, rs, p: payment_run_lock(run, actor=p.finance), "it cannot be locked again"),
    "pay": (lambda run, rs, p: payment_run_mark_paid(run, actor=p.finance), "Lock the run"),
}


def test_every_payment_run_step_is_tried():
    assert set(RUN_STEPS) == set(PAYMENT_RUNS.steps)


@pytest.mark.parametrize(("step", "state"), wrong_states(PAYMENT_RUNS, RUN_STEPS))
def test_a_payment_run_step_is_refused_from_a_state_it_does_not_leave(authorised, people, bnssg, step, state):
    run = run_in(state, authorised, people, bnssg)
    history, releases = run.history.count(), set(run.releases.values_list("pk", flat=True))
    make, words = RUN_STEPS[step]

    with pytest.raises(PaymentRunNotAllowed, match=words):
        make(run, authorised, people)

    run.refresh_from_db()
    assert run.state == state
    assert (run.history.count(), set(run.releases.values_list("pk", flat=True))) == (history, releases)


# Rule changes: proposed, then decided once.


def change_in(state, people):
    tranche = Tranche.objects.get(code="T3")
    change = rule_change_propose(tranche, {"opens_on_joining": True, "gate_items": []}, actor=people.commissioner)
    if state == RuleChangeState.APPROVED:
        rule_change_approve(change, actor=people.bnssg_commissioner)
    elif state == RuleChangeState.REJECTED:
        rule_change_reject(change, actor=people.bnssg_commissioner, reason="Not now.")
    elif state == RuleChangeState.WITHDRAWN:
        rule_change_withdraw(change, actor=people.commissioner)
    change.refresh_from_db()
    return change


CHANGE_STEPS = {
    "approve": lambda change, p: rule_change_approve(change, actor=p.bnssg_commissioner),
    "reject": lambda change, p: rule_change_reject(change, actor=p.bnssg_commissioner, reason="No."),
    "withdraw": lambda change, p: rule_change_withdraw(change, actor=p.commissioner),
}


def test_every_rule_change_step_is_tried():
    assert set(CHANGE_STEPS) == set(RULE_CHANGES.steps)


@pytest.mark.parametrize(("step", "state"), wrong_states(RULE_CHANGES, CHANGE_STEPS))
def test_a_rule_change_step_is_refused_from_a_state_it_does_not_leave(lts_rules, people, step, state):
    change = change_in(state, people)
    history = change.history.count()
    target = RULE_CHANGES.step(step).target.label.lower()

    with pytest.raises(RuleChangeNotAllowed, match=f"This change is {state.label.lower()}: it cannot be {target}"):
        CHANGE_STEPS[step](change, people)

    change.refresh_from_db()
    assert (change.state, change.history.count()) == (state, history)
