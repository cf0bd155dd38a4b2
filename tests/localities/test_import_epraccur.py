"""The ODS practice register (epraccur.csv): old and new forms, non-GP settings, commissioner changes."""

import datetime

import pytest

from localities.models import ImportStatus, Practice, PracticeCommissioner, PracticeStatus
from tests.localities.factories import PracticeCommissionerFactory, PracticeFactory
from tests.localities.test_import_support import EPRACCUR_2019, run_import, whole_area


@pytest.fixture(autouse=True)
def area(bnssg):
    return whole_area(bnssg)


def register_line(code="L81018", status="A", setting="4", commissioner="15C", joined="20180401", closed="", left=""):
    fields = [
        code,
        "THORNBURY HEALTH CENTRE - BURNEY",
        "Y58",
        "Q86",
        "THORNBURY HEALTH CENTRE",
        "EASTLAND ROAD",
        "BRISTOL",
        "",
        "",
        "BS351DP",
        "19740401",
        closed,
        status,
        "B",
        commissioner,
        joined,
        left,
        "01454 412599",
        "",
        "",
        "",
        "0",
        "",
        commissioner,
        "",
        setting,
        "",
    ]
    return ",".join(f'"{field}"' for field in fields)


def register(*lines: str) -> bytes:
    return ("\r\n".join(lines) + "\r\n").encode()


def test_it_imports_the_bnssg_register_of_december_2019():
    record = run_import(EPRACCUR_2019)

    assert record.status == ImportStatus.IMPORTED
    assert (record.format, record.rows_new, record.rows_skipped, record.patients) == ("epraccur", 110, 69, 0)
    assert record.skip_reasons == {"not a GP practice (field 26 is not 4 or RO76)": 69}
    statuses = {status: Practice.objects.filter(status=status).count() for status in PracticeStatus.values}
    assert statuses == {"active": 80, "closed": 25, "dormant": 5, "proposed": 0}
    closed = Practice.objects.get(code="L81002")
    assert (closed.name, closed.closed_on, closed.opened_on) == (
        "THE VILLAGE SURGERY",
        datetime.date(2016, 12, 31),
        datetime.date(1974, 4, 1),
    )
    link = closed.commissioner_links.get()
    assert (link.commissioner.code, link.valid_to) == ("11T", datetime.date(2016, 12, 31))


def test_it_changes_nothing_the_second_time():
    run_import(EPRACCUR_2019)

    again = run_import(EPRACCUR_2019)

    assert (again.rows_new, again.rows_changed, again.rows_unchanged, again.rows_skipped) == (0, 0, 110, 69)


def test_it_reads_the_newer_form_with_status_words_and_role_codes():
    content = register(
        register_line(code="L81018", status="ACTIVE", setting="RO76"),
        register_line(code="L81002", status="INACTIVE", setting="RO76", closed="20161231"),
        register_line(code="Y02578", status="ACTIVE", setting="RO80"),  # not a GP practice
    )

    record = run_import(content)

    assert (record.rows_new, record.rows_skipped) == (2, 1)
    assert dict(Practice.objects.values_list("code", "status")) == {"L81018": "active", "L81002": "closed"}
    assert Practice.objects.get(code="L81018").postcode == "BS35 1DP"


def test_it_ends_the_old_commissioner_link_when_the_register_names_a_new_one(bristol, bnssg):
    practice = PracticeFactory(code="L81018", name="Old name")
    PracticeCommissionerFactory(practice=practice, commissioner=bristol, valid_from=datetime.date(2013, 4, 1))

    record = run_import(register(register_line()))

    assert record.rows_changed == 1
    links = list(PracticeCommissioner.objects.filter(practice=practice).order_by("valid_from"))
    assert [(link.commissioner, link.valid_from, link.valid_to) for link in links] == [
        (bristol, datetime.date(2013, 4, 1), datetime.date(2018, 3, 31)),
        (bnssg, datetime.date(2018, 4, 1), None),
    ]
    practice.refresh_from_db()
    assert practice.name == "THORNBURY HEALTH CENTRE - BURNEY"
    assert practice.history.first().history_change_reason == f"Import #{record.pk} of upload.csv"


def test_it_skips_practices_of_commissioners_outside_the_area():
    record = run_import(register(register_line(commissioner="92G"), register_line(code="L81019")))

    assert (record.rows_new, record.rows_skipped) == (1, 1)
    assert record.skip_reasons == {"commissioner outside the portal's area": 1}
