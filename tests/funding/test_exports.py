import csv
import datetime
import io
from decimal import Decimal

import openpyxl
import pytest

from funding.evaluation import evaluate_milestones
from funding.exports import schedule_csv, schedule_xlsx
from funding.models import ReleaseState
from funding.payment_runs import payment_run_add, payment_run_create
from localities.models import ListSizeSnapshot, LocalityVehicle

from .ledger import join, mark

EVIL = ['=HYPERLINK("http://x")', "+1+1", "-2", "@SUM(A1)", "\tTab", "\rReturn"]


@pytest.fixture
def run(lts_rules, people, bnssg):
    join(people.south_bristol, people.woodspring)
    releases = [mark(r, ReleaseState.AUTHORISED) for r in evaluate_milestones(datetime.date(2018, 6, 1)).proposed]
    LocalityVehicle.objects.filter(locality=people.south_bristol).update(kind="formal", legal_name=EVIL[0])
    people.woodspring.name = EVIL[3]
    people.woodspring.save()
    run = payment_run_create(bnssg, actor=people.finance, name="June", cost_centre="-CC9")
    payment_run_add(run, releases, actor=people.finance)
    return run


def test_it_neutralises_formulae_in_the_csv(run):
    rows = list(csv.reader(io.StringIO(schedule_csv(run))))

    text_cells = [cell for row in rows[1:] for i, cell in enumerate(row) if i != 6]
    assert all(not cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in text_cells)
    assert "'" + EVIL[0] in text_cells and "'" + EVIL[3] in text_cells and "'-CC9" in text_cells


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
