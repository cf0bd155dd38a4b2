"""Reading an offered file safely: its size before anything else, what kind of bytes it holds, its SHA-256
and text encoding, then its records one at a time (CSV text, or the first sheet of an XLSX workbook).

Every limit that is cheap to check is checked before a row is parsed (Limits): the file's size; its
lines and its header's columns (CSV); for a workbook, the size its parts expand to and the
compression ratio (from the zip directory, nothing unzipped), the rows and columns each sheet declares
(`<dimension ref=...>`, read from the first bytes of the sheet's XML) and any DOCTYPE or entity
declaration (XML entity expansion; openpyxl also parses through defusedxml). Rows and columns are
counted again while reading, for sheets that declare no dimension.
"""

import codecs
import csv
import datetime
import hashlib
import io
import re
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

from django.conf import settings

from .outcome import ImportRejected

DEFAULT_MAX_BYTES = 50_000_000
DEFAULT_MAX_ROWS = 1_500_000
DEFAULT_MAX_COLUMNS = 200
DEFAULT_MAX_EXPANDED_BYTES = 100_000_000
DEFAULT_MAX_COMPRESSION_RATIO = 100
MAX_ZIP_MEMBERS = 1000
XML_HEAD_BYTES = 64 * 1024
DIMENSION = re.compile(rb"<(?:\w+:)?dimension\s+ref\s*=\s*[\"']([A-Za-z]{1,3})?(\d+)?(?::([A-Za-z]{1,3})(\d+))?[\"']")
ENTITY_DECLARATION = re.compile(rb"<!\s*(?:DOCTYPE|ENTITY)", re.IGNORECASE)
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

# Called with the fraction read; a callback with `counts_rows = True` is also given the rows read so far and
# the rows expected (keywords `rows` and `expected`).
Progress = Callable[[float], None]


def report_progress(progress: Progress, fraction: float, rows: int, expected: int) -> None:
    if getattr(progress, "counts_rows", False):
        progress(fraction, rows=rows, expected=expected)
    else:
        progress(fraction)


@dataclass(frozen=True, slots=True)
class Record:
    """One row of the file: its line number (the header is line 1), its cells, and whether it was the last."""

    line: int
    cells: list
    last: bool


