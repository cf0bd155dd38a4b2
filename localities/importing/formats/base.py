"""What the four formats share: finding columns by name, checking a row's width, collecting a row's problems."""

import re
from collections.abc import Callable, Iterable, Iterator

from ...models import ImportFormat
from ..context import ImportContext
from ..outcome import ImportRejected, Problem, RowInvalid, Tally
from ..reading import Record


def normalise_header(cell) -> str:
    """'CCG_CODE', 'CCG Code' and ' ccg code ' all become 'CCG CODE'; pound signs and BOMs go."""
    text = str(cell).replace("\ufeff", "").replace("(£)", "").replace("£", "")
    return re.sub(r"[\s_\-]+", " ", text).strip().upper()


class Format:
    """One file format: recognises its header, and turns records into rows for its writer."""

    format: ImportFormat
    label: str
    has_header = True

    def __init__(self, header: Record | None, context: ImportContext):
        self.context = context
        self.headers = [normalise_header(cell) for cell in header.cells] if header else []
        self.original_headers = [str(cell).replace("\ufeff", "").strip() for cell in header.cells] if header else []
        self.width = len(self.headers)

    def column(self, *names: str, prefix: bool = False, required: bool = True, shown: str = "") -> int | None:
        """The index of the first column matching one of `names` (or starting with one, with prefix=True)."""
        for name in names:
            for index, header in enumerate(self.headers):
                if header == name or (prefix and header.startswith(name)):
                    return index
        if required:
            raise ImportRejected(
                f"The file looks like {self.label} but has no {shown or names[0]} column. "
                f"The columns it has are: {', '.join(self.original_headers)}."
            )
        return None

    def name_of(self, index: int) -> str:
        return self.original_headers[index] if index < len(self.original_headers) else f"column {index + 1}"

    def fits(self, record: Record, tally: Tally, width: int | None = None) -> bool:
        """Whether the row has as many cells as the header; if not, count it invalid with the reason."""
        width = width or self.width
        cells = record.cells
        if len(cells) == width:
            return True
        if len(cells) > width and not any(str(cell).strip() for cell in cells[width:]):
            del cells[width:]  # spreadsheets add empty trailing cells: harmless
            return True
        if record.last and len(cells) < width:
            reason = (
                f"the last line stops after {len(cells)} of {width} columns: the file looks cut short. "
                "Download it again."
            )
        else:
            reason = f"the line has {len(cells)} columns where {width} were expected."
        tally.reject_row(Problem(record.line, "", reason))
        return False

    def rows(self, records: Iterable[Record], tally: Tally) -> Iterator:
        raise NotImplementedError

    def writer(self, tally: Tally):
        raise NotImplementedError


class RowProblems:
    """Parse a row's cells one by one, keeping every problem rather than stopping at the first."""

    __slots__ = ("line", "problems")

    def __init__(self, line: int):
        self.line = line
        self.problems: list[Problem] = []

    def get(self, parse: Callable, *args, **kwargs):
        try:
            return parse(*args, **kwargs)
        except RowInvalid as invalid:
            self.problems.append(Problem(self.line, invalid.column, invalid.reason))
            return None

    def add(self, column: str, reason: str) -> None:
        self.problems.append(Problem(self.line, column, reason))

    def reported(self, tally: Tally) -> bool:
        """Count the row invalid if it had problems; True if it did."""
        if self.problems:
            tally.reject_row(*self.problems)
            return True
        return False
