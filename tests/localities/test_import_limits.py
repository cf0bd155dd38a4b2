"""Practice data imports refuse hostile or oversized files before parsing them, read anything large in the
worker (never the request), and a check or import that never finishes is marked failed by the sweep.

The hostile files are built here, small: a workbook whose sheet expands far (a zip bomb), one whose
sheet declares A1:XFD1048576, one declaring XML entities (billion laughs), CSVs with too many rows or
columns.
"""

import datetime
import io
import secrets
import zipfile

import openpyxl
import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from localities.importing import practice_data_import
from localities.importing.outcome import ImportRejected
from localities.importing.reading import open_source
from localities.importing.uploads import practice_data_upload
from localities.models import ImportRecord, ImportStatus, ListSizeSnapshot
from onecare.accounts.roles import Role
from tests.localities.test_import_support import BNSSG_2021, NATIONAL_2021, whole_area

IMPORT_URL = reverse("admin:localities_importrecord_import")
SHEET = "xl/worksheets/sheet1.xml"
SHEET_START = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
)


@pytest.fixture(autouse=True)
def area(bnssg):
    return whole_area(bnssg)


@pytest.fixture
def data_admin(user_factory, client):
    user = user_factory(role=Role.DATA_ADMIN)
    client.force_login(user)
    return user


def workbook(sheet_xml: bytes | None = None) -> bytes:
    """A real two-row workbook (openpyxl writes it), its first sheet's XML replaced by `sheet_xml`."""
    book = openpyxl.Workbook()
    book.active.append(["ODS Code", "Locality", "Valid from"])
    book.active.append(["L81007", "South Bristol", "2018-01-01"])
    plain = io.BytesIO()
    book.save(plain)
    if sheet_xml is None:
        return plain.getvalue()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(plain.getvalue())) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in source.infolist():
            z.writestr(info.filename, sheet_xml if info.filename == SHEET else source.read(info))
    return out.getvalue()


def rows_xml(count: int, cell=lambda n: b"<v>1</v>", dimension: bytes | None = None) -> bytes:
    head = SHEET_START + (b'<dimension ref="' + dimension + b'"/>' if dimension else b"") + b"<sheetData>"
    body = b"".join(b'<row r="%d"><c r="A%d">%s</c></row>' % (n, n, cell(n)) for n in range(1, count + 1))
    return head + body + b"</sheetData></worksheet>"


def zip_bomb() -> bytes:
    """A few kilobytes that unzip to megabytes: one row, then 8 MB of whitespace (XML allows it)."""
    return workbook(rows_xml(1).replace(b"</sheetData>", b" " * 8_000_000 + b"</sheetData>"))


def billion_laughs(levels: int = 6) -> bytes:
    """Entities that refer to entities: kept small here (10^6 characters), the shape of the real attack."""
    entities = b'<!ENTITY lol0 "lol">' + b"".join(
        b'<!ENTITY lol%d "%s">' % (n, b"&lol%d;" % (n - 1) * 10) for n in range(1, levels)
    )
    return (
        b'<?xml version="1.0"?><!DOCTYPE worksheet [' + entities + b"]>"
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        b'<row r="1"><c r="A1" t="inlineStr"><is><t>&lol%d;</t></is></c></row></sheetData></worksheet>' % (levels - 1)
    )


def refusal(data: bytes) -> str:
    with pytest.raises(ImportRejected) as refused:
        open_source(io.BytesIO(data))
    return refused.value.reason


def upload(client, content: bytes, name: str):
    return client.post(IMPORT_URL, {"import_file": SimpleUploadedFile(name, content)})


# The cheap checks, before any row is parsed.


def test_a_workbook_that_unzips_to_many_times_its_size_is_refused():
    data = zip_bomb()
    assert len(data) < 100_000
    reason = refusal(data)
    assert "times its size when unzipped" in reason and "PRACTICE_IMPORT_MAX_COMPRESSION_RATIO" in reason


@override_settings(PRACTICE_IMPORT_MAX_EXPANDED_BYTES=1_000_000)
def test_a_workbook_that_unzips_beyond_the_limit_is_refused():
    random_text = lambda n: b"<is><t>%s</t></is>" % secrets.token_hex(40).encode()  # noqa: E731  (does not compress)
    data = workbook(rows_xml(20_000, cell=random_text))
    reason = refusal(data)
    assert "when unzipped; the portal reads at most 1.0 MB (PRACTICE_IMPORT_MAX_EXPANDED_BYTES)" in reason


