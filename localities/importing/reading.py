"""Reading an offered file safely: its size before anything else, what kind of bytes it holds, its SHA-256
and text encoding, then its records one at a time (CSV text, or the first sheet of an XLSX workbook)."""

import codecs
import csv
import datetime
import hashlib
import io
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

from django.conf import settings

from .outcome import ImportRejected

DEFAULT_MAX_BYTES = 50_000_000
CHUNK_BYTES = 1 << 20
PROGRESS_EVERY = 2000

# The first bytes of files people upload by mistake, and what to call them in the message.
MAGIC_NUMBERS = [
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"%PDF", "a PDF document"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old-style Office file (such as an Excel 97-2003 .xls workbook)"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
]
UNICODE_BOMS = [
    (b"\xff\xfe\x00\x00", "UTF-32"),
    (b"\x00\x00\xfe\xff", "UTF-32"),
    (b"\xff\xfe", "UTF-16"),
    (b"\xfe\xff", "UTF-16"),
]
# Text never holds these (tab, line feed and carriage return aside).
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
SAVE_AS = "Save it from the spreadsheet as 'CSV UTF-8' (or download it again) and try again."

Progress = Callable[[float], None]


@dataclass(frozen=True, slots=True)
class Record:
    """One row of the file: its line number (the header is line 1), its cells, and whether it was the last."""

    line: int
    cells: list
    last: bool


