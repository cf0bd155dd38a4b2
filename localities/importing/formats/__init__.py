"""The four formats, and telling which one a file is from its content (never its name)."""

from ..context import ImportContext
from ..outcome import ImportRejected
from ..reading import Record
from .base import Format, normalise_header
from .epraccur import Epraccur
from .membership import COLUMNS as MEMBERSHIP_COLUMNS
from .membership import MembershipTemplate
from .nhs_digital import NhsDigitalListSizes
from .nhs_payments import NhsPayments

HEADED_FORMATS: list[type[Format]] = [NhsDigitalListSizes, NhsPayments, MembershipTemplate]
ACCEPTED = (
    "an NHS Digital list-size file (gp-reg-pat-prac-all.csv), an ODS practice register (epraccur.csv), "
    "an NHS Payments to General Practice file, or the portal's membership template "
    f"(columns {', '.join(MEMBERSHIP_COLUMNS)})"
)


def detect(first: Record, kind: str, context: ImportContext) -> Format:
    """The format whose header (or, for the header-less register, first row) this file starts with."""
    if kind == "xlsx":
        headers = {normalise_header(cell) for cell in first.cells}
        if MembershipTemplate.recognises(headers):
            return _start(MembershipTemplate, first, context)
        raise ImportRejected(
            "This Excel workbook is not the portal's membership template: the first row of its first sheet "
            f"should name the columns {', '.join(MEMBERSHIP_COLUMNS)}. The NHS files are read as CSV."
        )
    if Epraccur.recognises_first_row(first.cells):
        return _start(Epraccur, None, context)
    headers = {normalise_header(cell) for cell in first.cells}
    for candidate in HEADED_FORMATS:
        if candidate.recognises(headers):
            return _start(candidate, first, context)
    shown = ",".join(str(cell) for cell in first.cells)
    shown = shown if len(shown) <= 120 else shown[:117] + "..."
    raise ImportRejected(f"The portal does not recognise this file. It accepts {ACCEPTED}. Its first line is: {shown}")


def _start(format_class: type[Format], header: Record | None, context: ImportContext) -> Format:
    context.record.format = format_class.format  # known even if the header turns out to lack a column
    return format_class(header, context)
