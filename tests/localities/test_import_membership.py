"""The portal's membership and opt-out template, as CSV and as an XLSX workbook."""

import datetime
import io

import openpyxl

from localities.models import ImportStatus, LocalityMembership
from tests.localities.factories import PracticeFactory, SubLocalityFactory
from tests.localities.test_import_support import database_state, run_import

HEADER = "practice_code,locality_code,sub_locality,valid_from,valid_to,opted_out_on,opt_out_reason"


def template(*rows: str) -> bytes:
    return ("\n".join([HEADER, *rows]) + "\n").encode()


def test_it_adds_memberships_and_records_opt_outs(two_localities):
    south_bristol, _ = two_localities
    SubLocalityFactory(locality=south_bristol, name="Bedminster")
    newcomer = PracticeFactory(code="L81007")
    member = south_bristol.memberships.order_by("practice__code").first()
    unchanged = south_bristol.memberships.order_by("practice__code").last()
    content = template(
        "L81007,SBRIS,Bedminster,2018-04-01,,,",
        f"{member.practice.code},sbris,,01/04/2017,,2017-10-01,Chose to work alone",
        f"{unchanged.practice.code},sbris,,2017-04-01,,,",
    )

    record = run_import(content, name="memberships.csv")

    assert record.status == ImportStatus.IMPORTED
    assert (record.format, record.rows_new, record.rows_changed, record.rows_unchanged) == ("membership", 1, 1, 1)
    joined = LocalityMembership.objects.get(practice=newcomer)
    assert (joined.locality, joined.sub_locality.name, joined.valid_from) == (
        south_bristol,
        "Bedminster",
        datetime.date(2018, 4, 1),
    )
    member.refresh_from_db()
    assert (member.opted_out_on, member.opt_out_reason) == (datetime.date(2017, 10, 1), "Chose to work alone")
    assert member.history.first().history_change_reason == f"Import #{record.pk} of memberships.csv"


def test_it_reads_the_template_as_an_xlsx_workbook(two_localities):
    _, woodspring = two_localities
    PracticeFactory(code="L81007")
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(HEADER.split(","))
    sheet.append(["L81007", "wood", None, datetime.datetime(2018, 4, 1), None, None, None])
    buffer = io.BytesIO()
    workbook.save(buffer)

    record = run_import(buffer.getvalue(), name="memberships.xlsx")

    assert (record.format, record.rows_new) == ("membership", 1)
    assert LocalityMembership.objects.get(practice__code="L81007").locality == woodspring


def test_it_refuses_a_period_that_overlaps_another_membership(two_localities):
    south_bristol, _ = two_localities
    member = south_bristol.memberships.first()
    before = database_state()

    record = run_import(template(f"{member.practice.code},wood,,2018-04-01,,,"))

    assert record.status == ImportStatus.REJECTED
    assert record.problems == [
        {
            "line": 2,
            "column": "valid_from",
            "reason": f"{member.practice} is already in South Bristol from 1 April 2017: "
            "two localities cannot hold it on the same day.",
        }
    ]
    assert database_state() == before


def test_it_moves_a_practice_when_the_file_ends_one_membership_and_starts_another(two_localities):
    south_bristol, woodspring = two_localities
    member = south_bristol.memberships.first()
    code = member.practice.code

    record = run_import(template(f"{code},sbris,,2017-04-01,2018-03-31,,", f"{code},wood,,2018-04-01,,,"))

    assert (record.rows_new, record.rows_changed) == (1, 1)
    assert member.practice.memberships.on(datetime.date(2018, 4, 1)).get().locality == woodspring