def max_bytes() -> int:
    return getattr(settings, "PRACTICE_IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES)


def describe_size(size: int) -> str:
    if size >= 1_000_000:
        return f"{size / 1_000_000:.1f} MB"
    return f"{size / 1000:.1f} KB" if size >= 1000 else f"{size} bytes"


@dataclass
class Source:
    stream: BinaryIO
    size: int
    sha256: str
    kind: str  # "csv" or "xlsx"
    encoding: str | None = None

    def records(self, progress: Progress | None = None) -> Iterator[Record]:
        rows = self._xlsx_rows(progress) if self.kind == "xlsx" else self._csv_rows(progress)
        previous = None
        for line, cells in rows:
            if previous is not None:
                yield Record(previous[0], previous[1], last=False)
            previous = (line, cells)
        if previous is not None:
            yield Record(previous[0], previous[1], last=True)

    def _csv_rows(self, progress: Progress | None) -> Iterator[tuple[int, list]]:
        self.stream.seek(0)
        text = io.TextIOWrapper(self.stream, encoding=self.encoding, newline="")
        try:
            reader = csv.reader(text)
            for count, cells in enumerate(reader, start=1):
                if progress and count % PROGRESS_EVERY == 0:
                    progress(min(self.stream.tell() / self.size, 1.0))
                if cells and (len(cells) > 1 or cells[0].strip()):
                    yield reader.line_num, cells
        except csv.Error as error:
            raise ImportRejected(f"The file is not valid CSV near line {reader.line_num}: {error}.") from error
        finally:
            text.detach()  # the caller owns the stream: do not let the wrapper close it

    def _xlsx_rows(self, progress: Progress | None) -> Iterator[tuple[int, list]]:
        import openpyxl  # only workbooks need it

        self.stream.seek(0)
        try:
            workbook = openpyxl.load_workbook(self.stream, read_only=True, data_only=True)
        except Exception as error:  # openpyxl raises many kinds for a damaged workbook
            raise ImportRejected(f"The Excel workbook could not be opened ({error}). {SAVE_AS}") from error
        try:
            sheet = workbook.worksheets[0]
            total = sheet.max_row or 1
            for line, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                if progress and line % PROGRESS_EVERY == 0:
                    progress(min(line / total, 1.0))
                cells = [_cell_text(value) for value in values]
                if any(cell != "" for cell in cells):  # every row is as wide as the sheet: no padding needed
                    yield line, cells
        finally:
            workbook.close()


def _cell_text(value):
    """Cells as the CSV reader would give them, except dates, which stay dates."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def too_big(size: int, limit: int | None = None) -> str:
    limit = max_bytes() if limit is None else limit
    return (
        f"The file is {describe_size(size)}; the largest file the portal accepts is {describe_size(limit)}. "
        "Nothing was read. Split the file, or ask for the limit (PRACTICE_IMPORT_MAX_BYTES) to be raised."
    )


def open_source(stream: BinaryIO, limit: int | None = None) -> Source:
    """Check a seekable binary file and say how to read it, or refuse it with a plain-English reason."""
    limit = max_bytes() if limit is None else limit
    stream.seek(0, io.SEEK_END)
    size = stream.tell()
    if size > limit:
        raise ImportRejected(too_big(size, limit))
    if size == 0:
        raise ImportRejected("The file is empty.")
    stream.seek(0)
    head = stream.read(8192)
    kind = _sniff(stream, head)
    digest, encoding = _hash_and_encoding(stream, check_text=(kind == "csv"))
    return Source(stream=stream, size=size, sha256=digest, kind=kind, encoding=encoding)


def _sniff(stream: BinaryIO, head: bytes) -> str:
    for magic, what in MAGIC_NUMBERS:
        if head.startswith(magic):
            raise ImportRejected(f"This is {what}, not a CSV file or an Excel workbook. {SAVE_AS}")
    for bom, encoding in UNICODE_BOMS:
        if head.startswith(bom):
            raise ImportRejected(
                f"The file is saved as {encoding} text, an encoding the portal does not read. {SAVE_AS}"
            )
    if head.startswith(b"PK\x03\x04"):
        if _is_workbook(stream):
            return "xlsx"
        raise ImportRejected(
            f"This is a ZIP archive (or a Word or other Office file), not an Excel workbook. {SAVE_AS}"
        )
    if b"\x00" in head:
        raise ImportRejected(
            "The file holds NUL bytes, so it is not plain text: it is either a binary file or text saved as "
            f"UTF-16. {SAVE_AS}"
        )
    return "csv"


def _is_workbook(stream: BinaryIO) -> bool:
    stream.seek(0)
    try:
        with zipfile.ZipFile(stream) as archive:
            return "xl/workbook.xml" in archive.namelist()
    except zipfile.BadZipFile:
        return False


def _hash_and_encoding(stream: BinaryIO, check_text: bool) -> tuple[str, str | None]:
    """One pass for the SHA-256 and to prove the file is UTF-8 text; another only if it is not."""
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")()
    is_utf8 = check_text
    has_text = False
    stream.seek(0)
    while chunk := stream.read(CHUNK_BYTES):
        digest.update(chunk)
        if is_utf8:
            try:
                text = decoder.decode(chunk)
            except UnicodeDecodeError:
                is_utf8 = False
            else:
                _refuse_control_characters(text)
                has_text = has_text or bool(text.strip().lstrip("\ufeff"))
    if not check_text:
        return digest.hexdigest(), None
    if is_utf8:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            is_utf8 = False  # the last character was cut short: a truncated UTF-8 file is not UTF-8
    if is_utf8:
        if not has_text:
            raise ImportRejected("The file is empty: it holds only blank lines.")
        return digest.hexdigest(), "utf-8-sig"
    _check_single_byte_text(stream)
    return digest.hexdigest(), "cp1252"


def _check_single_byte_text(stream: BinaryIO) -> None:
    """Official NHS files are ISO-8859-1 (Windows-1252 in practice): accept them only if they read as text."""
    decoder = codecs.getincrementaldecoder("cp1252")()
    stream.seek(0)
    offset = 0
    while chunk := stream.read(CHUNK_BYTES):
        try:
            text = decoder.decode(chunk)
        except UnicodeDecodeError as error:
            raise ImportRejected(
                f"The file is in an encoding the portal cannot read: byte {offset + error.start + 1} is neither "
                f"UTF-8 nor ISO-8859-1 (Windows-1252) text. {SAVE_AS}"
            ) from error
        _refuse_control_characters(text)
        offset += len(chunk)


def _refuse_control_characters(text: str) -> None:
    if CONTROL_CHARACTERS.search(text):
        raise ImportRejected(
            "The file holds control characters, so it is not text in an encoding the portal reads "
            f"(UTF-8 or ISO-8859-1). {SAVE_AS}"
        )