def test_a_sheet_declaring_the_whole_grid_is_refused_without_reading_it():
    reason = refusal(workbook(rows_xml(2, dimension=b"A1:XFD1048576")))
    assert "declares the range A1:XFD1048576, 16,384 columns" in reason and "PRACTICE_IMPORT_MAX_COLUMNS" in reason


@override_settings(PRACTICE_IMPORT_MAX_ROWS=1000)
def test_a_sheet_declaring_too_many_rows_is_refused_without_reading_it():
    reason = refusal(workbook(rows_xml(2, dimension=b"A1:C5000")))
    assert "declares the range A1:C5000, 5,000 rows" in reason and "PRACTICE_IMPORT_MAX_ROWS" in reason


@override_settings(PRACTICE_IMPORT_MAX_COLUMNS=20)
def test_a_sheet_declaring_too_many_columns_is_refused():
    reason = refusal(workbook(rows_xml(2, dimension=b"A1:AZ2")))
    assert "declares the range A1:AZ2, 52 columns" in reason and "PRACTICE_IMPORT_MAX_COLUMNS" in reason


def test_a_workbook_declaring_xml_entities_is_refused():
    reason = refusal(workbook(billion_laughs()))
    assert "declares XML entities" in reason


def test_openpyxl_parses_through_defusedxml():
    from openpyxl.xml import DEFUSEDXML

    assert DEFUSEDXML, "defusedxml must be installed: openpyxl then refuses entity declarations itself"


@override_settings(PRACTICE_IMPORT_MAX_ROWS=50)
def test_a_csv_with_too_many_lines_is_refused_before_parsing():
    data = BNSSG_2021.read_bytes().splitlines(keepends=True)
    assert len(data) > 51
    reason = refusal(b"".join(data))
    assert f"The file has {len(data):,} lines; the portal reads at most 50 rows" in reason
    assert "PRACTICE_IMPORT_MAX_ROWS" in reason


def test_a_csv_with_too_many_columns_is_refused():
    header = ",".join(f"C{n}" for n in range(300)).encode() + b"\n"
    reason = refusal(header + b"1" * 10 + b"\n")
    assert "The header has 300 columns; the portal reads at most 200 (PRACTICE_IMPORT_MAX_COLUMNS)" in reason


def test_a_long_row_under_a_short_header_is_refused_as_it_is_read():
    lines = BNSSG_2021.read_bytes().splitlines(keepends=True)
    wide = b",".join([b"x"] * 500) + b"\r\n"
    record = practice_data_import(io.BytesIO(b"".join([*lines[:3], wide, *lines[3:]])), file_name="wide.csv")
    assert record.status == ImportStatus.REJECTED
    assert "Line 4 has 500 columns" in record.reason
    assert not ListSizeSnapshot.objects.exists()


@override_settings(PRACTICE_IMPORT_MAX_ROWS=1000)
def test_a_sheet_without_a_dimension_is_stopped_at_the_row_limit():
    source = open_source(io.BytesIO(workbook(rows_xml(1500))))
    with pytest.raises(
        ImportRejected, match=r"more than 1,000 rows, the most the portal reads \(PRACTICE_IMPORT_MAX_ROWS\)"
    ):
        list(source.records())


# In the admin: refused in the request at once, with the record saying why; large work goes to the worker.


@pytest.mark.parametrize(
    ("content", "name", "said"),
    [
        (zip_bomb(), "bomb.xlsx", "times its size when unzipped"),
        (workbook(rows_xml(2, dimension=b"A1:XFD1048576")), "grid.xlsx", "declares the range A1:XFD1048576"),
        (workbook(billion_laughs()), "laughs.xlsx", "declares XML entities"),
    ],
)
@override_settings(PRACTICE_IMPORT_BACKGROUND_BYTES=0)
def test_the_admin_refuses_hostile_workbooks_in_the_request_and_queues_nothing(
    client, data_admin, django_capture_on_commit_callbacks, content, name, said
):
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = upload(client, content, name)
    record = ImportRecord.objects.get()
    assert response.status_code == 302
    assert record.status == ImportStatus.REJECTED and said in record.reason
    assert queued == []  # nothing for a worker: refused before any row was read
    page = client.get(response.url).content.decode()
    assert said in page


def test_a_small_workbook_that_unzips_large_is_read_by_the_worker(
    client, data_admin, django_capture_on_commit_callbacks
):
    """The decision is made on what there is to read, not on the bytes uploaded."""
    book = workbook(rows_xml(5000, cell=lambda n: b"<is><t>%s</t></is>" % secrets.token_hex(20).encode()))
    assert len(book) < settings.PRACTICE_IMPORT_BACKGROUND_BYTES
    with (
        override_settings(PRACTICE_IMPORT_BACKGROUND_BYTES=len(book) + 1000),
        django_capture_on_commit_callbacks(execute=False) as queued,
    ):
        upload(client, book, "template.xlsx")
    record = ImportRecord.objects.get()
    assert record.status == ImportStatus.CHECKING
    assert len(queued) == 1


