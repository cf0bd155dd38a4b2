"""Files uploaded in the admin: stored, checked (the preview), then imported once someone confirms.

Small files are handled in the request; large ones (over PRACTICE_IMPORT_BACKGROUND_BYTES) by the
Celery task, which calls practice_data_run_stored() here with the record's id.
"""

from django.conf import settings
from django.contrib.auth import get_user_model

from onecare.tasks_queue import enqueue_on_commit

from ..models import ImportRecord, ImportStatus
from .progress import DatabaseProgress
from .records import import_record_claim, import_record_open
from .run import Mode, practice_data_import

DEFAULT_BACKGROUND_BYTES = 2_000_000
STATUS_BEFORE = {Mode.PREVIEW: ImportStatus.CHECKING, Mode.IMPORT: ImportStatus.IMPORTING}


def background_bytes() -> int:
    return getattr(settings, "PRACTICE_IMPORT_BACKGROUND_BYTES", DEFAULT_BACKGROUND_BYTES)


def practice_data_upload(uploaded_file, *, user, options: dict | None = None) -> ImportRecord:
    """Store an uploaded file and check it (now, or in the background if it is large)."""
    record = import_record_open(file_name=uploaded_file.name, user=user, options=options, file=uploaded_file)
    _run_or_queue(record, Mode.PREVIEW, user, uploaded_file.size)
    return record


def practice_data_confirm(record: ImportRecord, *, user) -> bool:
    """Import a checked file; False (and nothing done) if it is not waiting for confirmation."""
    if not import_record_claim(record.pk):
        return False
    record.refresh_from_db()
    _run_or_queue(record, Mode.IMPORT, user, record.size_bytes)
    return True


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
