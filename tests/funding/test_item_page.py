"""The item page: guidance, history, and the evidence form with files."""

import datetime
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from funding.models import EvidenceFile, EvidenceStatus

from .factories import EvidenceFactory, TransitionFactory
from .test_uploads import DOCX, EXE, PDF


@pytest.fixture(autouse=True)
def _before_the_deadline():
    with time_machine.travel(datetime.datetime(2017, 11, 1, 9, tzinfo=datetime.UTC), tick=False):
        yield


def url(people, checklist):
    return reverse("funding:item", args=[people.south_bristol.code, checklist.item.pk])


def test_it_shows_guidance_and_the_form(client, people, checklist):
    client.force_login(people.manager)
    page = client.get(url(people, checklist)).content.decode()
    assert "What good evidence looks like." in page
    assert 'enctype="multipart/form-data"' in page
    assert "Not started" in page
    assert "<script>" not in page and "style=" not in page


def test_it_saves_a_draft_with_files_under_generated_names(client, people, checklist):
    client.force_login(people.manager)
    files = [SimpleUploadedFile("agreement.pdf", PDF), SimpleUploadedFile("plan.docx", DOCX)]
    response = client.post(url(people, checklist), {"statement": "Draft", "action": "draft", "files": files})
    assert response.status_code == 302
    stored = list(EvidenceFile.objects.order_by("original_name"))
    assert [f.original_name for f in stored] == ["agreement.pdf", "plan.docx"]
    for f in stored:
        path = Path(f.file.path)
        assert path.is_relative_to(Path(settings.MEDIA_ROOT))
        assert "agreement" not in path.name and "plan" not in path.name
        assert path.read_bytes()[:4] in {PDF[:4], DOCX[:4]}
    assert stored[0].evidence.status == EvidenceStatus.DRAFT


def test_it_submits_and_shows_the_history(client, people, checklist):
    client.force_login(people.lead)
    client.post(url(people, checklist), {"statement": "Our agreement", "action": "submit"})
    evidence = checklist.item.evidence.get()
    assert evidence.status == EvidenceStatus.SUBMITTED
    page = client.get(url(people, checklist)).content.decode()
    assert "Submitted</strong> by" in page
    assert 'name="action"' not in page


def test_it_shows_the_return_reason_and_takes_a_resubmission(client, people, checklist):
    evidence = EvidenceFactory(locality=people.south_bristol, item=checklist.item, returned=True)
    TransitionFactory(evidence=evidence, to_status="returned", reason="The agreement is not signed.")
    client.force_login(people.manager)
    page = client.get(url(people, checklist)).content.decode()
    assert page.count("The agreement is not signed.") == 2
    client.post(url(people, checklist), {"statement": "Signed", "action": "submit"})
    evidence.refresh_from_db()
    assert evidence.status == EvidenceStatus.SUBMITTED


def test_it_refuses_a_renamed_executable_and_keeps_nothing(client, people, checklist):
    client.force_login(people.manager)
    upload = SimpleUploadedFile("minutes.pdf", EXE)
    response = client.post(url(people, checklist), {"statement": "x", "action": "draft", "files": [upload]})
    assert response.status_code == 200
    assert "must be a PDF" in response.content.decode()
    assert not EvidenceFile.objects.exists()
    assert not checklist.item.evidence.exists()


def test_it_refuses_a_zero_byte_file(client, people, checklist):
    client.force_login(people.manager)
    upload = SimpleUploadedFile("empty.pdf", b"")
    response = client.post(url(people, checklist), {"statement": "x", "action": "draft", "files": [upload]})
    assert "is empty" in response.content.decode()
    assert not EvidenceFile.objects.exists()


def raw_multipart(filename: str, data: bytes) -> bytes:
    """A hand-made request body: browsers send a bare file name, an attacker can send any."""
    parts = [
        b'--B\r\nContent-Disposition: form-data; name="statement"\r\n\r\nx\r\n',
        b'--B\r\nContent-Disposition: form-data; name="action"\r\n\r\ndraft\r\n',
        b'--B\r\nContent-Disposition: form-data; name="files"; filename="' + filename.encode() + b'"\r\n'
        b"Content-Type: application/pdf\r\n\r\n" + data + b"\r\n",
        b"--B--\r\n",
    ]
    return b"".join(parts)


def test_it_strips_folders_from_an_uploaded_name(client, people, checklist):
    client.force_login(people.manager)
    body = raw_multipart("../../../etc/evil.pdf", PDF)
    response = client.post(url(people, checklist), body, content_type="multipart/form-data; boundary=B")
    assert response.status_code == 302
    stored = EvidenceFile.objects.get()
    assert stored.original_name == "evil.pdf"
    assert Path(stored.file.path).is_relative_to(Path(settings.MEDIA_ROOT) / "evidence")
    assert "evil" not in stored.file.name


def test_it_needs_a_statement_to_submit(client, people, checklist):
    client.force_login(people.manager)
    response = client.post(url(people, checklist), {"statement": "", "action": "submit"})
    assert "Write a statement" in response.content.decode()
    assert not checklist.item.evidence.exists()


def test_it_shows_a_commissioner_the_item_without_the_form(client, people, checklist):
    client.force_login(people.commissioner)
    page = client.get(url(people, checklist)).content.decode()
    assert 'name="action"' not in page
    assert client.post(url(people, checklist), {"statement": "x", "action": "submit"}).status_code == 403
