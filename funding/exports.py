"""The payment schedule of a run as CSV or XLSX, with every text cell safe from formula injection.

A locked or paid run's schedule is the lines frozen when it was locked (funding.models.ScheduleLine): a
later change to a vehicle's payee name, a locality's name or the run's cost centre never changes it. A draft
run's schedule is worked out from the live data and says so in its total row ("Draft total ...") and,
in XLSX, its sheet's name.

Text that a spreadsheet would run as a formula (starting =, +, -, @, tab or CR) gets a leading
apostrophe, by the same rule as the practice exports (localities.importing.exports.neutralise);
amounts stay numbers, so a claw-back's minus sign is kept.
"""

import csv
import io
from decimal import Decimal

from openpyxl import Workbook

from localities.importing.exports import neutralise

from .models import PaymentRun, PaymentRunState, Release
from .money import ZERO

HEADERS = ["Locality", "Locality vehicle", "Payee", "CCG", "Tranche", "Kind", "Amount", "Reference", "Cost centre"]
# The ScheduleLine field behind each column, in HEADERS order.
LINE_FIELDS = ["locality", "vehicle", "payee", "ccg", "tranche", "kind", "amount", "reference", "cost_centre"]
DRAFT_TOTAL = "Draft total (run not locked: may change)"


def payee(release: Release) -> str:
    """The vehicle's legal name for a formal entity; otherwise the locality's partnership (paid via its host)."""
    vehicle = getattr(release.locality, "vehicle", None)
    if vehicle is None:
        return f"{release.locality.name} (no Locality Vehicle recorded)"
    return vehicle.legal_name or f"{release.locality.name} partnership"


def live_rows(run: PaymentRun) -> list[tuple[int, dict]]:
    """The run's lines worked out from the live data now: (release id, ScheduleLine fields), in schedule order."""
    releases = run.releases.select_related("locality__vehicle", "locality__commissioner", "tranche").order_by(
        "locality__name", "tranche__position", "pk"
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
                },
            )
        )
    return lines


def is_draft(run: PaymentRun) -> bool:
    return run.state == PaymentRunState.DRAFT


def schedule_rows(run: PaymentRun) -> tuple[list[list], Decimal]:
    """A locked or paid run: its frozen lines only. A draft: the live lines."""
    if is_draft(run):
        rows = [[line[field] for field in LINE_FIELDS] for _, line in live_rows(run)]
    else:
        rows = [list(line) for line in run.schedule_lines.order_by("position").values_list(*LINE_FIELDS)]
    return rows, sum((row[6] for row in rows), ZERO)


def total_row(run: PaymentRun, rows: list[list], total: Decimal) -> list:
    cost_centre = run.cost_centre if is_draft(run) else (rows[0][8] if rows else run.cost_centre)
    label = DRAFT_TOTAL if is_draft(run) else "Total"
    return [label, "", "", "", "", "", total, f"{len(rows)} payments", cost_centre]


def safe(row: list) -> list:
    return [neutralise(cell) for cell in row]


def schedule_csv(run: PaymentRun) -> str:
    rows, total = schedule_rows(run)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADERS)
    for row in rows:
        writer.writerow(safe(row))
    writer.writerow(safe(total_row(run, rows, total)))
    return out.getvalue()


def schedule_xlsx(run: PaymentRun) -> bytes:
    rows, total = schedule_rows(run)
    book = Workbook()
    sheet = book.active
    sheet.title = f"Payment run {run.pk}" + (" (draft)" if is_draft(run) else "")
    sheet.append(HEADERS)
    for row in rows + [total_row(run, rows, total)]:
        sheet.append(safe(row))
        sheet.cell(row=sheet.max_row, column=7).number_format = "#,##0.00"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
