"""The one place an ImportRecord changes status; its workflow (IMPORTS, onecare.workflow) says which moves are allowed.

A file is checked, then (unless only checked) waits for the data admin's confirmation and is imported; or it is
imported at once (the command line), refused with a reason, or fails. The import task or command makes every
move; the data admin's confirmation is what lets it claim a checked file. Import records show their status in
words, with no tag.
"""

import datetime

from django.db import models, transaction
from django.utils import timezone

from onecare.workflow import Step, Workflow

from ..models import ImportRecord, ImportStatus
from .outcome import Tally

S = ImportStatus
IMPORTER = frozenset({"the import task or command"})
IMPORTS = Workflow(
    "import",
    S,
    [
        Step("wait", frozenset({S.CHECKING}), S.READY, IMPORTER, "Checked: waiting for confirmation"),
        Step("check_only", frozenset({S.CHECKING}), S.CHECKED, IMPORTER, "Checked only (dry run)"),
        Step("claim", frozenset({S.READY}), S.IMPORTING, IMPORTER, "Importing", refused_as="imported"),
        Step("import", frozenset({S.CHECKING, S.IMPORTING}), S.IMPORTED, IMPORTER, "Imported"),
        Step("reject", frozenset({S.CHECKING, S.READY, S.IMPORTING}), S.REJECTED, IMPORTER, "Rejected"),
        Step("fail", frozenset({S.CHECKING, S.IMPORTING}), S.FAILED, IMPORTER, "Failed"),
    ],
    tags={},
    noun="An import",
)


class ImportStateError(Exception):
    pass


def import_record_open(*, file_name: str, user=None, options: dict | None = None, file=None) -> ImportRecord:
    record = ImportRecord(file_name=file_name[:255], created_by=user, options=options or {}, started_at=timezone.now())
    if file is not None:
        record.file = file
    record.save()
    return record


def import_record_claim(record_id: int) -> bool:
    """Take a checked file for importing; False if someone else already did (or it is not ready)."""
    claimed = ImportRecord.objects.filter(pk=record_id, status__in=IMPORTS.step("claim").sources).update(
        status=ImportStatus.IMPORTING, started_at=timezone.now()
    )
    return claimed == 1


def import_records_fail_stuck(timeout: datetime.timedelta) -> list[int]:
    """Mark failed, with the reason, every import still checking or importing `timeout` after it started.

    A worker killed mid-file (a request over gunicorn's timeout, a task over its time limit, a lost
    machine) leaves its record "checking" or "importing" for ever; nothing was written (the import is one
    transaction), so the record says so and the file can be offered again. The tasks' own time limits are
    shorter than the timeout, so nothing still running is marked."""
    cutoff = timezone.now() - timeout
    running = IMPORTS.step("fail").sources
    stuck = ImportRecord.objects.filter(status__in=running).filter(
        models.Q(started_at__lt=cutoff) | models.Q(started_at__isnull=True, created_at__lt=cutoff)
    )
    failed = []
    for record_id in stuck.values_list("pk", flat=True):
        with transaction.atomic():
            record = ImportRecord.objects.select_for_update().filter(pk=record_id, status__in=running).first()
            if record is None:
                continue  # it finished meanwhile
            doing = "check" if record.status == ImportStatus.CHECKING else "import"
            minutes = int(timeout.total_seconds() // 60)
            record.status = ImportStatus.FAILED
            record.reason = (
                f"The {doing} did not finish within {minutes} minutes (IMPORT_TIMEOUT_MINUTES): the process "
                "running it stopped or took too long. Nothing was written. Upload the file again; if it fails "
                "again, split it into smaller files."
            )
            record.finished_at = timezone.now()
            record._change_reason = "Marked failed: did not finish in time"
            record.save()
            failed.append(record.pk)
    return failed


def import_record_finish(record: ImportRecord, status: str, tally: Tally, reason: str = "") -> ImportRecord:
    """Record what the import found and how it ended; every count, however it ended."""
    if status not in IMPORTS.targets_from(record.status):
        now, then = record.get_status_display(), ImportStatus(status).label
        raise ImportStateError(f"An import that is '{now}' cannot become '{then}'.")
    record.status = status
    record.rows_new, record.rows_changed, record.rows_unchanged = tally.new, tally.changed, tally.unchanged
    record.rows_skipped, record.rows_invalid, record.patients = tally.skipped, tally.invalid, tally.patients
    record.skip_reasons = dict(tally.skip_reasons.most_common())
    record.problems = [problem.as_dict() for problem in tally.sorted_problems()]
    record.new_practices, record.new_practice_codes = tally.practices_created_count, list(tally.practices_created)
    record.notes = list(tally.notes)
    record.changes = list(tally.changes)
    record.rows_read = tally.rows
    record.reason = reason
    record.finished_at = timezone.now()
    if status in (ImportStatus.IMPORTED, ImportStatus.CHECKED, ImportStatus.READY):
        record.progress = 100
    # Outside any import transaction: the record of a refused file must survive the refusal.
    with transaction.atomic():
        if record.pk is not None:
            stored = ImportRecord.objects.select_for_update().filter(pk=record.pk).values_list("status", flat=True)
            if stored.first() == ImportStatus.FAILED and status != ImportStatus.FAILED:
                record.refresh_from_db()  # the stuck sweep marked it failed while it ran: keep its reason
                return record
        record.save()
    return record
