"""Evidence as the locality meets it: removing a file from a draft (with a confirmation), a complete phase says so,
one checklist heading, and a first draft save without waiting on anything but the database."""

import datetime
from pathlib import Path

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from funding.models import Evidence, EvidenceFile, EvidenceStatus
from funding.transitions import TransitionNotAllowed, evidence_accept, evidence_file_remove, evidence_submit

from .test_uploads import DOCX, PDF


@pytest.fixture(autouse=True)
def _before_the_deadline():
    with time_machine.travel(datetime.datetime(2017, 11, 1, 9, tzinfo=datetime.UTC), tick=False):
        yield


def item_url(people, item):
    return reverse("funding:item", args=[people.south_bristol.code, item.pk])


def draft_with_files(client, people, item):
    client.force_login(people.manager)
    files = [SimpleUploadedFile("agreement.pdf", PDF), SimpleUploadedFile("plan.docx", DOCX)]
    assert client.post(item_url(people, item), {"statement": "Draft", "action": "draft", "files": files}).status_code
    return {f.original_name: f for f in EvidenceFile.objects.all()}


def test_a_file_is_removed_from_a_draft_after_a_confirmation(
    client, people, checklist, django_capture_on_commit_callbacks
):
    files = draft_with_files(client, people, checklist.item)
    agreement = files["agreement.pdf"]
    path = Path(agreement.file.path)
    page = client.get(item_url(people, checklist.item)).content.decode()
    assert f"?remove={agreement.public_id}" in page

    confirm = client.get(item_url(people, checklist.item), {"remove": str(agreement.public_id)}).content.decode()
    assert "Remove agreement.pdf?" in confirm and "Yes, remove the file" in confirm
    assert EvidenceFile.objects.filter(pk=agreement.pk).exists()  # nothing happens on GET

    with django_capture_on_commit_callbacks(execute=True):  # the stored file goes once the removal commits
        done = client.post(item_url(people, checklist.item), {"remove_file": str(agreement.public_id)}, follow=True)
    assert "agreement.pdf has been removed from the draft." in done.content.decode()
    assert list(EvidenceFile.objects.values_list("original_name", flat=True)) == ["plan.docx"]
    assert not path.exists()
    evidence = Evidence.objects.get()
    assert evidence.history.first().history_change_reason == "File removed: agreement.pdf"


def test_a_file_cannot_be_removed_once_submitted(client, people, checklist):
    files = draft_with_files(client, people, checklist.item)
    evidence_submit(people.south_bristol, checklist.item, actor=people.manager, statement="Ready")
    with pytest.raises(TransitionNotAllowed, match="only from a draft"):
        evidence_file_remove(files["plan.docx"], actor=people.manager)
    page = client.get(item_url(people, checklist.item), {"remove": str(files["plan.docx"].public_id)})
    assert "?remove=" not in page.content.decode() and "Yes, remove the file" not in page.content.decode()
    assert (
        client.post(item_url(people, checklist.item), {"remove_file": str(files["plan.docx"].public_id)}).status_code
        == 403
    )


def test_someone_outside_the_locality_cannot_remove_a_file(client, people, checklist):
    files = draft_with_files(client, people, checklist.item)
    with pytest.raises(TransitionNotAllowed):
        evidence_file_remove(files["plan.docx"], actor=people.wood_manager)
    assert EvidenceFile.objects.count() == 2


def test_a_phase_with_every_item_accepted_is_complete_not_late(client, people, checklist):
    with time_machine.travel(datetime.datetime(2018, 2, 1, 9, tzinfo=datetime.UTC), tick=False):
        for item in checklist.items[:3]:
            evidence = evidence_submit(people.south_bristol, item, actor=people.manager, statement="Done")
            evidence_accept(evidence, actor=people.commissioner)
        client.force_login(people.manager)
        page = client.get(reverse("funding:checklist", args=[people.south_bristol.code])).content.decode()
    phase1 = page[page.index("Phase 1") : page.index("Phase 2")]
    assert "Complete: every item is accepted." in phase1 and "The deadline has passed" not in phase1
    assert page.count("Governance checklist</h") == 1


def test_the_first_draft_save_queues_nothing_and_runs_few_queries(
    client, people, checklist, django_assert_max_num_queries
):
    client.force_login(people.manager)
    client.get(item_url(people, checklist.item))
    with django_assert_max_num_queries(40):
        response = client.post(item_url(people, checklist.item), {"statement": "First draft", "action": "draft"})
    assert response.status_code == 302
    assert Evidence.objects.get().status == EvidenceStatus.DRAFT
