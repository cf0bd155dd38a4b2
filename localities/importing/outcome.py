"""What an import found: per-row problems, skip reasons and the counts, and the refusal of a whole file."""

from collections import Counter
from dataclasses import dataclass, field

# Enough for anyone to see what is wrong; a file of a million bad rows still counts them all.
MAX_PROBLEMS_KEPT = 1000
MAX_CODES_KEPT = 1000
# The preview lists the first rows the import would add, change or leave, with each changed field.
MAX_CHANGES_KEPT = 200


@dataclass(frozen=True, slots=True)
class Problem:
    """Why one row (its line number in the file) cannot be imported, in plain English."""

    line: int | None
    column: str
    reason: str

    def __str__(self) -> str:
        where = f"line {self.line}" if self.line else "the file"
        return f"{where}, {self.column}: {self.reason}" if self.column else f"{where}: {self.reason}"

    def as_dict(self) -> dict:
        return {"line": self.line, "column": self.column, "reason": self.reason}


class ImportRejected(Exception):
    """The whole file is refused before any row is considered (too big, not text, not a known format...)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class RowInvalid(Exception):
    """One field of one row is wrong; parsers turn it into a Problem."""

    def __init__(self, column: str, reason: str):
        super().__init__(reason)
        self.column = column
        self.reason = reason


@dataclass
class Tally:
    """The running counts of one import; every row read ends up in exactly one of the five counts."""

    new: int = 0
    changed: int = 0
    unchanged: int = 0
    skipped: int = 0
    invalid: int = 0
    patients: int = 0
    skip_reasons: Counter = field(default_factory=Counter)
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    practices_created: list[str] = field(default_factory=list)
    practices_created_count: int = 0
    changes: list[dict] = field(default_factory=list)

    def change(self, code: str, name: str, kind: str, fields: list | None = None) -> None:
        """Keep (up to a limit) one row of the preview: its practice, "new", "changed" or "unchanged", and for a
        changed row each field as [label, old, new]."""
        if len(self.changes) < MAX_CHANGES_KEPT:
            self.changes.append({"code": code, "name": name or "", "kind": kind, "fields": fields or []})

    @property
    def rows(self) -> int:
        return self.new + self.changed + self.unchanged + self.skipped + self.invalid

    def skip(self, reason: str, count: int = 1) -> None:
        self.skipped += count
        self.skip_reasons[reason] += count

    def reject_row(self, *problems: Problem) -> None:
        """Count one invalid row, keeping (up to a limit) the reasons."""
        self.invalid += 1
        room = MAX_PROBLEMS_KEPT - len(self.problems)
        if room > 0:
            self.problems.extend(problems[:room])

    def practice_created(self, code: str) -> None:
        self.practices_created_count += 1
        if len(self.practices_created) < MAX_CODES_KEPT:
            self.practices_created.append(code)

    def sorted_problems(self) -> list[Problem]:
        return sorted(self.problems, key=lambda p: (p.line or 0, p.column))
