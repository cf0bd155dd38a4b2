"""Upload checks: type by content, size limits, names with folders."""

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from funding import uploads


def zipped(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


DOCX = zipped({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"})
XLSX = zipped({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"})
ODT = zipped({"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<office/>"})
PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32
EXE = b"MZ\x90\x00" + b"\x00" * 60


@pytest.mark.parametrize(
    ("name", "data", "extension", "stored_as"),
    [
        ("agreement.pdf", PDF, "pdf", "agreement.pdf"),
        ("plan.docx", DOCX, "docx", "plan.docx"),
        ("budget.xlsx", XLSX, "xlsx", "budget.xlsx"),
        ("minutes.odt", ODT, "odt", "minutes.odt"),
        ("chart.png", PNG, "png", "chart.png"),
        ("photo.jpeg", JPEG, "jpg", "photo.jpeg"),
        ("misnamed.docx", PDF, "pdf", "misnamed.pdf"),
    ],
)
def test_it_accepts_allowed_types_by_content(name, data, extension, stored_as):
    checked = uploads.check_upload(SimpleUploadedFile(name, data))
    assert checked.extension == extension
    assert checked.original_name == stored_as


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("invoice.pdf", EXE),
        ("notes.docx", zipped({"readme.txt": b"not office"})),
        ("page.pdf", b"<html><script>alert(1)</script></html>"),
        ("fake.xlsx", b"PK\x03\x04 broken zip"),
    ],
)
def test_it_refuses_other_content_whatever_the_name(name, data):
    with pytest.raises(ValidationError, match="must be a PDF"):
        uploads.check_upload(SimpleUploadedFile(name, data))


def test_it_refuses_an_empty_file():
    with pytest.raises(ValidationError, match="is empty"):
        uploads.check_upload(SimpleUploadedFile("empty.pdf", b""))


def test_it_refuses_a_file_over_20_mb():
    big = SimpleUploadedFile("big.pdf", PDF + b"0" * (20 * 1024 * 1024))
    with pytest.raises(ValidationError, match="smaller than 20 MB"):
        uploads.check_upload(big)


def test_it_accepts_a_file_of_exactly_20_mb():
    exact = SimpleUploadedFile("exact.pdf", PDF + b"0" * (20 * 1024 * 1024 - len(PDF)))
    assert uploads.check_upload(exact).size == 20 * 1024 * 1024


@pytest.mark.parametrize("name", ["..\\..\\settings.pdf", "C:\\temp\\plan.pdf", "\x00.pdf"])
def test_it_refuses_names_with_folders(name):
    upload = SimpleUploadedFile("x.pdf", PDF)
    upload.name = name
    with pytest.raises(ValidationError, match="must not include folders"):
        uploads.check_upload(upload)


def test_it_cleans_odd_characters_from_the_name():
    checked = uploads.check_upload(SimpleUploadedFile("plan <final>;.pdf", PDF))
    assert checked.original_name == "plan _final__.pdf"
