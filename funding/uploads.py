"""Evidence file checks: the type comes from the content (magic bytes), never the name or the browser's claim.

A file is stored, named and served under the extension of the type its bytes show: a PDF uploaded as
`minutes.html` or `setup.exe` becomes `minutes.pdf` or `setup.pdf`. Macro-enabled Office files are
refused, by their extension and by their content (a vbaProject.bin, or a macro-enabled content type).
"""

import re
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import PurePosixPath

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
KINDS = [PDF, PNG, JPEG, DOCX, XLSX, ODT]
EXTENSION_OF = {content_type: extension for extension, content_type in KINDS}
# Other spellings of a detected type's extension that a name may keep (photo.jpeg stays photo.jpeg).
ALIASES = {"jpg": {"jpg", "jpeg"}}
UNKNOWN_TYPE = ("bin", "application/octet-stream")

# Office formats that carry macros (code that can run when the file is opened).
MACRO_EXTENSIONS = {
    "docm", "dotm", "xlsm", "xltm", "xlam", "pptm", "potm", "ppsm", "ppam", "sldm",
}  # fmt: skip
MACRO_REFUSED = (
    "The selected file {name} is a macro-enabled Office file. Macros can run code when the file is opened, "
    "so the portal does not accept them: save it as a document or workbook without macros "
    "(.docx or .xlsx) and try again."
)
CONTENT_TYPES_MAX_BYTES = 1_000_000


class MacroEnabled(Exception):
    """The file holds macros (or says it does)."""


@dataclass(frozen=True)
class CheckedUpload:
    file: UploadedFile
    original_name: str
    extension: str
    content_type: str
    size: int


def _has_macros(archive: zipfile.ZipFile, names: set[str]) -> bool:
    """A VBA project anywhere, a macro-enabled content type, or an OpenDocument's Basic or script folders."""
    lowered = {name.lower() for name in names}
    if any(PurePosixPath(name).name in ("vbaproject.bin", "vbadata.xml") for name in lowered):
        return True
    if any(name.startswith(("basic/", "scripts/")) for name in lowered):
        return True
    if "[Content_Types].xml" in names:
        info = archive.getinfo("[Content_Types].xml")
        if info.file_size > CONTENT_TYPES_MAX_BYTES:
            return True  # no honest document needs a megabyte of content types: refuse rather than read it
        types = archive.read(info).lower()
        if b"macroenabled" in types or b"vbaproject" in types:
            return True
    return False


def _zip_kind(upload: UploadedFile) -> tuple[str, str] | None:
    """Office documents are zip containers: tell them apart by the entries inside."""
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as archive:
            names = set(archive.namelist())
            if _has_macros(archive, names):
                raise MacroEnabled
            small = "mimetype" in names and archive.getinfo("mimetype").file_size < 100
            if small and archive.read("mimetype").strip() == ODT[1].encode():
                return ODT
            if "[Content_Types].xml" in names:
                if "word/document.xml" in names:
                    return DOCX
                if "xl/workbook.xml" in names:
                    return XLSX
    except (zipfile.BadZipFile, KeyError, OSError, EOFError, zlib.error, NotImplementedError, RuntimeError, ValueError):
        return None  # damaged, encrypted or oddly compressed: not a document the portal accepts
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


def named_as(name: str, extension: str) -> str:
    """The name with the extension of the detected type: the base name kept, its own extension replaced."""
    path = PurePosixPath(name or "file")
    suffix = path.suffix.lower().lstrip(".")
    if suffix in ALIASES.get(extension, {extension}):
        base, extension = path.stem, suffix
    else:
        base = path.stem if suffix and suffix.isalnum() else path.name
    base = base.strip(". ") or "file"
    return f"{base[: 150 - len(extension) - 1]}.{extension}"


def served_as(name: str, content_type: str) -> tuple[str, str]:
    """The (file name, content type) to serve a stored file under: always the extension of its type."""
    extension = EXTENSION_OF.get(content_type)
    if extension is None:
        extension, content_type = UNKNOWN_TYPE
    return named_as(name, extension), content_type


def _is_macro_name(name: str) -> bool:
    return PurePosixPath(name).suffix.lower().lstrip(".") in MACRO_EXTENSIONS


def check_upload(upload: UploadedFile) -> CheckedUpload:
    shown = upload.name or ""
    if upload.size == 0:
        raise ValidationError(f"The selected file {shown} is empty.")
    if upload.size > MAX_BYTES:
        raise ValidationError(f"The selected file {shown} must be smaller than 20 MB.")
    name = clean_name(shown)
    if _is_macro_name(name):
        raise ValidationError(MACRO_REFUSED.format(name=name))
    try:
        kind = sniff(upload)
    except MacroEnabled:
        raise ValidationError(MACRO_REFUSED.format(name=name)) from None
    if kind is None:
        raise ValidationError(f"The selected file {name} must be a {ALLOWED_DESCRIPTION}.")
    extension, content_type = kind
    return CheckedUpload(upload, named_as(name, extension), extension, content_type, upload.size)