def max_bytes() -> int:
    return getattr(settings, "PRACTICE_IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES)


@dataclass(frozen=True)
class Limits:
    """What a file may hold; each refusal names the setting that raises it."""

    bytes: int
    rows: int
    columns: int
    expanded_bytes: int
    compression_ratio: int
    prefix: str = "PRACTICE_IMPORT"

    def setting(self, name: str) -> str:
        return f"{self.prefix}_MAX_{name}"


def practice_limits() -> Limits:
    return Limits(
        bytes=max_bytes(),
        rows=getattr(settings, "PRACTICE_IMPORT_MAX_ROWS", DEFAULT_MAX_ROWS),
        columns=getattr(settings, "PRACTICE_IMPORT_MAX_COLUMNS", DEFAULT_MAX_COLUMNS),
        expanded_bytes=getattr(settings, "PRACTICE_IMPORT_MAX_EXPANDED_BYTES", DEFAULT_MAX_EXPANDED_BYTES),
        compression_ratio=getattr(settings, "PRACTICE_IMPORT_MAX_COMPRESSION_RATIO", DEFAULT_MAX_COMPRESSION_RATIO),
    )


def describe_size(size: int) -> str:
    """A size in words: "1 byte", "657 bytes", "1.5 KB", "2.3 MB", "1,024.0 MB" (decimal units, as the limits)."""
    if size >= 1_000_000:
        return f"{size / 1_000_000:,.1f} MB"
    if size >= 1000:
        return f"{size / 1000:,.1f} KB"
    return "1 byte" if size == 1 else f"{size:,} bytes"


@dataclass
class Source:
    stream: BinaryIO
    size: int
    sha256: str
    kind: str  # "csv" or "xlsx"
    encoding: str | None = None
    limits: Limits | None = None
    expanded_size: int = 0  # a workbook's parts unzipped; a CSV's own size
    lines: int = 0  # a CSV's lines (the header's too); 0 for a workbook until its sheet is opened

    @property
    def rows_expected(self) -> int:
        """The rows under the header, as far as the file says before it is read."""
        return max(self.lines - 1, 0)

    @property
    def work_size(self) -> int:
        """How much there is to read: what decides whether it is read in the request or in the background."""
        return max(self.size, self.expanded_size)

    def _too_many_rows(self, line: int) -> None:
        if self.limits and line > self.limits.rows + 1:  # the header is a line too
            raise ImportRejected(
                f"The file has more than {self.limits.rows:,} rows, the most the portal reads "
                f"({self.limits.setting('ROWS')}). Nothing was written. Split the file and try again."
            )

    def _too_many_columns(self, line: int, count: int) -> None:
        if self.limits and count > self.limits.columns:
            raise ImportRejected(too_many_columns(count, self.limits, f"Line {line} has"))

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
                    fraction = min(self.stream.tell() / self.size, 1.0)
                    report_progress(progress, fraction, count - 1, max(self.rows_expected, count - 1))
                self._too_many_rows(count)
                self._too_many_columns(reader.line_num, len(cells))
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
            if self.limits and (sheet.max_row or 0) > self.limits.rows + 1:
                self._too_many_rows(sheet.max_row)
            if self.limits and (sheet.max_column or 0) > self.limits.columns:
                self._too_many_columns(1, sheet.max_column)
            total = sheet.max_row or 1
            for line, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                if progress and line % PROGRESS_EVERY == 0:
                    report_progress(progress, min(line / total, 1.0), line - 1, max(total, line) - 1)
                self._too_many_rows(line)
                self._too_many_columns(line, len(values))
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


def too_many_columns(count: int, limits: Limits, what: str = "The header has") -> str:
    return (
        f"{what} {count:,} columns; the portal reads at most {limits.columns:,} ({limits.setting('COLUMNS')}). "
        "Nothing was written. Remove the extra columns and try again."
    )


def open_source(stream: BinaryIO, limit: int | None = None, limits: Limits | None = None) -> Source:
    """Check a seekable binary file and say how to read it, or refuse it with a plain-English reason.

    Everything here is cheap: no row is parsed, no part of a workbook is unzipped beyond its first bytes."""
    limits = limits or practice_limits()
    limit = limits.bytes if limit is None else limit
    stream.seek(0, io.SEEK_END)
    size = stream.tell()
    if size > limit:
        raise ImportRejected(too_big(size, limit).replace("PRACTICE_IMPORT_MAX_BYTES", limits.setting("BYTES")))
    if size == 0:
        raise ImportRejected("The file is empty.")
    stream.seek(0)
    head = stream.read(8192)
    kind = _sniff(stream, head)
    expanded = check_workbook(stream, size, limits) if kind == "xlsx" else size
    if kind == "csv":
        _check_header_columns(head, limits)
    digest, encoding, lines = _hash_and_encoding(stream, check_text=(kind == "csv"))
    if kind == "csv" and lines > limits.rows + 1:
        raise ImportRejected(
            f"The file has {lines:,} lines; the portal reads at most {limits.rows:,} rows under the header "
            f"({limits.setting('ROWS')}). Nothing was read. Split the file and try again."
        )
    return Source(
        stream=stream,
        size=size,
        sha256=digest,
        kind=kind,
        encoding=encoding,
        limits=limits,
        expanded_size=expanded,
        lines=lines if kind == "csv" else 0,
    )


def _check_header_columns(head: bytes, limits: Limits) -> None:
    """The first line's columns, from the first bytes only (a longer header is caught as its row is read)."""
    first = head.split(b"\n", 1)[0].decode("utf-8", errors="replace")
    count = len(next(csv.reader([first]), []))
    if count > limits.columns:
        raise ImportRejected(too_many_columns(count, limits))


def expanded_size(stream: BinaryIO) -> int:
    """The size there is to read: a workbook's parts unzipped (its zip directory alone is read), else the file's."""
    stream.seek(0, io.SEEK_END)
    size = stream.tell()
    stream.seek(0)
    if stream.read(4) != b"PK\x03\x04":
        return size
    stream.seek(0)
    try:
        with zipfile.ZipFile(stream) as archive:
            return max(size, sum(member.file_size for member in archive.infolist()))
    except zipfile.BadZipFile:
        return size
    finally:
        stream.seek(0)


def _column_number(letters: bytes | None) -> int:
    number = 0
    for letter in (letters or b"A").upper():
        number = number * 26 + (letter - ord("A") + 1)
    return number


def check_workbook(stream: BinaryIO, size: int, limits: Limits) -> int:
    """Refuse a workbook whose parts expand too far, or too many times their size, whose sheets declare more
    rows or columns than allowed, or whose XML declares entities; read only the zip directory and the first
    bytes of each XML part. Returns the size the parts expand to."""
    stream.seek(0)
    try:
        with zipfile.ZipFile(stream) as archive:
            members = archive.infolist()
            if len(members) > MAX_ZIP_MEMBERS:
                raise ImportRejected(
                    f"The workbook holds {len(members):,} parts; an ordinary workbook holds a few dozen. {SAVE_AS}"
                )
            expanded = sum(member.file_size for member in members)
            if expanded > limits.expanded_bytes:
                raise ImportRejected(
                    f"The workbook expands to {describe_size(expanded)} when unzipped; the portal reads at most "
                    f"{describe_size(limits.expanded_bytes)} ({limits.setting('EXPANDED_BYTES')}). Nothing was read. "
                    "Save it as CSV, or split it, and try again."
                )
            ratio = expanded / max(size, 1)
            if ratio > limits.compression_ratio:
                raise ImportRejected(
                    f"The workbook expands to {ratio:,.0f} times its size when unzipped; an ordinary workbook "
                    f"expands at most {limits.compression_ratio:,} times ({limits.setting('COMPRESSION_RATIO')}). "
                    f"Nothing was read. {SAVE_AS}"
                )
            for member in members:
                if member.filename.lower().endswith((".xml", ".rels", ".vml")):
                    _check_xml_head(archive, member, limits)
    except zipfile.BadZipFile as error:
        raise ImportRejected(f"The Excel workbook could not be opened ({error}). {SAVE_AS}") from error
    except (zlib.error, NotImplementedError, RuntimeError, ValueError, EOFError) as error:
        raise ImportRejected(f"The Excel workbook is damaged or encrypted ({error}). {SAVE_AS}") from error
    finally:
        stream.seek(0)
    return expanded


def _check_xml_head(archive: zipfile.ZipFile, member: zipfile.ZipInfo, limits: Limits) -> None:
    with archive.open(member) as part:
        head = part.read(XML_HEAD_BYTES)
    if ENTITY_DECLARATION.search(head):
        raise ImportRejected(
            f"The workbook's part {member.filename} declares XML entities (a DOCTYPE), which Excel never writes "
            f"and which can expand without limit. Nothing was read. {SAVE_AS}"
        )
    if not member.filename.lower().startswith("xl/worksheets/"):
        return
    found = DIMENSION.search(head)
    if not found:
        return
    first_col, first_row, last_col, last_row = found.groups()
    rows = int(last_row or first_row or 1)
    columns = _column_number(last_col or first_col)
    ref = found.group(0).split(b"ref", 1)[1].strip(b" =\"'").decode("ascii", errors="replace")
    if rows > limits.rows + 1:
        raise ImportRejected(
            f"The sheet {member.filename} declares the range {ref}, {rows:,} rows; the portal reads at most "
            f"{limits.rows:,} rows ({limits.setting('ROWS')}). Nothing was read. {SAVE_AS}"
        )
    if columns > limits.columns:
        raise ImportRejected(
            f"The sheet {member.filename} declares the range {ref}, {columns:,} columns; the portal reads at most "
            f"{limits.columns:,} columns ({limits.setting('COLUMNS')}). Nothing was read. {SAVE_AS}"
        )


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


def _hash_and_encoding(stream: BinaryIO, check_text: bool) -> tuple[str, str | None, int]:
    """One pass for the SHA-256, the number of lines and to prove the file is UTF-8 text; another only if it is not."""
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")()
    is_utf8 = check_text
    has_text = False
    lines = 0
    last = b""
    stream.seek(0)
    while chunk := stream.read(CHUNK_BYTES):
        digest.update(chunk)
        lines += chunk.count(b"\n")
        last = chunk[-1:]
        if is_utf8:
            try:
                text = decoder.decode(chunk)
            except UnicodeDecodeError:
                is_utf8 = False
            else:
                _refuse_control_characters(text)
                has_text = has_text or bool(text.strip().lstrip("\ufeff"))
    if last and last != b"\n":
        lines += 1  # the last line has no line break
    if not check_text:
        return digest.hexdigest(), None, lines
    if is_utf8:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            is_utf8 = False  # the last character was cut short: a truncated UTF-8 file is not UTF-8
    if is_utf8:
        if not has_text:
            raise ImportRejected("The file is empty: it holds only blank lines.")
        return digest.hexdigest(), "utf-8-sig", lines
    _check_single_byte_text(stream)
    return digest.hexdigest(), "cp1252", lines


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
