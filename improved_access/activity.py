"""The quarterly activity return: a CSV of appointment slots read all-or-nothing, and utilisation from it.

The format is in improved_access/ACTIVITY_FORMAT.md. The file is checked the way the practice-data
import checks its files (localities.importing.reading), with the activity return's own limits
(IA_ACTIVITY_MAX_BYTES, _ROWS, _COLUMNS) checked before any row is parsed, and every row's problems are
reported with its line number; one bad row and nothing is written.

An uploaded file becomes an ActivityUpload: small ones are read in the request, larger ones (over
IA_ACTIVITY_BACKGROUND_BYTES) by a Celery task while the activity page shows the progress; one still
being checked after IMPORT_TIMEOUT_MINUTES is marked failed by a sweep. Utilisation is summed by the
database per site, day and slot time, so a page's cost does not grow with the number of rows returned.
"""

import datetime
import logging
import re
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import BinaryIO

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import DatabaseError, transaction
from django.db.models import Count, Sum
from django.utils import timezone

from localities.importing.fields import parse_date
from localities.importing.outcome import ImportRejected, Problem, RowInvalid
from localities.importing.reading import Limits, open_source
from localities.importing.run import import_task_seconds
from localities.models import Locality
from onecare.tasks_queue import enqueue_on_commit

from .models import ActivityReturn, ActivityUpload, Appointment, Session, UploadStatus
from .quarters import Quarter
from .workflow import UPLOADS

logger = logging.getLogger(__name__)

COLUMNS = ["date", "site", "slot_start", "minutes", "booked", "attended", "did_not_attend"]
MAX_PROBLEMS = 1000
DEFAULT_MAX_BYTES = 10_000_000
DEFAULT_MAX_ROWS = 100_000
DEFAULT_MAX_COLUMNS = 50
DEFAULT_BACKGROUND_BYTES = 200_000
PROGRESS_EVERY = 2000


def activity_limits() -> Limits:
    """What one locality's quarter of slots may hold (a return is CSV: no workbook limits apply)."""
    return Limits(
        bytes=getattr(settings, "IA_ACTIVITY_MAX_BYTES", DEFAULT_MAX_BYTES),
        rows=getattr(settings, "IA_ACTIVITY_MAX_ROWS", DEFAULT_MAX_ROWS),
        columns=getattr(settings, "IA_ACTIVITY_MAX_COLUMNS", DEFAULT_MAX_COLUMNS),
        expanded_bytes=0,
        compression_ratio=0,
        prefix="IA_ACTIVITY",
    )


def background_bytes() -> int:
    return getattr(settings, "IA_ACTIVITY_BACKGROUND_BYTES", DEFAULT_BACKGROUND_BYTES)


TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)(?::00)?$")


class ActivityRejected(Exception):
    """Nothing was imported: the file, or these line-numbered rows, are wrong."""

    def __init__(self, reason: str, problems: list[Problem] | None = None):
        super().__init__(reason)
        self.reason = reason
        self.problems = problems or []

    def lines(self) -> list[str]:
        return [self.reason] + [str(p) for p in self.problems]


def _count(value, column: str) -> int:
    text = str(value).strip().replace(",", "")
    if text == "":
        raise RowInvalid(column, "the number is missing.")
    if text.startswith("-") and text[1:].isdigit():
        raise RowInvalid(column, f"{text} is negative: a count cannot be below 0.")
    if not text.isdigit():
        raise RowInvalid(column, f"'{text}' is not a whole number.")
    return int(text)


def _time(value, column: str) -> datetime.time:
    text = str(value).strip()
    match = TIME.match(text)
    if not match:
        raise RowInvalid(column, f"'{text}' is not a time of day as HH:MM (for example 18:30).")
    return datetime.time(int(match[1]), int(match[2]))


