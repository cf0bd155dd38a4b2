"""The ODS practice register, epraccur.csv: no header, 27 fields per row (epraccur_spec.txt).

Older files write the status as A/C/D/P and field 26 as the prescribing setting (4 = GP practice);
newer ones write ACTIVE/INACTIVE/DORMANT/PROPOSED and an ODS role code (RO76 = GP practice).
"""

import datetime
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from ...models import ImportFormat, PracticeStatus
from ...validators import COMMISSIONER_CODE_RE, normalise_ods_code
from ..fields import parse_date, parse_postcode, parse_practice_code
from ..outcome import Problem, Tally
from ..reading import Record
from .base import Format, RowProblems
from .nhs_digital import OUTSIDE_AREA, _bad_commissioner

WIDTH = 27
GP_PRACTICE_SETTINGS = {"4", "RO76"}
STATUSES = {
    "A": PracticeStatus.ACTIVE,
    "ACTIVE": PracticeStatus.ACTIVE,
    "C": PracticeStatus.CLOSED,
    "INACTIVE": PracticeStatus.CLOSED,
    "CLOSED": PracticeStatus.CLOSED,
    "D": PracticeStatus.DORMANT,
    "DORMANT": PracticeStatus.DORMANT,
    "P": PracticeStatus.PROPOSED,
    "PROPOSED": PracticeStatus.PROPOSED,
}
NOT_A_PRACTICE = "not a GP practice (field 26 is not 4 or RO76)"
# Field numbers as the specification counts them (1-based), and what to call them in messages.
CODE, NAME, POSTCODE, OPENED, CLOSED, STATUS, COMMISSIONER, JOINED, LEFT, SETTING = 1, 2, 10, 11, 12, 13, 15, 16, 17, 26
FIELD_NAMES = {
    CODE: "field 1 (organisation code)",
    NAME: "field 2 (name)",
    POSTCODE: "field 10 (postcode)",
    OPENED: "field 11 (open date)",
    CLOSED: "field 12 (close date)",
    STATUS: "field 13 (status)",
    COMMISSIONER: "field 15 (commissioner)",
    JOINED: "field 16 (joined commissioner)",
    LEFT: "field 17 (left commissioner)",
    SETTING: "field 26 (prescribing setting)",
}
ODS_LIKE = re.compile(r"^[A-Z0-9]{3,8}$")
REGISTER_DATE = re.compile(r"^\d{8}$")


@dataclass(slots=True)
class RegisterRow:
    line: int
    code: str
    name: str
    postcode: str
    opened_on: datetime.date
    closed_on: datetime.date | None
    status: str
    commissioner: str
    joined_on: datetime.date | None
    left_on: datetime.date | None


class Epraccur(Format):
    format = ImportFormat.EPRACCUR
    label = "an ODS practice register (epraccur.csv)"
    has_header = False

    @classmethod
    def recognises_first_row(cls, cells: list) -> bool:
        return (
            20 <= len(cells) <= 30
            and bool(ODS_LIKE.match(str(cells[0]).strip().upper()))
            and bool(REGISTER_DATE.match(str(cells[10]).strip()))
        )

    def __init__(self, header: Record | None, context):
        super().__init__(None, context)
        self.width = WIDTH
        self.columns = {"code": FIELD_NAMES[CODE], "commissioner": FIELD_NAMES[COMMISSIONER]}

    def rows(self, records: Iterable[Record], tally: Tally) -> Iterator[RegisterRow]:
        area = self.context.area
        for record in records:
            if not self.fits(record, tally):
                continue
            cells = [str(cell).strip() for cell in record.cells]

            def cell(number: int, cells=cells) -> str:
                return cells[number - 1]

            if cell(SETTING).upper() not in GP_PRACTICE_SETTINGS:
                tally.skip(NOT_A_PRACTICE)
                continue
            commissioner = normalise_ods_code(cell(COMMISSIONER))
            if commissioner not in area:
                if COMMISSIONER_CODE_RE.match(commissioner):
                    tally.skip(OUTSIDE_AREA)
                else:
                    tally.reject_row(Problem(record.line, FIELD_NAMES[COMMISSIONER], _bad_commissioner(commissioner)))
                continue
            row = RowProblems(record.line)
            code = row.get(parse_practice_code, cell(CODE), FIELD_NAMES[CODE])
            name = cell(NAME)
            if not name:
                row.add(FIELD_NAMES[NAME], "the practice's name is missing.")
            postcode = row.get(parse_postcode, cell(POSTCODE), FIELD_NAMES[POSTCODE])
            opened_on = row.get(parse_date, cell(OPENED), FIELD_NAMES[OPENED])
            closed_on = row.get(parse_date, cell(CLOSED), FIELD_NAMES[CLOSED], required=False)
            joined_on = row.get(parse_date, cell(JOINED), FIELD_NAMES[JOINED], required=False)
            left_on = row.get(parse_date, cell(LEFT), FIELD_NAMES[LEFT], required=False)
            status = STATUSES.get(cell(STATUS).upper())
            if status is None:
                row.add(FIELD_NAMES[STATUS], f"'{cell(STATUS)}' is not a status (A, C, D, P or ACTIVE, INACTIVE, ...).")
            if opened_on and closed_on and closed_on < opened_on:
                row.add(FIELD_NAMES[CLOSED], "the practice cannot close before it opened.")
            if joined_on and left_on and left_on < joined_on:
                row.add(FIELD_NAMES[LEFT], "the practice cannot leave its commissioner before it joined.")
            if row.reported(tally):
                continue
            yield RegisterRow(
                record.line, code, name[:200], postcode, opened_on, closed_on, status, commissioner, joined_on, left_on
            )

    def writer(self, tally: Tally):
        from ..write_register import RegisterWriter

        return RegisterWriter(self.context, tally, self.columns)
