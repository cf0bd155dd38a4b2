"""NHS Payments to General Practice files: last known figures by quarter, yearly averages, N/A, ISO-8859-1."""

import datetime
from decimal import Decimal

import pytest

from localities.models import ImportStatus, ListSizeSnapshot, Practice, SourceKind
from tests.localities.test_import_support import PAYMENTS_2017_18, database_state, run_import, whole_area


@pytest.fixture(autouse=True)
def area(bnssg):
    return whole_area(bnssg)


AVERAGES_HEADER = (
    "NHS England (Region) code,CCG Code,CCG NAME,Practice Code,Practice Name,Practice Postcode,Practice Open Date,"
    "Practice Close Date,Average Number of Registered Patients,Average Number of Weighted Patients,"
    "Global Sum (£),Total NHS Payments to General Practice (£)"
)


def averages_file(*rows: str) -> bytes:
    return ("\r\n".join([AVERAGES_HEADER, *rows]) + "\r\n").encode("iso-8859-1")


def test_it_imports_the_2017_18_bnssg_payments_file():
    record = run_import(PAYMENTS_2017_18)

    assert record.status == ImportStatus.IMPORTED
    assert (record.format, record.rows_new, record.rows_skipped, record.patients) == ("nhs_payments", 92, 4, 1_025_545)
    assert record.options == {"financial_year": "2017-18"}
    dates = ListSizeSnapshot.objects.values_list("extract_date", flat=True)
    assert {date: list(dates).count(date) for date in set(dates)} == {
        datetime.date(2018, 1, 1): 90,
        datetime.date(2017, 4, 1): 2,
    }
    portishead = ListSizeSnapshot.objects.get(practice__code="L81004")
    assert (portishead.registered_patients, portishead.weighted_patients) == (18_441, Decimal("17430.500"))
    assert portishead.source_kind == SourceKind.NHS_PAYMENTS
    assert Practice.objects.get(code="L81004").name == "PORTISHEAD MEDICAL GROUP"


def test_it_reads_yearly_averages_in_iso_8859_1_with_n_a_for_no_patients():
    content = averages_file(
        "Q80,15C,NHS BNSSG CCG,L81004,PORTISHEAD MEDICAL GROUP,BS20  6AQ,01/04/1957,,18441.5,17430.25,1000,2000",
        "Q80,15C,NHS BNSSG CCG,L81099,CLOSED SURGERY,BS1 1AA,01/04/1957,30/04/2018,N/A,N/A,0,0",
    )

    record = run_import(content, name="payments.csv", options={"financial_year": "2019-20"})

    assert (record.rows_new, record.rows_skipped, record.patients) == (1, 1, 18_442)
    snapshot = ListSizeSnapshot.objects.get()
    assert (snapshot.extract_date, snapshot.weighted_patients) == (datetime.date(2019, 4, 1), Decimal("17430.250"))
    assert Practice.objects.get().postcode == "BS20 6AQ"


def test_it_refuses_a_payments_file_whose_year_it_cannot_tell():
    before = database_state()

    record = run_import(averages_file("Q80,15C,X,L81004,X,BS20 6AQ,01/04/1957,,100,90,0,0"), name="payments.csv")

    assert record.status == ImportStatus.REJECTED
    assert "does not say which financial year" in record.reason
    assert record.format == "nhs_payments"
    assert database_state() == before