def parse_row(cells: dict, quarter: Quarter, sites: dict[str, str]) -> tuple[Appointment | None, list[Problem]]:
    """One row as an unsaved Appointment, or its problems (line numbers are added by the caller)."""
    values, problems = {}, []
    parsers = {
        "date": lambda v, c: parse_date(v, c),
        "site": lambda v, c: str(v).strip(),
        "slot_start": _time,
        "minutes": _count,
        "booked": _count,
        "attended": _count,
        "did_not_attend": _count,
    }
    for column, parse in parsers.items():
        try:
            values[column] = parse(cells.get(column, ""), column)
        except RowInvalid as error:
            problems.append(Problem(None, error.column, error.reason))
    if "date" in values and not quarter.contains(values["date"]):
        problems.append(Problem(None, "date", f"{values['date']:%d/%m/%Y} is outside {quarter} ({quarter.label})."))
    if "site" in values:
        if not values["site"]:
            problems.append(Problem(None, "site", "the site is missing."))
        elif values["site"].casefold() not in sites:
            problems.append(
                Problem(None, "site", f"'{values['site']}' is not a site in the locality's Improved Access timetable.")
            )
        else:
            values["site"] = sites[values["site"].casefold()]
    if values.get("minutes") == 0:
        problems.append(Problem(None, "minutes", "a slot lasts at least 1 minute."))
    if {"booked", "attended", "did_not_attend"} <= values.keys():
        if values["attended"] > values["booked"]:
            problems.append(
                Problem(None, "attended", f"{values['attended']} attended is more than the {values['booked']} booked.")
            )
        elif values["attended"] + values["did_not_attend"] > values["booked"]:
            problems.append(
                Problem(
                    None,
                    "did_not_attend",
                    f"{values['attended']} attended and {values['did_not_attend']} did not attend "
                    f"is more than the {values['booked']} booked.",
                )
            )
    if problems:
        return None, problems
    return Appointment(**values), []


def check_activity_file(stream: BinaryIO):
    """The cheap checks, before any row is parsed: size, kind of file, lines and header columns."""
    try:
        source = open_source(stream, limits=activity_limits())
    except ImportRejected as error:
        raise ActivityRejected(error.reason) from None
    if source.kind != "csv":
        raise ActivityRejected("The activity return must be a CSV file (see the format).")
    return source


def read_activity(stream: BinaryIO, quarter: Quarter, sites: dict[str, str], progress=None) -> list[Appointment]:
    """Every row of the file as an unsaved Appointment, or ActivityRejected with all the reasons."""
    source = check_activity_file(stream)
    try:
        records = source.records(progress)
        header = next(records, None)
        if header is None:
            raise ImportRejected("The file has no header row.")
        names = [str(cell).strip().lower().replace(" ", "_") for cell in header.cells]
        missing = [c for c in COLUMNS if c not in names]
        if missing:
            raise ImportRejected(f"The header has no {', '.join(missing)} column (it needs {', '.join(COLUMNS)}).")
        appointments, problems = [], []
        for record in records:
            cells = dict(zip(names, record.cells, strict=False))
            appointment, found = parse_row(cells, quarter, sites)
            if found:
                room = MAX_PROBLEMS - len(problems)
                problems += [Problem(record.line, p.column, p.reason) for p in found][: max(room, 0)]
            else:
                appointments.append(appointment)
    except ImportRejected as error:
        raise ActivityRejected(error.reason) from None
    finally:
        # Finish the reader while the caller's stream is still open.
        if "records" in locals():
            records.close()
    if problems:
        raise ActivityRejected(f"Nothing was imported: {len(problems)} problem(s) in the rows.", problems)
    if not appointments:
        raise ActivityRejected("The file has a header but no rows of activity.")
    return appointments


def locality_sites(locality: Locality) -> dict[str, str]:
    names = Session.objects.filter(plan__locality=locality).values_list("site", flat=True).distinct()
    return {name.casefold(): name for name in names}