# What never finishes is marked failed, with the reason; a task over its time limit says so.


def started(record: ImportRecord, minutes_ago: int) -> ImportRecord:
    then = timezone.now() - datetime.timedelta(minutes=minutes_ago)
    ImportRecord.objects.filter(pk=record.pk).update(created_at=then, started_at=then)
    return record


def test_the_sweep_marks_imports_stuck_past_the_timeout_failed_with_the_reason():
    from localities.tasks import import_records_stuck_sweep

    checking = started(ImportRecord.objects.create(file_name="stuck.csv"), 31)
    importing = started(ImportRecord.objects.create(file_name="killed.csv", status=ImportStatus.IMPORTING), 45)
    recent = started(ImportRecord.objects.create(file_name="running.csv"), 5)
    ready = started(ImportRecord.objects.create(file_name="ready.csv", status=ImportStatus.READY), 600)

    assert sorted(import_records_stuck_sweep()) == sorted([checking.pk, importing.pk])

    for record in (checking, importing, recent, ready):
        record.refresh_from_db()
    assert checking.status == importing.status == ImportStatus.FAILED
    assert "The check did not finish within 30 minutes (IMPORT_TIMEOUT_MINUTES)" in checking.reason
    assert "The import did not finish within 30 minutes" in importing.reason
    assert "Nothing was written" in checking.reason and checking.finished_at is not None
    assert (recent.status, ready.status) == (ImportStatus.CHECKING, ImportStatus.READY)
    assert checking.history.first().history_change_reason == "Marked failed: did not finish in time"
    assert import_records_stuck_sweep() == []


def test_the_sweep_is_on_the_beat_schedule():
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"localities.import_records_stuck_sweep", "improved_access.activity_uploads_stuck_sweep"} <= tasks


def test_an_import_task_has_a_time_limit_inside_the_timeout():
    from localities.tasks import practice_data_import_task

    assert practice_data_import_task.soft_time_limit < settings.IMPORT_TIMEOUT_MINUTES * 60
    assert practice_data_import_task.time_limit < settings.IMPORT_TIMEOUT_MINUTES * 60


def test_an_import_over_its_time_limit_fails_with_the_reason():
    def out_of_time(fraction):
        raise SoftTimeLimitExceeded

    data = BNSSG_2021.read_bytes().splitlines(keepends=True)
    many = data[:1] + data[1:] * 30  # over 2,000 rows: the progress callback is called
    record = practice_data_import(io.BytesIO(b"".join(many)), file_name="slow.csv", progress=out_of_time)
    assert record.status == ImportStatus.FAILED
    assert "took longer than" in record.reason and "Nothing was written" in record.reason
    assert not ListSizeSnapshot.objects.exists()


def test_an_upload_records_when_its_check_started(user_factory):
    record = practice_data_upload(SimpleUploadedFile("list.csv", BNSSG_2021.read_bytes()), user=user_factory())
    record.refresh_from_db()
    assert record.started_at is not None and record.status == ImportStatus.READY


def sweep_from_another_connection(timeout=datetime.timedelta(0)) -> list[int]:
    """What beat does, in its own process: here a thread, with a database connection of its own."""
    import threading

    from django.db import connection

    from localities.tasks import import_records_stuck_sweep

    found = []

    def run():
        try:
            with override_settings(IMPORT_TIMEOUT_MINUTES=0):
                found.extend(import_records_stuck_sweep())
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    return found


@pytest.mark.django_db(transaction=True)
def test_an_import_the_sweep_failed_while_it_ran_writes_nothing(bnssg):
    """The import locks its record before it commits: the sweep's word stands and no list size is written."""
    whole_area(bnssg)
    many = NATIONAL_2021.read_bytes()  # 6,658 rows, 79 of them written: the progress callback is called
    record = ImportRecord.objects.create(file_name="slow.csv", status=ImportStatus.IMPORTING)
    ImportRecord.objects.filter(pk=record.pk).update(started_at=timezone.now() - datetime.timedelta(minutes=1))
    swept = []

    def progress(fraction):
        if not swept:
            swept.extend(sweep_from_another_connection())

    record = practice_data_import(io.BytesIO(many), file_name="slow.csv", record=record, progress=progress)

    assert swept == [record.pk]
    record.refresh_from_db()
    assert record.status == ImportStatus.FAILED and "did not finish within 0 minutes" in record.reason
    assert not ListSizeSnapshot.objects.exists()
