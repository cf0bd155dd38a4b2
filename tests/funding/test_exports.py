import csv
import datetime
import io
from decimal import Decimal

import openpyxl
import pytest

from funding.evaluation import evaluate_milestones
from funding.exports import (
    AMOUNT,
    DATE_FORMAT,
    HEADERS,
    MONEY_FORMAT,
    breakdown_csv,
    schedule_csv,
    schedule_of,
    schedule_xlsx,
    schedules_of,
)
from funding.models import ReleaseState, ScheduleLine
from funding.payment_runs import payment_run_add, payment_run_create, payment_run_lock
from localities.models import ListSizeSnapshot, LocalityVehicle, Practice

from .ledger import join, mark

PAY_DATE = datetime.date(2018, 6, 29)
EVIL = ['=HYPERLINK("http://x")', "+1+1", "-2", "@SUM(A1)", "\tTab", "\rReturn"]


@pytest.fixture
def run(lts_rules, people, bnssg):
    join(people.south_bristol, people.woodspring)
    releases = [mark(r, ReleaseState.AUTHORISED) for r in evaluate_milestones(datetime.date(2018, 6, 1)).proposed]
    LocalityVehicle.objects.filter(locality=people.south_bristol).update(kind="formal", legal_name=EVIL[0])
    people.woodspring.name = EVIL[3]
    people.woodspring.save()
    LocalityVehicle.objects.filter(locality=people.woodspring).update(
        supplier_number="=SUP9", bank_reference="WOOD LTS"
    )
    run = payment_run_create(
        bnssg, actor=people.finance, name="June", cost_centre="-CC9", pay_date=PAY_DATE, subjective_code="5210"
    )
    payment_run_add(run, releases, actor=people.finance)
    return run


def test_it_neutralises_formulae_in_the_csv(run):
    rows = list(csv.reader(io.StringIO(schedule_csv(run))))

    text_cells = [cell for row in rows[1:] for i, cell in enumerate(row) if i != AMOUNT]
    assert all(not cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in text_cells)
    assert "'" + EVIL[0] in text_cells and "'" + EVIL[3] in text_cells and "'-CC9" in text_cells
    assert "'=SUP9" in text_cells


def test_it_adds_up_in_the_csv(run):
    rows = list(csv.reader(io.StringIO(schedule_csv(run))))

    amounts = [Decimal(row[6]) for row in rows[1:-1]]
    assert sum(amounts) == Decimal(rows[-1][6]) == Decimal("105000.00")
    assert {row[7].split("-")[1] for row in rows[1:-1]} == {"T1"}


def test_it_neutralises_and_adds_up_in_the_xlsx(run):
    sheet = openpyxl.load_workbook(io.BytesIO(schedule_xlsx(run))).active
    rows = list(sheet.iter_rows(values_only=True))

    assert rows[0][6] == "Amount"
    assert sum(Decimal(str(row[6])) for row in rows[1:-1]) == Decimal(str(rows[-1][6])) == Decimal("105000")
    cells = [c for row in rows[1:] for c in row if isinstance(c, str)]
    assert all(not c.startswith(("=", "+", "-", "@", "\t", "\r")) for c in cells)
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def test_it_keeps_a_claw_back_a_negative_number(run, people, bnssg):
    release = mark(run.releases.get(locality=people.south_bristol), ReleaseState.PAID)
    ListSizeSnapshot.objects.filter(practice__memberships__locality=release.locality).update(registered_patients=1)
    claw_back = mark(evaluate_milestones(datetime.date(2018, 6, 1)).adjustments[0], ReleaseState.AUTHORISED)
    second = payment_run_create(bnssg, actor=people.finance, name="Claw-backs")
    payment_run_add(second, [claw_back], actor=people.finance)

    rows = list(csv.reader(io.StringIO(schedule_csv(second))))

    assert rows[1][5:7] == ["Adjustment", "-52499.00"]
    assert rows[-1][6] == "-52499.00"
    parts = by_heading(breakdown_csv(second))
    assert sum(Decimal(part["Amount"]) for part in parts[:-1]) == Decimal(parts[-1]["Amount"]) == Decimal("-52499.00")


