"""NHS Payments to General Practice, practice-level files: registered and weighted patients per practice.

2017/18 and before give the "Last Known Figure" with the quarter it was counted in; 2018/19 on give
the "Average Number of ..." over the year. The file does not say its year: the data admin gives it
(--financial-year 2017-18), or the file name holds it (nhspaymentsgp_17-18.csv).
"""

import datetime
import re
from collections.abc import Iterable, Iterator

from ...models import ImportFormat, SourceKind
from ...validators import COMMISSIONER_CODE_RE, normalise_ods_code
from ..fields import parse_date, parse_patients, parse_postcode, parse_practice_code, parse_weighted
from ..outcome import ImportRejected, Problem, Tally
from ..reading import Record
from .base import Format, RowProblems
from .nhs_digital import OUTSIDE_AREA, ListSizeRow, _bad_commissioner

SIGNATURE = {
    "NHS ENGLAND (REGION) CODE",
    "CCG NAME",
    "PRACTICE NAME",
    "PRACTICE POSTCODE",
    "GLOBAL SUM",
    "CONTRACT TYPE",
    "QUARTER USED FOR PATIENT DATA",
    "PRACTICE OPEN DATE",
    "DISPENSING PRACTICE",
}
REGISTERED = ("NUMBER OF REGISTERED PATIENTS", "AVERAGE NUMBER OF REGISTERED PATIENTS")
WEIGHTED = ("NUMBER OF WEIGHTED PATIENTS", "AVERAGE NUMBER OF WEIGHTED PATIENTS")
NO_PATIENTS = "no patients in the figures (N/A, 0 or no known patients)"
NONE_WORDS = {"", "N/A", "NA", "-", "NO KNOWN PATIENTS"}
YEAR_IN_NAME = re.compile(r"(?<!\d)(?:20)?(\d{2})[-_](\d{2})(?!\d)")
YEAR_GIVEN = re.compile(r"^(\d{4})\s*[-/]\s*(\d{2}|\d{4})$")
# The quarter's count date within the financial year starting on 1 April of `start`.
QUARTER_DATES = {"Q1": (0, 4), "Q2": (0, 7), "Q3": (0, 10), "Q4": (1, 1)}


def financial_year_start(given: str | None, file_name: str) -> int:
    """The calendar year in which the file's financial year starts, from the option or the file name."""
    if given:
        match = YEAR_GIVEN.match(given.strip())
        if match:
            start, end = int(match[1]), int(match[2][-2:])
            if (start + 1) % 100 == end:
                return start
        raise ImportRejected(f"'{given}' is not a financial year: write it like 2017-18.")
    match = YEAR_IN_NAME.search(file_name or "")
    if match and (int(match[1]) + 1) % 100 == int(match[2]):
        return 2000 + int(match[1])
    raise ImportRejected(
        "This NHS Payments to General Practice file does not say which financial year it covers. "
        "Give the year (for example 2017-18) with the upload, or --financial-year on the command line."
    )


