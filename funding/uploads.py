"""Evidence file checks: the type comes from the content (magic bytes), never the name or the browser's claim."""

import re
import unicodedata
import zipfile
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile

MAX_BYTES = 20 * 1024 * 1024
ALLOWED_DESCRIPTION = "PDF, DOCX, XLSX, ODT, PNG or JPEG"

PDF = ("pdf", "application/pdf")
PNG = ("png", "image/png")
JPEG = ("jpg", "image/jpeg")
DOCX = ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
XLSX = ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
ODT = ("odt", "application/vnd.oasis.opendocument.text")


@dataclass(frozen=True)
class CheckedUpload:
    file: UploadedFile
    original_name: str
    extension: str
    content_type: str
    size: int


def _zip_kind(upload: UploadedFile) -> tuple[str, str] | None:
    """Office documents are zip containers: tell them apart by the entries inside."""
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as archive:
            names = set(archive.namelist())
            small = "mimetype" in names and archive.getinfo("mimetype").file_size < 100
            if small and archive.read("mimetype").strip() == ODT[1].encode():
                return ODT
            if "[Content_Types].xml" in names:
                if "word/document.xml" in names:
                    return DOCX
                if "xl/workbook.xml" in names:
                    return XLSX
    except (zipfile.BadZipFile, KeyError, OSError, EOFError):
        return None
    finally:
        upload.seek(0)
    return None


def sniff(upload: UploadedFile) -> tuple[str, str] | None:
    """The (extension, content type) the file's bytes show, or None when it is not an allowed type."""
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"PK\x03\x04"):
        return _zip_kind(upload)
    return None


def clean_name(name: str) -> str:
    """The name to show: refuse folder parts outright, keep ordinary characters, limit the length."""
    if "/" in name or "\\" in name or "\x00" in name or name.strip(". ") == "":
        raise ValidationError("The file name must not include folders: rename the file and try again.")
    name = unicodedata.normalize("NFKC", name)
    name = re.sub(r"[^\w .()\-]", "_", name).strip()
    return name[-150:]


def check_upload(upload: UploadedFile) -> CheckedUpload:
    shown = upload.name or ""
    if upload.size == 0:
        raise ValidationError(f"The selected file {shown} is empty.")
    if upload.size > MAX_BYTES:
        raise ValidationError(f"The selected file {shown} must be smaller than 20 MB.")
    name = clean_name(shown)
    kind = sniff(upload)
    if kind is None:
        raise ValidationError(f"The selected file {name} must be a {ALLOWED_DESCRIPTION}.")
    extension, content_type = kind
    return CheckedUpload(upload, name, extension, content_type, upload.size)
