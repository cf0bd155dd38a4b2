"""Every kind of bad file gets a clear message and leaves the database exactly as it was."""

import datetime

import pytest
from django.test import override_settings

from localities.importing import practice_data_import
from localities.models import ImportStatus, ListSizeSnapshot, SourceKind
from tests.localities.factories import ListSizeFactory, PracticeCommissionerFactory, PracticeFactory
from tests.localities.test_import_support import (
    CCG_HEADER,
    database_state,
    list_size_csv,
    list_size_line,
    run_import,
    whole_area,
)

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
GOOD = [list_size_line(code="L81004", patients="18910"), list_size_line(code="L81007", patients="37639")]


@pytest.fixture(autouse=True)
def existing(bnssg):
    """A practice with a figure that the good rows of each file would change, had the file been good."""
    area = whole_area(bnssg)
    practice = PracticeFactory(code="L81004")
    PracticeCommissionerFactory(practice=practice, commissioner=area)
    return ListSizeFactory(
        practice=practice,
        extract_date=datetime.date(2021, 1, 1),
        source_kind=SourceKind.NHS_DIGITAL,
        registered_patients=18_000,
    )


def assert_rejected(content: bytes, expected: str, **kwargs):
    before = database_state()

    record = run_import(content, **kwargs)

    assert record.status == ImportStatus.REJECTED
    everything = " ".join([record.reason, *(problem["reason"] for problem in record.problems)])
    assert expected in everything
    assert database_state() == before
    assert ListSizeSnapshot.objects.get(source_kind=SourceKind.NHS_DIGITAL).registered_patients == 18_000
    return record


def test_it_refuses_an_image_renamed_csv():
    assert_rejected(PNG, "This is a PNG image, not a CSV file or an Excel workbook.", name="list.csv")


def test_it_refuses_a_file_it_does_not_recognise():
    assert_rejected(b"name,colour\nrose,red\n", "The portal does not recognise this file.")


@pytest.mark.parametrize("content", [b"", b"\r\n\r\n  \n", b"\xef\xbb\xbf"])
def test_it_refuses_an_empty_file(content):
    assert_rejected(content, "The file is empty")


def test_it_refuses_a_header_without_rows():
    assert_rejected(list_size_csv(), "The file has its column names but no rows under them.")


def test_it_names_a_missing_required_column():
    header = CCG_HEADER.replace(",NUMBER_OF_PATIENTS", "")
    lines = [line.rsplit(",", 1)[0] for line in GOOD]

    assert_rejected(list_size_csv(*lines, header=header), "has no NUMBER_OF_PATIENTS column")


def test_it_spots_a_truncated_last_line():
    content = list_size_csv(*GOOD, "GP_PRAC_PAT_LIST,01JAN2021,GP,15C,E38000222,L81008,BS11")[:-2]

    record = assert_rejected(content, "the last line stops after 7 of 10 columns: the file looks cut short.")
    assert record.problems[0]["line"] == 4


def test_it_refuses_duplicate_practice_codes():
    record = assert_rejected(list_size_csv(*GOOD, list_size_line(code="L81004")), "appears more than once")
    assert record.problems == [
        {
            "line": 4,
            "column": "CODE",
            "reason": "practice L81004 appears more than once for this date (first on line 2).",
        }
    ]


@pytest.mark.parametrize(
    ("patients", "expected"),
    [
        ("-5", "-5 is negative: a practice cannot have fewer than no patients."),
        ("12.5", "'12.5' is not a whole number of patients."),
        ("lots", "'lots' is not a number of patients."),
        ("9000000", "9000000 patients is more than any GP practice has (over 500,000): check the column."),
        ("", "the number of patients is missing."),
    ],
)
def test_it_refuses_impossible_counts(patients, expected):
    record = assert_rejected(list_size_csv(*GOOD, list_size_line(code="L81008", patients=patients)), expected)
    assert (record.problems[0]["line"], record.problems[0]["column"]) == (4, "NUMBER_OF_PATIENTS")
    assert record.rows_invalid == 1


@pytest.mark.parametrize(
    ("line", "column", "expected"),
    [
        (list_size_line(code="L8100"), "CODE", "'L8100' is not a practice ODS code"),
        (list_size_line(code="81004X"), "CODE", "'81004X' is not a practice ODS code"),
        (list_size_line(commissioner="1"), "CCG_CODE", "'1' is not a commissioner ODS code"),
    ],
)
def test_it_refuses_malformed_ods_codes(line, column, expected):
    record = assert_rejected(list_size_csv(*GOOD, line), expected)
    assert record.problems[0]["column"] == column


def test_it_refuses_an_in_area_commissioner_the_portal_does_not_hold():
    with override_settings(PORTAL_AREA_COMMISSIONERS=["15C", "QUY"]):
        assert_rejected(
            list_size_csv(*GOOD, list_size_line(code="L81008", commissioner="QUY")),
            "the commissioner QUY is in the portal's area but has not been added to the portal",
        )


def test_it_refuses_unknown_practices_and_localities_in_the_membership_template(two_localities):
    content = b"practice_code,locality_code,valid_from\nL81999,sbris,2018-04-01\nL81004,nowhere,2018-04-01\n"

    record = assert_rejected(content, "practice L81999 is not in the portal")
    assert "there is no locality with the code 'nowhere' in the portal." in record.problems[1]["reason"]


def test_it_refuses_an_extract_date_in_the_future():
    assert_rejected(
        list_size_csv(*GOOD, list_size_line(code="L81008", date="01JAN2099")),
        "the date 01 January 2099 is in the future",
    )


def test_it_refuses_a_100_mb_file_by_its_size_before_reading_it(tmp_path):
    path = tmp_path / "huge.csv"
    with path.open("wb") as sparse:
        sparse.truncate(100_000_000)  # all NUL bytes: reading it would give another message
    before = database_state()

    with path.open("rb") as stream:
        record = practice_data_import(stream, file_name="huge.csv")

    assert record.status == ImportStatus.REJECTED
    assert record.reason.startswith("The file is 100.0 MB; the largest file the portal accepts is 50.0 MB.")
    assert (record.sha256, record.format) == ("", "unknown")
    assert database_state() == before


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (list_size_csv(*GOOD).decode().encode("utf-16"), "saved as UTF-16 text"),
        (list_size_csv(*GOOD).decode().encode("utf-16-le"), "holds NUL bytes"),
        (
            list_size_csv(*GOOD) + "Zürich\x81".encode("cp1252", errors="ignore") + b"\x81\x8d\n",
            "neither UTF-8 nor ISO-8859-1",
        ),
        (list_size_csv(*GOOD) + b"\x1b[31m\n", "holds control characters"),
    ],
    ids=["utf-16", "utf-16-without-bom", "undefined-bytes", "control-characters"],
)
def test_it_refuses_a_file_in_an_unexpected_encoding(content, expected):
    assert_rejected(content, expected)