def activity_import(
    locality: Locality,
    quarter: Quarter,
    stream: BinaryIO,
    *,
    actor,
    file_name: str = "",
    progress=None,
    upload: ActivityUpload | None = None,
) -> ActivityReturn:
    """Replace the locality's activity for the quarter with the file's, or raise ActivityRejected (nothing written).

    With an upload, its row is locked and marked imported in the same transaction as the return: an upload
    the stuck sweep has marked failed meanwhile imports nothing, and one marked imported has its return."""
    appointments = read_activity(stream, quarter, locality_sites(locality), progress)
    now = timezone.now()
    with transaction.atomic():
        if upload is not None and not (
            ActivityUpload.objects.select_for_update().filter(pk=upload.pk, status=UploadStatus.CHECKING).exists()
        ):
            raise ActivityRejected("The return is no longer being checked (it took too long): nothing was imported.")
        for previous in ActivityReturn.objects.select_for_update().filter(
            locality=locality, quarter=str(quarter), superseded=False
        ):
            previous.superseded = True
            previous._history_user = actor
            previous._change_reason = "Replaced by a new return"
            previous.save()
        activity_return = ActivityReturn(
            locality=locality,
            quarter=str(quarter),
            file_name=file_name[:200],
            uploaded_by=actor,
            uploaded_at=now,
            rows=len(appointments),
        )
        activity_return._history_user = actor
        activity_return.save()
        for appointment in appointments:
            appointment.activity_return = activity_return
        Appointment.objects.bulk_create(appointments, batch_size=1000)
        if upload is not None:
            _finish(upload, UploadStatus.IMPORTED, activity_return=activity_return)
    return activity_return


