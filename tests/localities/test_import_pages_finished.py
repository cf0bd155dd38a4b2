"""The import pages as a data admin meets them: progress while a file is read, a message that agrees with
the record, the preview's list of changes, words and numbers as people write them; and the locality page
saying which date each population figure is from."""

import datetime
import html
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from localities.importing import outcome
from localities.importing.reading import describe_size, open_source
from localities.importing.run import Mode
from localities.models import ImportRecord, ImportStatus, SourceKind
from onecare.accounts.roles import Role
from tests.localities.factories import (
    ListSizeFactory,
    LocalityFactory,
    MembershipFactory,
    PracticeCommissionerFactory,
    PracticeFactory,
)
from tests.localities.test_import_epraccur import register_line
from tests.localities.test_import_support import (
    NATIONAL_2021,
    list_size_csv,
    list_size_line,
    run_import,
    whole_area,
)

IMPORT_URL = reverse("admin:localities_importrecord_import")
CONFIRM_URL = reverse("admin:localities_importrecord_process_import")


@pytest.fixture(autouse=True)
def area(bnssg):
    return whole_area(bnssg)


@pytest.fixture
def data_admin(user_factory, client):
    user = user_factory(role=Role.DATA_ADMIN)
    client.force_login(user)
    return user


def upload(client, content: bytes, name: str = "list.csv"):
    return client.post(IMPORT_URL, {"import_file": SimpleUploadedFile(name, content)})


def page_of(client, record) -> str:
    return client.get(reverse("admin:localities_importrecord_change", args=[record.pk])).content.decode()


def text_of(page: str) -> str:
    """The page's words, tags removed and spaces collapsed, as a reader sees them."""
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


# Progress while a file is read, and a message that agrees with the record --------------------------------


