"""The portal's own template (CSV or XLSX): which locality each practice belongs to when, and opt-outs.

Columns (FORMATS.md): practice_code, locality_code, sub_locality, valid_from, valid_to, opted_out_on,
opt_out_reason. A row is a membership, identified by its practice and start date.
"""

import datetime
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from ...models import ImportFormat
from ..fields import parse_date, parse_practice_code
from ..outcome import Tally
from ..reading import Record
from .base import Format, RowProblems

COLUMNS = ["practice_code", "locality_code", "sub_locality", "valid_from", "valid_to", "opted_out_on", "opt_out_reason"]
REQUIRED = ["practice_code", "locality_code", "valid_from"]
SIGNATURE = {"LOCALITY CODE", "VALID FROM", "VALID TO", "OPTED OUT ON", "OPT OUT REASON", "SUB LOCALITY"}


@dataclass(slots=True)
class MembershipRow:
    line: int
    practice_code: str
    locality_code: str
    sub_locality: str
    valid_from: datetime.date
    valid_to: datetime.date | None
    opted_out_on: datetime.date | None
    opt_out_reason: str


class MembershipTemplate(Format):
    format = ImportFormat.MEMBERSHIP
    label = "the portal's membership template"

    @classmethod
    def recognises(cls, headers: set[str]) -> bool:
        return "PRACTICE CODE" in headers and bool(headers & SIGNATURE)

    def __init__(self, header: Record, context):
        super().__init__(header, context)
        self.index = {}
        for name in COLUMNS:
            self.index[name] = self.column(name.replace("_", " ").upper(), required=name in REQUIRED, shown=name)

    def rows(self, records: Iterable[Record], tally: Tally) -> Iterator[MembershipRow]:
        for record in records:
            if not self.fits(record, tally):
                continue
            cells = record.cells

            def value(name: str, cells=cells):
                index = self.index[name]
                return cells[index] if index is not None else ""

            row = RowProblems(record.line)
            code = row.get(parse_practice_code, value("practice_code"), "practice_code")
            locality_code = str(value("locality_code")).strip()
            if not locality_code:
                row.add("locality_code", "the locality's code is missing.")
            valid_from = row.get(parse_date, value("valid_from"), "valid_from")
            valid_to = row.get(parse_date, value("valid_to"), "valid_to", required=False)
            opted_out_on = row.get(parse_date, value("opted_out_on"), "opted_out_on", required=False)
            reason = str(value("opt_out_reason")).strip()
            if valid_from and valid_to and valid_to < valid_from:
                row.add("valid_to", "the membership cannot end before it starts.")
            if opted_out_on and not reason:
                row.add("opt_out_reason", "give the reason the practice opted out.")
            if reason and not opted_out_on:
                row.add("opted_out_on", "an opt-out reason is given but not the date the practice opted out.")
            if opted_out_on and valid_from and opted_out_on < valid_from:
                row.add("opted_out_on", "a practice cannot opt out before its membership starts.")
            if row.reported(tally):
                continue
            yield MembershipRow(
                record.line,
                code,
                locality_code,
                str(value("sub_locality")).strip(),
                valid_from,
                valid_to,
                opted_out_on,
                reason,
            )

    def writer(self, tally: Tally):
        from ..write_membership import MembershipWriter

        return MembershipWriter(self.context, tally)
