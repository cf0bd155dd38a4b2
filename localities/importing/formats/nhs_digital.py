"""NHS Digital "Patients Registered at a GP Practice" totals files (gp-reg-pat-prac-all.csv).

Header PUBLICATION,EXTRACT_DATE,TYPE,CCG_CODE,ONS_CCG_CODE,CODE,POSTCODE,SEX,AGE,NUMBER_OF_PATIENTS, or
with SUB_ICB_LOCATION_CODE,ONS_SUB_ICB_LOCATION_CODE for the commissioner; one row per practice.
"""

import datetime
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal

from ...models import ImportFormat, SourceKind
from ...validators import COMMISSIONER_CODE_RE, normalise_ods_code
from ..fields import parse_not_future, parse_patients, parse_postcode, parse_practice_code
from ..outcome import Problem, Tally
from ..reading import Record
from .base import Format, RowProblems

SIGNATURE = {
    "EXTRACT DATE",
    "NUMBER OF PATIENTS",
    "PUBLICATION",
    "ONS CCG CODE",
    "ONS SUB ICB LOCATION CODE",
    "SUB ICB LOCATION CODE",
    "SEX",
    "AGE",
}
OUTSIDE_AREA = "commissioner outside the portal's area"
NOT_A_TOTAL = "a breakdown by sex or age, not the practice's total"


@dataclass(slots=True)
class ListSizeRow:
    """One practice's figures at one date, from a list-size or payments file, ready for the writer."""

    line: int
    code: str
    commissioner: str
    extract_date: datetime.date
    registered: int
    weighted: Decimal | None = None
    postcode: str = ""
    name: str = ""
    opened_on: datetime.date | None = None
    closed_on: datetime.date | None = None


class NhsDigitalListSizes(Format):
    format = ImportFormat.NHS_DIGITAL
    label = "an NHS Digital list-size file (Patients Registered at a GP Practice)"
    source_kind = SourceKind.NHS_DIGITAL

    @classmethod
    def recognises(cls, headers: set[str]) -> bool:
        return len(headers & SIGNATURE) >= 2

    def __init__(self, header: Record, context):
        super().__init__(header, context)
        self.i_date = self.column("EXTRACT DATE", shown="EXTRACT_DATE")
        self.i_code = self.column("CODE", "PRACTICE CODE", shown="CODE")
        self.i_commissioner = self.column(
            "SUB ICB LOCATION CODE", "CCG CODE", shown="CCG_CODE (or SUB_ICB_LOCATION_CODE)"
        )
        self.i_patients = self.column("NUMBER OF PATIENTS", shown="NUMBER_OF_PATIENTS")
        self.i_postcode = self.column("POSTCODE", shown="POSTCODE")
        self.i_sex = self.column("SEX", required=False)
        self.i_age = self.column("AGE", required=False)
        self.columns = {"code": self.name_of(self.i_code), "commissioner": self.name_of(self.i_commissioner)}

    def rows(self, records: Iterable[Record], tally: Tally) -> Iterator[ListSizeRow]:
        area, today = self.context.area, self.context.today
        i_code, i_commissioner, i_date, i_patients, i_postcode = (
            self.i_code,
            self.i_commissioner,
            self.i_date,
            self.i_patients,
            self.i_postcode,
        )
        names = {index: self.name_of(index) for index in range(self.width)}
        for record in records:
            if not self.fits(record, tally):
                continue
            cells = record.cells
            commissioner = normalise_ods_code(cells[i_commissioner])
            if commissioner not in area:
                if COMMISSIONER_CODE_RE.match(commissioner):
                    tally.skip(OUTSIDE_AREA)
                else:
                    tally.reject_row(Problem(record.line, names[i_commissioner], _bad_commissioner(commissioner)))
                continue
            if self._is_breakdown(cells):
                tally.skip(NOT_A_TOTAL)
                continue
            row = RowProblems(record.line)
            code = row.get(parse_practice_code, cells[i_code], names[i_code])
            extract_date = row.get(parse_not_future, cells[i_date], names[i_date], today)
            patients = row.get(parse_patients, cells[i_patients], names[i_patients])
            postcode = row.get(parse_postcode, cells[i_postcode], names[i_postcode])
            if row.reported(tally):
                continue
            yield ListSizeRow(record.line, code, commissioner, extract_date, patients, postcode=postcode)

    def _is_breakdown(self, cells: list) -> bool:
        return any(
            index is not None and cells[index].strip().upper() not in ("ALL", "") for index in (self.i_sex, self.i_age)
        )

    def writer(self, tally: Tally):
        from ..write_list_sizes import list_size_writer

        return list_size_writer(self.context, tally, self.source_kind, self.columns)


def _bad_commissioner(code: str) -> str:
    shown = code or "(blank)"
    return f"'{shown}' is not a commissioner ODS code: it should be three characters like 15C, or five like B2M3M."