@override_settings(PRACTICE_IMPORT_BACKGROUND_BYTES=0)
def test_a_file_read_in_the_background_shows_rows_read_of_rows_expected(
    client, data_admin, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        upload(client, NATIONAL_2021.read_bytes(), name=NATIONAL_2021.name)
    record = ImportRecord.objects.get()
    assert record.status == ImportStatus.CHECKING

    page = page_of(client, record)
    assert '<meta http-equiv="refresh"' in page
    assert "0 of 6,658 rows read" in text_of(page)

    ImportRecord.objects.filter(pk=record.pk).update(rows_read=2000, progress=30)  # as the worker writes it
    assert "2,000 of 6,658 rows read (30%)" in text_of(page_of(client, record))


def test_the_reader_tells_a_row_counting_progress_callback_the_rows_read_and_expected():
    calls = []

    def progress(fraction, rows=None, expected=None):
        calls.append((rows, expected))

    progress.counts_rows = True
    with NATIONAL_2021.open("rb") as stream:
        for _record in open_source(stream).records(progress):
            pass

    assert calls[0] == (1999, 6658)  # every 2,000 lines; the header is not a row
    assert calls[-1][0] < 6658 and all(expected == 6658 for _rows, expected in calls)


@override_settings(PRACTICE_IMPORT_BACKGROUND_BYTES=0)
def test_the_message_after_confirming_a_background_import_says_it_is_still_importing(
    client, data_admin, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, NATIONAL_2021.read_bytes())
    record = ImportRecord.objects.get()
    assert record.status == ImportStatus.READY

    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(CONFIRM_URL, {"record": record.pk}, follow=True)

    words = text_of(response.content.decode())
    assert "importing in the background. This page shows its progress." in words
    assert "Importing:" in words and "of 6,658 rows read" in words


def test_the_message_after_confirming_a_small_file_says_it_was_imported(client, data_admin):
    upload(client, NATIONAL_2021.read_bytes(), name=NATIONAL_2021.name)
    record = ImportRecord.objects.get()

    response = client.post(CONFIRM_URL, {"record": record.pk}, follow=True)

    record.refresh_from_db()
    words = text_of(response.content.decode())
    assert record.status == ImportStatus.IMPORTED
    assert f"{record}: imported (79 new, 0 changed, 0 unchanged, 6,579 skipped)." in words
    assert "importing." not in words


# The preview's changes ---------------------------------------------------------------------------------


def test_the_preview_lists_each_practice_new_changed_or_unchanged_with_old_and_new_values(client, data_admin):
    changed = PracticeFactory(code="L81004", name="Tyntesfield Medical Group")
    same = PracticeFactory(code="L81007", name="The Southville Surgery")
    for practice, patients in ((changed, 18_000), (same, 9_500)):
        ListSizeFactory(
            practice=practice,
            extract_date=datetime.date(2021, 1, 1),
            source_kind=SourceKind.NHS_DIGITAL,
            registered_patients=patients,
        )

    upload(
        client,
        list_size_csv(
            list_size_line(code="L81004", patients="18910"),
            list_size_line(code="L81007", patients="9500"),
            list_size_line(code="L81099", patients="4321"),
        ),
    )

    record = ImportRecord.objects.get()
    assert record.status == ImportStatus.READY
    rows = {change["code"]: change for change in record.changes}
    assert rows["L81004"] == {
        "code": "L81004",
        "name": "Tyntesfield Medical Group",
        "kind": "changed",
        "fields": [["registered patients at 1 January 2021", "18,000", "18,910"]],
    }
    assert (rows["L81007"]["kind"], rows["L81007"]["fields"]) == ("unchanged", [])
    assert rows["L81099"]["kind"] == "new"
    words = text_of(page_of(client, record))
    assert "What importing would change" in words
    assert "L81004 Tyntesfield Medical Group Changed Registered patients at 1 January 2021: 18,000 → 18,910" in words
    assert "L81007 The Southville Surgery Unchanged" in words
    assert "L81099" in words and "Registered patients at 1 January 2021: 4,321" in words


def test_the_preview_of_the_register_names_each_changed_field(client, data_admin, bnssg):
    practice = PracticeFactory(code="L81018", name="THORNBURY OLD NAME")
    PracticeCommissionerFactory(practice=practice, commissioner=bnssg, valid_from=datetime.date(2018, 4, 1))

    upload(client, (register_line() + "\r\n").encode(), name="epraccur.csv")

    record = ImportRecord.objects.get()
    change = record.changes[0]
    assert (change["code"], change["name"], change["kind"]) == ("L81018", "THORNBURY OLD NAME", "changed")
    assert ["name", "THORNBURY OLD NAME", "THORNBURY HEALTH CENTRE - BURNEY"] in change["fields"]
    assert "Name: THORNBURY OLD NAME → THORNBURY HEALTH CENTRE - BURNEY" in text_of(page_of(client, record))


def test_the_preview_is_capped_and_counts_the_rest(client, data_admin, monkeypatch):
    monkeypatch.setattr(outcome, "MAX_CHANGES_KEPT", 2)
    upload(client, list_size_csv(*(list_size_line(code=f"L8110{n}") for n in range(3))))

    record = ImportRecord.objects.get()
    assert len(record.changes) == 2
    assert "The first 2 of 3 rows are listed; 1 more is counted above." in text_of(page_of(client, record))


# Words and numbers ---------------------------------------------------------------------------------------


def test_one_new_practice_is_one_practice(client, data_admin):
    upload(client, list_size_csv(list_size_line()))
    record = ImportRecord.objects.get()
    assert "1 practice would be new to the portal and not yet in any locality: L81004." in record.notes

    client.post(CONFIRM_URL, {"record": record.pk})

    record.refresh_from_db()
    assert "1 practice is new to the portal and not yet in any locality: L81004." in record.notes
    assert "1 practices" not in text_of(page_of(client, record))


@override_settings(PRACTICE_IMPORT_BACKGROUND_BYTES=0)
def test_a_657_byte_file_is_657_bytes_while_it_is_checked(client, data_admin, django_capture_on_commit_callbacks):
    content = list_size_csv(*(list_size_line(code=f"L811{n:02d}") for n in range(7)))
    content += b" " * (657 - len(content))
    with django_capture_on_commit_callbacks(execute=False):
        upload(client, content)
    record = ImportRecord.objects.get()

    assert record.status == ImportStatus.CHECKING
    assert "657 bytes" in text_of(page_of(client, record))


def test_sizes_are_written_in_bytes_kb_and_mb():
    assert [describe_size(size) for size in (0, 1, 657, 1000, 1536, 2_300_000, 1_234_567_890)] == [
        "0 bytes",
        "1 byte",
        "657 bytes",
        "1.0 KB",
        "1.5 KB",
        "2.3 MB",
        "1,234.6 MB",
    ]


def test_the_list_of_imports_writes_counts_with_thousands_separators(client, data_admin):
    upload(client, NATIONAL_2021.read_bytes(), name=NATIONAL_2021.name)

    page = client.get(reverse("admin:localities_importrecord_changelist")).content.decode()

    assert "6,579" in page and "1,042,287" in page


# The locality page: which date each figure is from -----------------------------------------------------


def test_the_locality_page_says_which_date_each_figure_is_from(client, bristol, user_factory):
    locality = LocalityFactory(code="sbris", name="South Bristol", commissioner=bristol)
    practice = PracticeFactory()
    PracticeCommissionerFactory(practice=practice, commissioner=bristol)
    MembershipFactory(practice=practice, locality=locality)
    ListSizeFactory(practice=practice, registered_patients=10_000, weighted_patients=Decimal("9800.5"))
    ListSizeFactory(
        practice=practice,
        extract_date=datetime.date(2021, 1, 1),
        source_kind=SourceKind.NHS_DIGITAL,
        registered_patients=10_400,
    )
    client.force_login(user_factory(role=Role.PRACTICE_MANAGER, practice=practice))
    page = client.get(reverse("localities:detail", args=[locality.code]), {"at": "2021-06-01"}).content.decode()

    words = text_of(page)
    assert "10,400 registered patients at 1 January 2021" in words
    assert "9,801 weighted patients at 1 January 2018" in words


def test_the_preview_of_the_membership_template_names_localities_and_dates(two_localities):
    south_bristol, _ = two_localities
    newcomer = PracticeFactory(code="L81007", name="The Southville Surgery")
    member = south_bristol.memberships.order_by("practice__code").first()
    content = (
        "practice_code,locality_code,sub_locality,valid_from,valid_to,opted_out_on,opt_out_reason\n"
        "L81007,WOOD,,2018-04-01,,,\n"
        f"{member.practice.code},sbris,,2017-04-01,,2017-10-01,Chose to work alone\n"
    ).encode()

    record = run_import(content, name="memberships.csv", mode=Mode.CHECK)

    rows = {change["code"]: change for change in record.changes}
    assert rows["L81007"] == {
        "code": "L81007",
        "name": newcomer.name,
        "kind": "new",
        "fields": [["locality", "", "Woodspring"]],
    }
    assert rows[member.practice.code]["fields"] == [
        ["opted out on", "", "1 October 2017"],
        ["opt-out reason", "", "Chose to work alone"],
    ]
