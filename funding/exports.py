"""The payment schedule of a run as CSV or XLSX, with every text cell safe from formula injection.

Text that a spreadsheet would run as a formula (starting =, +, -, @, tab or CR) gets a leading
apostrophe, by the same rule as the practice exports (localities.importing.exports.neutralise);
amounts stay numbers, so a claw-back's minus sign is kept.
"""

import csv
import io
from decimal import Decimal

from openpyxl import Workbook

from localities.importing.exports import neutralise

from .models import PaymentRun, Release
from .money import ZERO

HEADERS = ["Locality", "Locality vehicle", "Payee", "CCG", "Tranche", "Kind", "Amount", "Reference", "Cost centre"]


def payee(release: Release) -> str:
    """The vehicle's legal name for a formal entity; otherwise the locality's partnership (paid via its host)."""
    vehicle = getattr(release.locality, "vehicle", None)
    if vehicle is None:
        return f"{release.locality.name} (no Locality Vehicle recorded)"
    return vehicle.legal_name or f"{release.locality.name} partnership"


def schedule_rows(run: PaymentRun) -> tuple[list[list], Decimal]:
    releases = run.releases.select_related("locality__vehicle", "locality__commissioner", "tranche").order_by(
        "locality__name", "tranche__position", "pk"
    )
    rows = []
    for release in releases:
        vehicle = getattr(release.locality, "vehicle", None)
        rows.append(
            [
                release.locality.name,
                vehicle.get_kind_display() if vehicle else "",
                payee(release),
                release.locality.commissioner.code,
                release.tranche.code,
                release.get_kind_display(),
                release.amount,
                release.reference,
                run.cost_centre,
            ]
        )
    return rows, sum((row[6] for row in rows), ZERO)


def safe(row: list) -> list:
    return [neutralise(cell) for cell in row]


def schedule_csv(run: PaymentRun) -> str:
    rows, total = schedule_rows(run)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADERS)
    for row in rows:
        writer.writerow(safe(row))
    writer.writerow(safe(["Total", "", "", "", "", "", total, f"{len(rows)} payments", run.cost_centre]))
    return out.getvalue()


def schedule_xlsx(run: PaymentRun) -> bytes:
    rows, total = schedule_rows(run)
    book = Workbook()
    sheet = book.active
    sheet.title = f"Payment run {run.pk}"
    sheet.append(HEADERS)
    for row in rows + [["Total", "", "", "", "", "", total, f"{len(rows)} payments", run.cost_centre]]:
        sheet.append(safe(row))
        sheet.cell(row=sheet.max_row, column=7).number_format = "#,##0.00"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
