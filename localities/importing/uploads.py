"""Files uploaded in the admin: stored, checked (the preview), then imported once someone confirms.

The cheap limits (size, lines, columns, a workbook's expanded size, compression ratio, declared
dimension and XML entities: localities.importing.reading) are checked in the request, before any
row is read, and a file over one is refused at once. Small files are then handled in the request;
anything with more to read (over PRACTICE_IMPORT_BACKGROUND_BYTES, counting a workbook by the size
it expands to) by the Celery task, which calls practice_data_run_stored() here with the record's id;
the record's page shows its progress.
"""

from django.conf import settings
from django.contrib.auth import get_user_model

from onecare.tasks_queue import enqueue_on_commit

from ..models import ImportRecord, ImportStatus
from .outcome import ImportRejected, Tally
from .progress import DatabaseProgress
from .reading import expanded_size, open_source
from .records import import_record_claim, import_record_finish, import_record_open
from .run import Mode, practice_data_import

DEFAULT_BACKGROUND_BYTES = 2_000_000
STATUS_BEFORE = {Mode.PREVIEW: ImportStatus.CHECKING, Mode.IMPORT: ImportStatus.IMPORTING}


def background_bytes() -> int:
    return getattr(settings, "PRACTICE_IMPORT_BACKGROUND_BYTES", DEFAULT_BACKGROUND_BYTES)


def practice_data_upload(uploaded_file, *, user, options: dict | None = None) -> ImportRecord:
    """Store an uploaded file and check it (now, or in the background if it is large)."""
    record = import_record_open(file_name=uploaded_file.name, user=user, options=options, file=uploaded_file)
    record.size_bytes = uploaded_file.size or 0
    try:
        with record.file.open("rb") as stream:
            source = open_source(stream)  # the cheap limits, before any row is read
    except ImportRejected as rejected:
        return import_record_finish(record, ImportStatus.REJECTED, Tally(), rejected.reason)
    work = source.work_size
    # What the page shows while the file is read: its size, and the rows it will read.
    record.size_bytes, record.rows_expected = source.size, source.rows_expected
    ImportRecord.objects.filter(pk=record.pk).update(size_bytes=record.size_bytes, rows_expected=record.rows_expected)
    _run_or_queue(record, Mode.PREVIEW, user, work)
    return record


def practice_data_confirm(record: ImportRecord, *, user) -> bool:
    """Import a checked file; False (and nothing done) if it is not waiting for confirmation."""
    if not import_record_claim(record.pk):
        return False
    record.refresh_from_db()
    _run_or_queue(record, Mode.IMPORT, user, _work_size(record))
    return True


def _work_size(record: ImportRecord) -> int:
    """The file's size, or a workbook's expanded size (from its zip directory alone)."""
    try:
        with record.file.open("rb") as stream:
            return expanded_size(stream)
    except (OSError, ValueError):
        return record.size_bytes


def practice_data_run_stored(record_id: int, mode: str, user_id: int | None = None) -> ImportRecord | None:
    """Check or import a stored upload; a repeat (the record has moved on) does nothing."""
    mode = Mode(mode)
    record = ImportRecord.objects.get(pk=record_id)
    if record.status != STATUS_BEFORE[mode]:
        return None
    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    with record.file.open("rb") as stream, DatabaseProgress(record.pk) as progress:
        return practice_data_import(
            stream, file_name=record.file_name, user=user, mode=mode, record=record, progress=progress
        )


def _run_or_queue(record: ImportRecord, mode: Mode, user, size: int) -> None:
    user_id = user.pk if user else None
    if size > background_bytes():
        from ..tasks import practice_data_import_task

        enqueue_on_commit(practice_data_import_task, record.pk, str(mode), user_id)
    else:
        practice_data_run_stored(record.pk, mode, user_id)
