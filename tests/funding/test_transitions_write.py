"""evidence_save_draft and evidence_submit: happy path, wrong state, wrong person, repeat."""

from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from funding import transitions
from funding.models import EvidenceFile, EvidenceStatus, EvidenceTransition
from funding.transitions import TransitionNotAllowed, evidence_save_draft, evidence_submit
from funding.uploads import check_upload

from .factories import EvidenceFactory
from .test_uploads import PDF


def test_it_saves_a_first_draft(people, checklist):
    evidence = evidence_save_draft(people.south_bristol, checklist.item, actor=people.manager, statement="Started")
    evidence.refresh_from_db()
    assert evidence.status == EvidenceStatus.DRAFT
    assert evidence.statement == "Started"
    change = EvidenceTransition.objects.get(evidence=evidence)
    assert (change.from_status, change.to_status, change.actor) == ("not_started", "draft", people.manager)


def test_it_saves_a_draft_again_without_a_new_transition(people, checklist):
    evidence_save_draft(people.south_bristol, checklist.item, actor=people.manager, statement="One")
    evidence = evidence_save_draft(people.south_bristol, checklist.item, actor=people.lead, statement="Two")
    evidence.refresh_from_db()
    assert evidence.statement == "Two"
    assert EvidenceTransition.objects.filter(evidence=evidence).count() == 1
    assert evidence.history.count() == 3  # created, draft, edited


def test_it_turns_returned_evidence_back_into_a_draft(people, checklist):
    evidence = EvidenceFactory(locality=people.south_bristol, item=checklist.item, returned=True)
    evidence_save_draft(people.south_bristol, checklist.item, actor=people.manager, statement="Fixed")
    evidence.refresh_from_db()
    assert evidence.status == EvidenceStatus.DRAFT


@pytest.mark.parametrize("state", ["submitted", "accepted"])
def test_it_refuses_a_draft_in_a_closed_state(people, checklist, state):
    evidence = EvidenceFactory(locality=people.south_bristol, item=checklist.item, **{state: True})
    with pytest.raises(TransitionNotAllowed):
        evidence_save_draft(people.south_bristol, checklist.item, actor=people.manager, statement="Sneaky edit")
    evidence.refresh_from_db()
    assert evidence.status == state
    assert evidence.statement != "Sneaky edit"


@pytest.mark.parametrize("who", ["wood_manager", "wood_lead", "commissioner", "data_admin", "finance"])
def test_it_refuses_a_draft_from_outside_the_locality(people, checklist, who):
    with pytest.raises(TransitionNotAllowed):
        evidence_save_draft(people.south_bristol, checklist.item, actor=getattr(people, who), statement="x")
    assert not EvidenceTransition.objects.exists()


def test_it_submits_evidence(people, checklist):
    evidence_save_draft(people.south_bristol, checklist.item, actor=people.manager, statement="Draft")
    evidence = evidence_submit(people.south_bristol, checklist.item, actor=people.lead, statement="Final")
    evidence.refresh_from_db()
    assert evidence.status == EvidenceStatus.SUBMITTED
    assert evidence.submitted_by == people.lead
    assert evidence.submitted_at is not None
    last = EvidenceTransition.objects.filter(evidence=evidence).last()
    assert (last.from_status, last.to_status, last.statement) == ("draft", "submitted", "Final")


def test_it_resubmits_returned_evidence(people, checklist):
    evidence = EvidenceFactory(locality=people.south_bristol, item=checklist.item, returned=True)
    evidence_submit(people.south_bristol, checklist.item, actor=people.manager, statement="Signed now")
    evidence.refresh_from_db()
    assert evidence.status == EvidenceStatus.SUBMITTED
    assert evidence.submitted_by == people.manager


def test_it_needs_a_statement_to_submit(people, checklist):
    with pytest.raises(TransitionNotAllowed):
        evidence_submit(people.south_bristol, checklist.item, actor=people.manager, statement="  ")


def test_it_refuses_to_submit_accepted_evidence(people, checklist):
    evidence = EvidenceFactory(locality=people.south_bristol, item=checklist.item, accepted=True)
    with pytest.raises(TransitionNotAllowed):
        evidence_submit(people.south_bristol, checklist.item, actor=people.manager, statement="Again")
    evidence.refresh_from_db()
    assert evidence.status == EvidenceStatus.ACCEPTED


@pytest.mark.parametrize("who", ["wood_manager", "wood_lead", "commissioner", "bnssg_commissioner"])
def test_it_refuses_a_submission_from_outside_the_locality(people, checklist, who):
    with pytest.raises(TransitionNotAllowed):
        evidence_submit(people.south_bristol, checklist.item, actor=getattr(people, who), statement="x")
    assert not EvidenceTransition.objects.exists()


def test_it_submits_once_when_repeated(people, checklist):
    first = evidence_submit(people.south_bristol, checklist.item, actor=people.manager, statement="Final")
    again = evidence_submit(people.south_bristol, checklist.item, actor=people.lead, statement="Changed")
    first.refresh_from_db()
    assert again.pk == first.pk
    assert first.statement == "Final"
    assert first.submitted_by == people.manager
    assert EvidenceTransition.objects.filter(evidence=first).count() == 1


def test_a_failed_write_leaves_neither_rows_nor_files(people, checklist, monkeypatch):
    """The files are stored inside the transaction; when it fails, they are removed with their rows."""

    def failing_record(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(transitions, "_record", failing_record)
    evidence_dir = Path(settings.MEDIA_ROOT) / "evidence"
    before = set(evidence_dir.rglob("*")) if evidence_dir.exists() else set()
    upload = check_upload(SimpleUploadedFile("minutes.pdf", PDF))

    with pytest.raises(RuntimeError):
        evidence_save_draft(people.south_bristol, checklist.item, actor=people.manager, statement="x", files=[upload])

    assert not EvidenceFile.objects.exists()
    after = set(evidence_dir.rglob("*")) if evidence_dir.exists() else set()
    assert {p for p in after - before if p.is_file()} == set()
