"""The payment schedule of a run as CSV or XLSX, and its per-practice breakdown, with every text cell safe from
formula injection.

The schedule has a line per release: the first nine columns as they always were (locality, vehicle, payee, CCG,
tranche, kind, amount, reference, cost centre: an import built on the older file keeps working), then the
subjective code, the payee's supplier number and bank reference (the Locality Vehicle's payee record), the run's
reference and its pay date; a control total row ends it. The breakdown has a line per practice of each release
(practice code and name, patients, opted out, amount), which adds up to the release's amount, and its own total.
CSV gives them as two files; XLSX as two sheets of one workbook, with a bold header, column widths, number and
date formats and the header row frozen.

A locked or paid run's schedule and breakdown are the lines frozen when it was locked (funding.models.ScheduleLine):
a later change to a vehicle's payee record, a locality's name or a practice's never changes them. A draft run's
are worked out from the live data and say so in their total rows ("Draft total ...") and, in XLSX, the sheet's name.

Text that a spreadsheet would run as a formula (starting =, +, -, @, tab or CR) gets a leading apostrophe, by the
same rule as the practice exports (localities.importing.exports.neutralise); amounts stay numbers, so a
claw-back's minus sign is kept.
"""

import csv
import datetime
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Prefetch
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from localities.importing.exports import neutralise

from .models import PaymentRun, PaymentRunState, Release, ReleaseLine, ScheduleLine
from .money import ZERO

# (column heading, ScheduleLine field, width in the XLSX), in the schedule's order.
SCHEDULE_COLUMNS = [
    ("Locality", "locality", 28),
    ("Locality vehicle", "vehicle", 30),
    ("Payee", "payee", 34),
    ("CCG", "ccg", 8),
    ("Tranche", "tranche", 10),
    ("Kind", "kind", 12),
    ("Amount", "amount", 14),
    ("Reference", "reference", 26),
    ("Cost centre", "cost_centre", 13),
    ("Subjective code", "subjective_code", 16),
    ("Supplier number", "supplier_number", 17),
    ("Bank reference", "bank_reference", 19),
    ("Run reference", "run_reference", 15),
    ("Pay date", "pay_date", 12),
]
HEADERS = [heading for heading, _, _ in SCHEDULE_COLUMNS]
LINE_FIELDS = [name for _, name, _ in SCHEDULE_COLUMNS]
AMOUNT = LINE_FIELDS.index("amount")
PAY_DATE = LINE_FIELDS.index("pay_date")

BREAKDOWN_COLUMNS = [
    ("Run reference", 15),
    ("Pay date", 12),
    ("Reference", 26),
    ("Payee", 34),
    ("Locality", 28),
    ("Practice code", 14),
    ("Practice name", 36),
    ("Patients", 12),
    ("Opted out", 10),
    ("Amount", 14),
]
BREAKDOWN_HEADERS = [heading for heading, _ in BREAKDOWN_COLUMNS]
BREAKDOWN_PATIENTS, BREAKDOWN_AMOUNT, BREAKDOWN_PAY_DATE = 7, 9, 1

DRAFT_TOTAL = "Draft total (run not locked: may change)"
MONEY_FORMAT = "#,##0.00;-#,##0.00"
PATIENTS_FORMAT = "#,##0"
DATE_FORMAT = "dd/mm/yyyy"


def payee_of(locality) -> str:
    """The vehicle's legal name for a formal entity; otherwise the locality's partnership (paid via its host)."""
    vehicle = getattr(locality, "vehicle", None)
    if vehicle is None:
        return f"{locality.name} (no Locality Vehicle recorded)"
    return vehicle.legal_name or f"{locality.name} partnership"


def payee(release: Release) -> str:
    return payee_of(release.locality)


def breakdown_of(lines) -> list[dict]:
    """A release's per-practice lines as the schedule keeps them (figures as decimal strings, exact)."""
    return [
        {
            "practice_code": line.practice.code,
            "practice_name": line.practice.name,
            "patients": str(line.patients),
            "opted_out": line.opted_out,
            "amount": str(line.amount),
        }
        for line in sorted(lines, key=lambda line: line.practice.code)
    ]