def by_heading(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


def test_the_schedule_carries_the_run_the_payee_record_and_the_ledger_codes(run, people):
    rows = by_heading(schedule_csv(run))

    wood = next(row for row in rows if row["Locality"] == "'" + EVIL[3])
    assert (wood["Supplier number"], wood["Bank reference"]) == ("'=SUP9", "WOOD LTS")
    assert {(row["Run reference"], row["Pay date"], row["Subjective code"]) for row in rows} == {
        (run.reference, "29/06/2018", "5210")
    }
    assert run.reference == f"15C-PR-{run.pk:04d}"
    assert rows[-1]["Reference"] == "2 payments" and rows[-1]["Locality"].startswith("Draft total")


def test_the_breakdown_adds_up_to_each_release_to_the_penny(run):
    schedule = {row["Reference"]: Decimal(row["Amount"]) for row in by_heading(schedule_csv(run))[:-1]}
    parts = by_heading(breakdown_csv(run))

    per_release: dict[str, Decimal] = {}
    for part in parts[:-1]:
        per_release[part["Reference"]] = per_release.get(part["Reference"], Decimal(0)) + Decimal(part["Amount"])
        assert part["Run reference"] == run.reference and part["Opted out"] in ("Yes", "No")
    assert per_release == schedule
    assert len(parts[:-1]) == 4 and {int(p["Patients"]) for p in parts[:-1]} == {60_000, 45_000}
    assert Decimal(parts[-1]["Amount"]) == sum(schedule.values()) == Decimal("105000.00")
    assert parts[-1]["Practice name"] == "4 practice lines"


def test_the_xlsx_is_styled_for_finance(run):
    book = openpyxl.load_workbook(io.BytesIO(schedule_xlsx(run)))
    sheet, parts = book.worksheets

    assert [cell.value for cell in sheet[1]] == HEADERS
    assert all(cell.font.bold for cell in sheet[1]) and all(cell.font.bold for cell in sheet[sheet.max_row])
    assert not sheet.cell(row=2, column=1).font.bold
    assert sheet.freeze_panes == parts.freeze_panes == "A2"
    assert sheet.column_dimensions["C"].width == 34 and parts.column_dimensions["G"].width == 36
    amount, pay_date = sheet.cell(row=2, column=AMOUNT + 1), sheet.cell(row=2, column=HEADERS.index("Pay date") + 1)
    assert amount.number_format == MONEY_FORMAT and isinstance(amount.value, (int, float))
    assert pay_date.number_format == DATE_FORMAT and pay_date.value.date() == PAY_DATE
    assert parts.title == "Practice breakdown (draft)" and parts.cell(row=2, column=10).number_format == MONEY_FORMAT
    assert sum(
        Decimal(str(row[9])) for row in parts.iter_rows(min_row=2, max_row=parts.max_row - 1, values_only=True)
    ) == (Decimal("105000"))
    assert all(cell.data_type != "f" for ws in book.worksheets for row in ws.iter_rows() for cell in row)


def test_the_breakdown_is_frozen_at_locking(run, people):
    run = payment_run_lock(run, actor=people.finance)
    before = breakdown_csv(run), schedule_csv(run)
    Practice.objects.update(name="Renamed practice")
    LocalityVehicle.objects.update(supplier_number="CHANGED", bank_reference="CHANGED")

    assert (breakdown_csv(run), schedule_csv(run)) == before
    assert "Renamed practice" not in before[0] and "CHANGED" not in before[1]
    assert all(len(line.breakdown) == 2 for line in ScheduleLine.objects.filter(payment_run=run))
    assert not by_heading(before[0])[-1]["Run reference"].startswith("Draft")


def test_a_page_of_runs_reads_every_frozen_schedule_in_one_query(lts_rules, people, bnssg, django_assert_num_queries):
    join(people.south_bristol, people.woodspring)
    runs = []
    for n, release in enumerate(evaluate_milestones(datetime.date(2018, 6, 1)).proposed):
        run = payment_run_create(
            bnssg, actor=people.finance, name=f"Run {n}", cost_centre="CC9", pay_date=PAY_DATE, subjective_code="5210"
        )
        payment_run_add(run, [mark(release, ReleaseState.AUTHORISED)], actor=people.finance)
        runs.append(payment_run_lock(run, actor=people.finance))
    expected = {run.pk: schedule_of(run) for run in runs}

    with django_assert_num_queries(1):
        schedules = schedules_of(runs)

    assert len(runs) == 2 and schedules == expected
    assert [len(schedule.lines) for schedule in schedules.values()] == [1, 1]
    assert {line["release_id"] for schedule in schedules.values() for line in schedule.lines} == {
        release.pk for run in runs for release in run.releases.all()
    }
