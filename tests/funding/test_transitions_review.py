"""evidence_accept and evidence_return: happy path, wrong state, wrong person, repeat; the payments hand-off."""

import pytest

from funding.models import EvaluationRequest, EvidenceStatus, EvidenceTransition, MilestoneEvaluation
from funding.transitions import TransitionNotAllowed, evidence_accept, evidence_return

from .factories import EvidenceFactory


@pytest.fixture
def submitted(people, checklist):
    return EvidenceFactory(
        locality=people.south_bristol, item=checklist.item, submitted=True, submitted_by=people.manager
    )


def test_it_accepts_evidence_and_asks_payments_to_evaluate(people, submitted, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        evidence_accept(submitted, actor=people.commissioner)
    submitted.refresh_from_db()
    assert submitted.status == EvidenceStatus.ACCEPTED
    assert submitted.reviewed_by == people.commissioner
    change = EvidenceTransition.objects.get(evidence=submitted)
    assert (change.from_status, change.to_status, change.actor) == ("submitted", "accepted", people.commissioner)
    request = EvaluationRequest.objects.get()
    assert (request.locality, request.evidence) == (people.south_bristol, submitted)
    # The evaluation queued on commit ran (eagerly here) and consumed the request.
    assert request.consumed_at is not None
    assert MilestoneEvaluation.objects.get().triggered_by == people.commissioner


def test_it_lets_the_merged_ccg_review_a_predecessors_locality(people, submitted):
    evidence_accept(submitted, actor=people.bnssg_commissioner)
    submitted.refresh_from_db()
    assert submitted.status == EvidenceStatus.ACCEPTED


def test_it_returns_evidence_with_a_reason(people, submitted):
    evidence_return(submitted, actor=people.commissioner, reason="Not signed by two practices.")
    submitted.refresh_from_db()
    assert submitted.status == EvidenceStatus.RETURNED
    assert submitted.return_reason == "Not signed by two practices."
    assert EvidenceTransition.objects.get(evidence=submitted).reason == "Not signed by two practices."
    assert not EvaluationRequest.objects.exists()


def test_it_needs_a_reason_to_return(people, submitted):
    with pytest.raises(TransitionNotAllowed):
        evidence_return(submitted, actor=people.commissioner, reason="   ")
    submitted.refresh_from_db()
    assert submitted.status == EvidenceStatus.SUBMITTED


@pytest.mark.parametrize("state", ["draft", "returned"])
def test_it_refuses_to_accept_unsubmitted_evidence(people, checklist, state):
    evidence = EvidenceFactory(locality=people.south_bristol, item=checklist.item, **{state: True})
    with pytest.raises(TransitionNotAllowed):
        evidence_accept(evidence, actor=people.commissioner)
    evidence.refresh_from_db()
    assert evidence.status == state
    assert not EvaluationRequest.objects.exists()


def test_it_refuses_to_return_accepted_evidence(people, checklist):
    evidence = EvidenceFactory(locality=people.south_bristol, item=checklist.item, accepted=True)
    with pytest.raises(TransitionNotAllowed):
        evidence_return(evidence, actor=people.commissioner, reason="Changed my mind")
    evidence.refresh_from_db()
    assert evidence.status == EvidenceStatus.ACCEPTED


@pytest.mark.parametrize("who", ["ns_commissioner", "manager", "lead", "finance", "data_admin", "wood_lead"])
def test_it_refuses_a_review_from_the_wrong_person(people, submitted, who):
    for review in (
        lambda: evidence_accept(submitted, actor=getattr(people, who)),
        lambda: evidence_return(submitted, actor=getattr(people, who), reason="No"),
    ):
        with pytest.raises(TransitionNotAllowed):
            review()
    submitted.refresh_from_db()
    assert submitted.status == EvidenceStatus.SUBMITTED


def test_it_refuses_a_review_by_the_submitter(people, checklist):
    evidence = EvidenceFactory(
        locality=people.south_bristol, item=checklist.item, submitted=True, submitted_by=people.commissioner
    )
    with pytest.raises(TransitionNotAllowed, match="you submitted"):
        evidence_accept(evidence, actor=people.commissioner)
    evidence.refresh_from_db()
    assert evidence.status == EvidenceStatus.SUBMITTED


def test_it_accepts_once_when_repeated(people, submitted):
    evidence_accept(submitted, actor=people.commissioner)
    evidence_accept(submitted, actor=people.commissioner)  # a double click: quiet
    with pytest.raises(TransitionNotAllowed, match="was accepted by someone else"):  # another reviewer is told
        evidence_accept(submitted, actor=people.bnssg_commissioner)
    submitted.refresh_from_db()
    assert submitted.reviewed_by == people.commissioner
    assert EvidenceTransition.objects.filter(evidence=submitted).count() == 1
    assert EvaluationRequest.objects.count() == 1


def test_it_returns_once_when_repeated(people, submitted):
    evidence_return(submitted, actor=people.commissioner, reason="First reason")
    evidence_return(submitted, actor=people.commissioner, reason="Second reason")
    submitted.refresh_from_db()
    assert submitted.return_reason == "First reason"
    assert EvidenceTransition.objects.filter(evidence=submitted).count() == 1