def live_rows(run: PaymentRun) -> list[tuple[int, dict]]:
    """The run's lines worked out from the live data now: (release id, ScheduleLine fields), in schedule order."""
    releases = (
        run.releases.select_related("locality__vehicle", "locality__commissioner", "tranche")
        .prefetch_related(Prefetch("lines", queryset=ReleaseLine.objects.select_related("practice")))
        .order_by("locality__name", "tranche__position", "pk")
    )
    lines = []
    for release in releases:
        vehicle = getattr(release.locality, "vehicle", None)
        lines.append(
            (
                release.pk,
                {
                    "locality": release.locality.name,
                    "vehicle": vehicle.get_kind_display() if vehicle else "",
                    "payee": payee(release),
                    "ccg": release.locality.commissioner.code,
                    "tranche": release.tranche.code,
                    "kind": release.get_kind_display(),
                    "amount": release.amount,
                    "reference": release.reference,
                    "cost_centre": run.cost_centre,
                    "subjective_code": run.subjective_code,
                    "supplier_number": vehicle.supplier_number if vehicle else "",
                    "bank_reference": vehicle.bank_reference if vehicle else "",
                    "run_reference": run.reference,
                    "pay_date": run.pay_date,
                    "breakdown": breakdown_of(release.lines.all()),
                },
            )
        )
    return lines


def is_draft(run: PaymentRun) -> bool:
    return run.state == PaymentRunState.DRAFT


@dataclass
class Schedule:
    """A run's schedule as its pages and exports show it: live for a draft, the frozen lines otherwise."""

    run: PaymentRun
    draft: bool
    lines: list[dict]  # ScheduleLine fields and release_id, in schedule order
    total: Decimal = ZERO
    payees: list[dict] = field(default_factory=list)  # per payee: payee, supplier number, bank reference, count, total

    @property
    def count(self) -> int:
        return len(self.lines)


def schedule_of(run: PaymentRun) -> Schedule:
    """One query for the lines (two for a draft's, with their breakdowns), whatever their number."""
    return schedules_of([run])[run.pk]


def schedules_of(runs: Iterable[PaymentRun]) -> dict[int, Schedule]:
    """schedule_of for many runs (a page of them): the frozen lines of every locked or paid run in one query, and each
    draft's live lines as schedule_of reads them (a commissioner has few drafts open at once)."""
    runs = list(runs)
    frozen: dict[int, list[dict]] = {run.pk: [] for run in runs if not is_draft(run)}
    if frozen:
        lines = ScheduleLine.objects.filter(payment_run__in=list(frozen)).order_by("payment_run_id", "position")
        for line in lines.values("payment_run_id", "release_id", *LINE_FIELDS, "breakdown"):
            frozen[line.pop("payment_run_id")].append(line)
    return {
        run.pk: schedule_from(
            run,
            frozen[run.pk]
            if run.pk in frozen
            else [{"release_id": release_id, **line} for release_id, line in live_rows(run)],
        )
        for run in runs
    }


def schedule_from(run: PaymentRun, lines: list[dict]) -> Schedule:
    payees: dict[tuple, dict] = {}
    for line in lines:
        key = (line["payee"], line["supplier_number"], line["bank_reference"])
        entry = payees.setdefault(
            key, {"payee": key[0], "supplier_number": key[1], "bank_reference": key[2], "count": 0, "total": ZERO}
        )
        entry["count"] += 1
        entry["total"] += line["amount"]
    return Schedule(
        run=run,
        draft=is_draft(run),
        lines=lines,
        total=sum((line["amount"] for line in lines), ZERO),
        payees=list(payees.values()),
    )


def schedule_rows(run: PaymentRun, schedule: Schedule | None = None) -> tuple[list[list], Decimal]:
    """A locked or paid run: its frozen lines only. A draft: the live lines."""
    schedule = schedule or schedule_of(run)
    return [[line[name] for name in LINE_FIELDS] for line in schedule.lines], schedule.total


def total_row(run: PaymentRun, rows: list[list], total: Decimal) -> list:
    first = dict(zip(LINE_FIELDS, rows[0], strict=True)) if rows and not is_draft(run) else {}
    row = ["" for _ in LINE_FIELDS]
    row[0] = DRAFT_TOTAL if is_draft(run) else "Total"
    row[AMOUNT] = total
    row[LINE_FIELDS.index("reference")] = f"{len(rows)} payment{'' if len(rows) == 1 else 's'}"
    for name in ("cost_centre", "subjective_code", "run_reference", "pay_date"):
        row[LINE_FIELDS.index(name)] = first.get(name, getattr(run, name.removeprefix("run_"), ""))
    return row


