"""The importer: check a file, then write all of it or none of it, and record what happened.

Every row is read inside one transaction; if any row is invalid, or this is only a check (the
command's --dry-run, the admin's preview), the transaction is rolled back, so the counts are exactly
what importing would do and nothing is left behind.
"""

import logging
from enum import StrEnum
from typing import BinaryIO

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from ..models import ImportFormat, ImportRecord, ImportStatus
from .context import ImportContext
from .formats import detect
from .outcome import ImportRejected, Tally
from .reading import Progress, open_source
from .records import import_record_finish, import_record_open

logger = logging.getLogger(__name__)


DEFAULT_TIMEOUT_MINUTES = 30


def import_timeout_minutes() -> int:
    """After this long a record still checking or importing is marked failed (localities.tasks sweep)."""
    return getattr(settings, "IMPORT_TIMEOUT_MINUTES", DEFAULT_TIMEOUT_MINUTES)


def import_task_seconds() -> int:
    """A task's own time limit: well inside the timeout, so the sweep never marks a task still running."""
    return max(60, import_timeout_minutes() * 60 * 2 // 3)


class Mode(StrEnum):
    CHECK = "check"  # the command's --dry-run
    PREVIEW = "preview"  # the admin's first step: check, then wait for confirmation
    IMPORT = "import"


SUCCESS_STATUS = {
    Mode.CHECK: ImportStatus.CHECKED,
    Mode.PREVIEW: ImportStatus.READY,
    Mode.IMPORT: ImportStatus.IMPORTED,
}


def practice_data_import(
    stream: BinaryIO,
    *,
    file_name: str,
    user=None,
    mode: Mode = Mode.IMPORT,
    options: dict | None = None,
    record: ImportRecord | None = None,
    progress: Progress | None = None,
) -> ImportRecord:
    """Check or import one file (a seekable binary stream); returns its ImportRecord, whatever happened."""
    if record is None:
        record = import_record_open(file_name=file_name, user=user, options=options)
    context = ImportContext(record=record, user=user, options=dict(record.options))
    tally = Tally()
    try:
        source = open_source(stream)
        if record.sha256 and record.sha256 != source.sha256:
            raise ImportRejected(
                "The stored file is not the one that was checked (its SHA-256 differs): upload it again."
            )
        record.sha256, record.size_bytes = source.sha256, source.size
        record.rows_expected = max(record.rows_expected, source.rows_expected)
        swept = False
        with transaction.atomic():
            _read_and_write(source, context, tally, progress)
            if tally.invalid or mode != Mode.IMPORT:
                transaction.set_rollback(True)
            elif not _still_running(record):
                # The stuck sweep marked it failed while it ran (it took too long): write nothing.
                transaction.set_rollback(True)
                swept = True
        if swept:
            record.refresh_from_db()
            return record
    except ImportRejected as rejected:
        return import_record_finish(record, ImportStatus.REJECTED, tally, rejected.reason)
    except SoftTimeLimitExceeded:
        minutes = import_task_seconds() // 60
        reason = (
            f"The file took longer than {minutes} minutes to read, the most an import may take "
            "(IMPORT_TIMEOUT_MINUTES). Nothing was written. Split it into smaller files and try again."
        )
        return import_record_finish(record, ImportStatus.FAILED, tally, reason)
    except Exception as error:
        logger.exception("Import #%s of %s failed", record.pk, file_name)
        import_record_finish(record, ImportStatus.FAILED, tally, f"The import failed unexpectedly: {error!r}")
        raise
    record.options = context.options
    if tally.invalid:
        rows = "row is" if tally.invalid == 1 else "rows are"
        reason = (
            f"{tally.invalid:,} {rows} invalid (listed below), so nothing was written. Correct the file and try again."
        )
        return import_record_finish(record, ImportStatus.REJECTED, tally, reason)
    _add_notes(record, tally, mode)
    return import_record_finish(record, SUCCESS_STATUS[mode], tally)


def _still_running(record: ImportRecord) -> bool:
    """Lock the record until the import commits, so the stuck sweep cannot mark it failed in between."""
    running = [ImportStatus.CHECKING, ImportStatus.IMPORTING]
    return ImportRecord.objects.select_for_update().filter(pk=record.pk, status__in=running).exists()


def _read_and_write(source, context: ImportContext, tally: Tally, progress: Progress | None) -> None:
    records = source.records(progress)
    first = next(records, None)
    if first is None:
        raise ImportRejected("The file is empty.")
    file_format = detect(first, source.kind, context)
    context.record.format = file_format.format
    writer = file_format.writer(tally)
    if not file_format.has_header:
        _write_all(file_format, writer, [first], tally)
    _write_all(file_format, writer, records, tally)
    writer.finish()
    if tally.rows == 0:
        raise ImportRejected("The file has its column names but no rows under them.")


def _write_all(file_format, writer, records, tally: Tally) -> None:
    add = writer.add
    for row in file_format.rows(records, tally):
        add(row)


def _add_notes(record: ImportRecord, tally: Tally, mode: Mode) -> None:
    if tally.practices_created_count:
        count = tally.practices_created_count
        verb = ("is" if count == 1 else "are") if mode == Mode.IMPORT else "would be"
        codes = ", ".join(tally.practices_created[:50])
        more = f" and {count - 50:,} more" if count > 50 else ""
        practices = "practice" if count == 1 else "practices"
        tally.notes.append(
            f"{count:,} {practices} {verb} new to the portal and not yet in any locality: {codes}{more}."
        )
    earlier = (
        ImportRecord.objects.filter(sha256=record.sha256, status=ImportStatus.IMPORTED)
        .exclude(pk=record.pk)
        .order_by("-finished_at")
        .first()
    )
    if earlier:
        when = timezone.localtime(earlier.finished_at).strftime("%d/%m/%Y %H:%M")
        tally.notes.append(f"The same file was imported before ({earlier}, {when}).")
    if record.format == ImportFormat.NHS_PAYMENTS:
        tally.notes.append(f"Figures dated for the financial year {record.options.get('financial_year')}.")
