"""The register as CSV, safe to open in a spreadsheet: text that a spreadsheet would run as a formula is neutralised."""

import csv
import datetime
import io
from collections.abc import Iterable

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

COLUMNS = [
    "ODS code",
    "Practice",
    "Status",
    "Share certificate",
    "Share paid on",
    "Named lead",
    "Lead job title",
    "Lead email",
    "Lead telephone",
    "Registered patients",
]


def safe_cell(value) -> str | int:
    """Numbers stay numbers; text starting = + - @ tab or CR gets a leading apostrophe so it is shown, not run."""
    if value is None:
        return ""
    if isinstance(value, int):
        return value
    if isinstance(value, datetime.date):
        return value.isoformat()
    text = str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def register_csv(rows: Iterable) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for member in rows:
        writer.writerow(
            [
                safe_cell(cell)
                for cell in [
                    member.practice.code,
                    member.practice.name,
                    member.get_status_display(),
                    member.share_certificate_number,
                    member.share_paid_on,
                    member.lead_name,
                    member.lead_job_title,
                    member.lead_email,
                    member.lead_phone,
                    member.registered,
                ]
            ]
        )
    return out.getvalue()
