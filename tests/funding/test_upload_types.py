"""Evidence files are stored, named and served under the type their content shows; macro-enabled Office files
are refused, by name and by content; the download's name, Content-Type and attachment disposition agree."""

import datetime
from pathlib import Path

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from funding import uploads
from funding.models import EvidenceFile

from .factories import EvidenceFactory
from .test_uploads import DOCX, JPEG, PDF, PNG, XLSX, zipped

DOCM_BY_CONTENT = zipped(
    {
        "[Content_Types].xml": b"<Types/>",
        "word/document.xml": b"<w:document/>",
        "word/vbaProject.bin": b"\xd0\xcf\x11\xe0 macros",
    }
)
XLSM_BY_CONTENT_TYPE = zipped(
    {
        "[Content_Types].xml": b'<Types><Override PartName="/xl/workbook.xml" '
        b'ContentType="application/vnd.ms-excel.sheet.macroEnabled.main+xml"/></Types>',
        "xl/workbook.xml": b"<workbook/>",
    }
)
ODT_WITH_BASIC = zipped(
    {
        "mimetype": b"application/vnd.oasis.opendocument.text",
        "content.xml": b"<office/>",
        "Basic/Standard/Module1.xml": b"<script/>",
    }
)


@pytest.fixture(autouse=True)
def _before_the_deadline():
    with time_machine.travel(datetime.datetime(2017, 11, 1, 9, tzinfo=datetime.UTC), tick=False):
        yield


@pytest.mark.parametrize(
    ("name", "data", "stored_as"),
    [
        ("minutes.html", PDF, "minutes.pdf"),
        ("logo.svg", PDF, "logo.pdf"),
        ("setup.exe", PDF, "setup.pdf"),
        ("chart.svg", PNG, "chart.png"),
        ("page.htm", JPEG, "page.jpg"),
        ("plan.pdf", DOCX, "plan.docx"),
        ("budget", XLSX, "budget.xlsx"),
        ("photo.jpeg", JPEG, "photo.jpeg"),
        ("Minutes v1.2 final.PDF", PDF, "Minutes v1.2 final.pdf"),
    ],
)
def test_a_file_is_named_with_the_extension_of_its_content(name, data, stored_as):
    checked = uploads.check_upload(SimpleUploadedFile(name, data))
    assert checked.original_name == stored_as


@pytest.mark.parametrize("extension", ["docm", "dotm", "xlsm", "xltm", "xlam", "pptm", "potm", "ppsm"])
def test_a_macro_enabled_extension_is_refused_whatever_the_content(extension):
    with pytest.raises(ValidationError, match="macro-enabled Office file"):
        uploads.check_upload(SimpleUploadedFile(f"plan.{extension}", DOCX))


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("plan.docx", DOCM_BY_CONTENT),
        ("budget.xlsx", XLSM_BY_CONTENT_TYPE),
        ("minutes.odt", ODT_WITH_BASIC),
        ("innocent.pdf", DOCM_BY_CONTENT),
    ],
)
def test_macros_inside_the_file_are_refused_whatever_the_name(name, data):
    with pytest.raises(ValidationError, match="macro-enabled Office file"):
        uploads.check_upload(SimpleUploadedFile(name, data))


def item_url(people, checklist):
    return reverse("funding:item", args=[people.south_bristol.code, checklist.item.pk])


def post_files(client, people, checklist, *files):
    client.force_login(people.manager)
    return client.post(item_url(people, checklist), {"statement": "x", "action": "draft", "files": list(files)})


def download(client, stored):
    return client.get(reverse("funding:file", args=[stored.public_id]))


@pytest.mark.parametrize(
    ("name", "data", "served", "content_type"),
    [
        ("minutes.html", PDF, "minutes.pdf", "application/pdf"),
        ("logo.svg", PNG, "logo.png", "image/png"),
        ("setup.exe", PDF, "setup.pdf", "application/pdf"),
    ],
)
def test_an_upload_is_stored_and_served_under_its_detected_type(
    client, people, checklist, name, data, served, content_type
):
    response = post_files(client, people, checklist, SimpleUploadedFile(name, data, content_type="text/html"))
    assert response.status_code == 302
    stored = EvidenceFile.objects.get()
    assert stored.original_name == served
    assert stored.content_type == content_type
    assert Path(stored.file.name).suffix == Path(served).suffix
    response = download(client, stored)
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"] == f'attachment; filename="{served}"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == data
    page = client.get(item_url(people, checklist)).content.decode()
    assert served in page and name not in page


def test_a_macro_enabled_upload_is_refused_with_a_message_and_nothing_kept(client, people, checklist):
    response = post_files(
        client,
        people,
        checklist,
        SimpleUploadedFile("plan.docm", DOCX),
        SimpleUploadedFile("agreement.pdf", PDF),
    )
    assert response.status_code == 200
    assert "plan.docm is a macro-enabled Office file" in response.content.decode()
    assert not EvidenceFile.objects.exists()
    assert not checklist.item.evidence.exists()


def test_a_docx_holding_a_vba_project_is_refused_through_the_page(client, people, checklist):
    response = post_files(client, people, checklist, SimpleUploadedFile("plan.docx", DOCM_BY_CONTENT))
    assert response.status_code == 200
    assert "macro-enabled Office file" in response.content.decode()
    assert not EvidenceFile.objects.exists()


@pytest.mark.parametrize(
    ("original_name", "content_type", "served", "served_type"),
    [
        ("minutes.html", "application/pdf", "minutes.pdf", "application/pdf"),
        ("logo.svg", "image/png", "logo.png", "image/png"),
        ("setup.exe", "application/pdf", "setup.pdf", "application/pdf"),
        ("odd.pdf", "text/html", "odd.bin", "application/octet-stream"),
    ],
)
def test_a_row_stored_before_the_rule_is_served_under_its_type(
    client, people, checklist, original_name, content_type, served, served_type
):
    """Rows written before names followed the content still download under the detected type's extension."""
    evidence = EvidenceFactory(locality=people.south_bristol, item=checklist.item, submitted=True)
    stored = EvidenceFile(
        evidence=evidence,
        original_name=original_name,
        content_type=content_type,
        size=len(PDF),
        uploaded_by=people.manager,
        uploaded_at=timezone.now(),
    )
    stored.file.save("upload.bin", ContentFile(PDF), save=True)
    client.force_login(people.commissioner)
    response = download(client, stored)
    assert response["Content-Type"] == served_type
    assert response["Content-Disposition"] == f'attachment; filename="{served}"'
    assert response["X-Content-Type-Options"] == "nosniff"