class NhsPayments(Format):
    format = ImportFormat.NHS_PAYMENTS
    label = "an NHS Payments to General Practice file"
    source_kind = SourceKind.NHS_PAYMENTS

    @classmethod
    def recognises(cls, headers: set[str]) -> bool:
        figures = any(header.startswith(REGISTERED + WEIGHTED) for header in headers)
        return len(headers & SIGNATURE) + figures >= 2 and "PRACTICE CODE" in headers

    def __init__(self, header: Record, context):
        super().__init__(header, context)
        self.i_code = self.column("PRACTICE CODE", shown="Practice Code")
        self.i_commissioner = self.column(
            "CCG CODE", "SUB ICB LOCATION CODE", "COMMISSIONER CODE", shown="CCG Code (or Sub ICB Location Code)"
        )
        self.i_registered = self.column(*REGISTERED, prefix=True, shown="Number of Registered Patients")
        self.i_weighted = self.column(*WEIGHTED, prefix=True, shown="Number of Weighted Patients")
        self.averages = self.headers[self.i_registered].startswith("AVERAGE")
        self.i_quarter = self.column("QUARTER USED FOR PATIENT DATA", required=False)
        self.i_name = self.column("PRACTICE NAME", required=False)
        self.i_postcode = self.column("PRACTICE POSTCODE", required=False)
        self.i_opened = self.column("PRACTICE OPEN DATE", required=False)
        self.i_closed = self.column("PRACTICE CLOSE DATE", required=False)
        self.year = financial_year_start(context.options.get("financial_year"), context.file_name)
        context.options["financial_year"] = f"{self.year}-{(self.year + 1) % 100:02d}"
        self.columns = {"code": self.name_of(self.i_code), "commissioner": self.name_of(self.i_commissioner)}

    def extract_date(self, cells: list, row: RowProblems) -> datetime.date | None:
        """Averages describe the year: dated its first day. A last known figure is dated by its quarter."""
        if self.averages or self.i_quarter is None:
            return datetime.date(self.year, 4, 1)
        quarter = cells[self.i_quarter].strip().upper()
        if quarter not in QUARTER_DATES:
            row.add(self.name_of(self.i_quarter), f"'{quarter}' is not a quarter (Q1 to Q4).")
            return None
        years, month = QUARTER_DATES[quarter]
        return datetime.date(self.year + years, month, 1)

    def rows(self, records: Iterable[Record], tally: Tally) -> Iterator[ListSizeRow]:
        area, name_of = self.context.area, self.name_of
        for record in records:
            if not self.fits(record, tally):
                continue
            cells = record.cells
            commissioner = normalise_ods_code(cells[self.i_commissioner])
            if commissioner not in area:
                if COMMISSIONER_CODE_RE.match(commissioner):
                    tally.skip(OUTSIDE_AREA)
                else:
                    tally.reject_row(
                        Problem(record.line, name_of(self.i_commissioner), _bad_commissioner(commissioner))
                    )
                continue
            registered_text = cells[self.i_registered].strip()
            quarter = cells[self.i_quarter].strip().upper() if self.i_quarter is not None else ""
            if registered_text.upper() in NONE_WORDS or quarter == "NO KNOWN PATIENTS":
                tally.skip(NO_PATIENTS)
                continue
            row = RowProblems(record.line)
            code = row.get(parse_practice_code, cells[self.i_code], name_of(self.i_code))
            registered = row.get(parse_patients, registered_text, name_of(self.i_registered), fractional=True)
            weighted_text = cells[self.i_weighted].strip()
            weighted = None
            if weighted_text.upper() not in NONE_WORDS:
                weighted = row.get(parse_weighted, weighted_text, name_of(self.i_weighted))
            if registered == 0 and not row.problems:
                tally.skip(NO_PATIENTS)
                continue
            extract_date = self.extract_date(cells, row)
            if extract_date and extract_date > self.context.today:
                row.add("", f"the figures' date {extract_date:%d %B %Y} is in the future: check the financial year.")
            postcode = self._optional(row, parse_postcode, cells, self.i_postcode)
            opened_on = self._optional(row, parse_date, cells, self.i_opened, required=False)
            closed_on = self._optional(row, parse_date, cells, self.i_closed, required=False)
            if opened_on and closed_on and closed_on < opened_on:
                row.add(name_of(self.i_closed), "the practice cannot close before it opened.")
            if row.reported(tally):
                continue
            name = cells[self.i_name].strip()[:200] if self.i_name is not None else ""
            yield ListSizeRow(
                record.line,
                code,
                commissioner,
                extract_date,
                registered,
                weighted,
                postcode=postcode or "",
                name=name,
                opened_on=opened_on,
                closed_on=closed_on,
            )

    def _optional(self, row: RowProblems, parse, cells: list, index: int | None, **kwargs):
        if index is None:
            return None
        return row.get(parse, cells[index], self.name_of(index), **kwargs)

    def writer(self, tally: Tally):
        from ..write_list_sizes import list_size_writer

        return list_size_writer(self.context, tally, self.source_kind, self.columns)