def breakdown_rows(schedule: Schedule) -> tuple[list[list], Decimal]:
    """A line per practice of each release, in schedule order, and their total (the schedule's total)."""
    rows = []
    for line in schedule.lines:
        for part in line["breakdown"]:
            rows.append(
                [
                    line["run_reference"],
                    line["pay_date"],
                    line["reference"],
                    line["payee"],
                    line["locality"],
                    part["practice_code"],
                    part["practice_name"],
                    _number(part["patients"]),
                    "Yes" if part["opted_out"] else "No",
                    Decimal(part["amount"]),
                ]
            )
    return rows, sum((row[BREAKDOWN_AMOUNT] for row in rows), ZERO)


def breakdown_total_row(schedule: Schedule, rows: list[list], total: Decimal) -> list:
    row = ["" for _ in BREAKDOWN_COLUMNS]
    row[0] = DRAFT_TOTAL if schedule.draft else "Total"
    row[2] = f"{schedule.count} payment{'' if schedule.count == 1 else 's'}"
    row[6] = f"{len(rows)} practice line{'' if len(rows) == 1 else 's'}"
    row[BREAKDOWN_AMOUNT] = total
    return row


def _number(text: str) -> Decimal | int:
    value = Decimal(text)
    return int(value) if value == value.to_integral_value() else value


def _csv_cell(value):
    """Dates as finance reads them (DD/MM/YYYY), no figure as an empty cell; text made formula-safe."""
    if isinstance(value, datetime.date):
        return f"{value:%d/%m/%Y}"
    if value is None:
        return ""
    return neutralise(value)


def _csv(headers: list[str], rows: list[list]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(headers)
    for row in rows:
        writer.writerow([_csv_cell(cell) for cell in row])
    return out.getvalue()


def safe(row: list) -> list:
    return [neutralise(cell) for cell in row]


def schedule_csv(run: PaymentRun) -> str:
    rows, total = schedule_rows(run)
    return _csv(HEADERS, [*rows, total_row(run, rows, total)])


def breakdown_csv(run: PaymentRun) -> str:
    schedule = schedule_of(run)
    rows, total = breakdown_rows(schedule)
    return _csv(BREAKDOWN_HEADERS, [*rows, breakdown_total_row(schedule, rows, total)])


def _sheet(sheet, headers: list[str], widths: list[int], rows: list[list], formats: dict[int, str]) -> None:
    """Headers in bold with the header row frozen, each column's width, and the given columns' number formats."""
    sheet.append(headers)
    bold = Font(bold=True)
    for cell in sheet[1]:
        cell.font = bold
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    for row in rows:
        sheet.append([None if cell == "" else cell for cell in safe(row)])
        for column, number_format in formats.items():
            sheet.cell(row=sheet.max_row, column=column + 1).number_format = number_format
    for cell in sheet[sheet.max_row]:
        cell.font = bold  # the control total
    sheet.freeze_panes = "A2"


def schedule_xlsx(run: PaymentRun) -> bytes:
    schedule = schedule_of(run)
    rows, total = schedule_rows(run, schedule)
    book = Workbook()
    sheet = book.active
    sheet.title = f"Payment run {run.pk}" + (" (draft)" if schedule.draft else "")
    _sheet(
        sheet,
        HEADERS,
        [width for _, _, width in SCHEDULE_COLUMNS],
        [*rows, total_row(run, rows, total)],
        {AMOUNT: MONEY_FORMAT, PAY_DATE: DATE_FORMAT},
    )
    parts, parts_total = breakdown_rows(schedule)
    _sheet(
        book.create_sheet("Practice breakdown" + (" (draft)" if schedule.draft else "")),
        BREAKDOWN_HEADERS,
        [width for _, width in BREAKDOWN_COLUMNS],
        [*parts, breakdown_total_row(schedule, parts, parts_total)],
        {BREAKDOWN_AMOUNT: MONEY_FORMAT, BREAKDOWN_PATIENTS: PATIENTS_FORMAT, BREAKDOWN_PAY_DATE: DATE_FORMAT},
    )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