@dataclass
class Utilisation:
    label: str
    slots: int = 0
    booked: int = 0
    attended: int = 0
    did_not_attend: int = 0
    minutes: int = 0
    extras: dict = field(default_factory=dict)

    def add(self, appointment: Appointment) -> None:
        self.slots += 1
        self.booked += appointment.booked
        self.attended += appointment.attended
        self.did_not_attend += appointment.did_not_attend
        self.minutes += appointment.minutes

    def add_group(self, group: dict) -> None:
        """Rows summed by the database (utilisation)."""
        self.slots += group["slots"]
        self.booked += group["booked_sum"] or 0
        self.attended += group["attended_sum"] or 0
        self.did_not_attend += group["dna_sum"] or 0
        self.minutes += group["minutes_sum"] or 0

    @property
    def percent(self) -> int:
        """Booked appointments per slot offered, as a whole percentage (capped at 100 for the chart)."""
        return min(100, self.booked * 100 // self.slots) if self.slots else 0

    @property
    def attendance_percent(self) -> int:
        return self.attended * 100 // self.booked if self.booked else 0


def utilisation(locality: Locality, quarter: Quarter) -> tuple[Utilisation, list[Utilisation]]:
    """The quarter's utilisation overall and per timetable session (site, weekday, slot within its times).

    The database sums the rows per site, day and slot time, so what reaches Python is at most one group per
    slot the timetable could hold, never one object per row: a return of any size costs the page the same."""
    groups = (
        Appointment.objects.filter(
            activity_return__locality=locality, activity_return__quarter=str(quarter), activity_return__superseded=False
        )
        .order_by()
        .values("site", "date", "slot_start")
        .annotate(
            slots=Count("pk"),
            booked_sum=Sum("booked"),
            attended_sum=Sum("attended"),
            dna_sum=Sum("did_not_attend"),
            minutes_sum=Sum("minutes"),
        )
    )
    sessions = list(
        Session.objects.filter(plan__locality=locality).order_by("day", "starts_at", "site").select_related("plan")
    )
    by_site_day = defaultdict(list)
    for session in sessions:  # kept in the timetable's order: the first session that holds a slot takes it
        by_site_day[(session.site, session.day)].append(session)
    total = Utilisation(str(quarter))
    per_session = {s.pk: Utilisation(str(s)) for s in sessions}
    unmatched = Utilisation("Outside the timetable")
    for group in groups:
        day, start = group["date"], group["slot_start"]
        match = next(
            (
                s
                for s in by_site_day.get((group["site"], day.weekday()), ())
                if s.starts_at <= start < s.ends_at and s.holds_on(day)
            ),
            None,
        )
        for target in (total, per_session[match.pk] if match else unmatched):
            target.add_group(group)
    found = [u for u in per_session.values() if u.slots]
    if unmatched.slots:
        found.append(unmatched)
    return total, found


# Activity uploads: the file kept, checked in the request or by a worker, and what became of it.


class UploadProgress:
    """Writes the percentage read to the upload's row, at most once a second (outside any transaction)."""

    def __init__(self, upload_id: int):
        self.upload_id, self.written_at, self.percent = upload_id, 0.0, -1

    def __call__(self, fraction: float) -> None:
        percent, now = min(int(fraction * 100), 99), time.monotonic()
        if percent == self.percent or now - self.written_at < 1.0:
            return
        self.percent, self.written_at = percent, now
        try:
            ActivityUpload.objects.filter(pk=self.upload_id).update(progress=percent)
        except DatabaseError:
            logger.warning("Could not record the progress of activity upload #%s", self.upload_id, exc_info=True)


def activity_upload(locality: Locality, quarter: Quarter, uploaded_file, *, actor) -> ActivityUpload:
    """Check the cheap limits (ActivityRejected, nothing kept, when over one), keep the file, and read it:
    now when it is small, else in the worker (the activity page shows its progress)."""
    source = check_activity_file(uploaded_file)
    upload = ActivityUpload(
        locality=locality,
        quarter=str(quarter),
        file_name=(uploaded_file.name or "")[:200],
        size_bytes=source.size,
        uploaded_by=actor,
    )
    upload.file.save("activity.csv", uploaded_file, save=False)
    upload._history_user = actor
    upload.save()
    if source.work_size > background_bytes():
        from .tasks import activity_upload_check

        enqueue_on_commit(activity_upload_check, upload.pk)
        return upload
    return activity_upload_run(upload.pk) or upload


def _finish(upload: ActivityUpload, status: str, *, reason: str = "", problems=(), activity_return=None) -> None:
    with transaction.atomic():
        current = ActivityUpload.objects.select_for_update().get(pk=upload.pk)
        if status not in UPLOADS.targets_from(current.status):
            return  # the sweep marked it failed meanwhile: keep what it said
        upload.status, upload.reason, upload.problems = status, reason, list(problems)
        upload.activity_return = activity_return
        upload.finished_at = timezone.now()
        upload.progress = 100 if status == UploadStatus.IMPORTED else current.progress
        upload._history_user = upload.uploaded_by
        upload.save()


def activity_upload_run(upload_id: int) -> ActivityUpload | None:
    """Read a kept upload and import it, or record why not; a repeat (it has moved on) does nothing."""
    upload = ActivityUpload.objects.select_related("locality", "uploaded_by").filter(pk=upload_id).first()
    if upload is None or not UPLOADS.steps_from(upload.status):
        return None
    try:
        with upload.file.open("rb") as stream:
            activity_import(
                upload.locality,
                Quarter.parse(upload.quarter),
                stream,
                actor=upload.uploaded_by,
                file_name=upload.file_name,
                progress=UploadProgress(upload.pk),
                upload=upload,
            )
    except ActivityRejected as error:
        _finish(upload, UploadStatus.REJECTED, reason=error.reason, problems=[str(p) for p in error.problems])
    except SoftTimeLimitExceeded:
        minutes = import_task_seconds() // 60
        reason = f"The file took longer than {minutes} minutes to read (IMPORT_TIMEOUT_MINUTES). Nothing was imported."
        _finish(upload, UploadStatus.FAILED, reason=reason)
    except Exception as error:
        logger.exception("Activity upload #%s failed", upload_id)
        _finish(upload, UploadStatus.FAILED, reason=f"The import failed unexpectedly ({type(error).__name__}).")
        raise
    upload.refresh_from_db()
    return upload


def activity_uploads_fail_stuck(timeout: datetime.timedelta) -> list[int]:
    """Mark failed, with the reason, every upload still being checked `timeout` after it was made."""
    cutoff = timezone.now() - timeout
    failed = []
    stuck = ActivityUpload.objects.filter(status=UploadStatus.CHECKING, created_at__lt=cutoff)
    for upload_id in stuck.values_list("pk", flat=True):
        with transaction.atomic():
            upload = (
                ActivityUpload.objects.select_for_update().filter(pk=upload_id, status=UploadStatus.CHECKING).first()
            )
            if upload is None:
                continue
            upload.status = UPLOADS.step("fail").target
            upload.reason = (
                f"The check did not finish within {int(timeout.total_seconds() // 60)} minutes "
                "(IMPORT_TIMEOUT_MINUTES): the process reading it stopped or took too long. Nothing was imported. "
                "Upload the return again."
            )
            upload.finished_at = timezone.now()
            upload._change_reason = "Marked failed: did not finish in time"
            upload.save()
            failed.append(upload.pk)
    return failed
