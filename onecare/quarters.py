"""Financial-year quarters: 2018Q1 is April-June 2018, 2018Q4 is January-March 2019 (improved_access pays by them;
funding names them on remittance advice)."""

import datetime
import re
from dataclasses import dataclass

_PATTERN = re.compile(r"^(\d{4})Q([1-4])$")


@dataclass(frozen=True, order=True)
class Quarter:
    year: int  # the financial year's first calendar year: 2018 is 2018/19
    number: int  # 1-4

    @classmethod
    def parse(cls, text: str) -> "Quarter":
        match = _PATTERN.match((text or "").strip().upper())
        if not match:
            raise ValueError(f"A quarter looks like 2018Q1 (April-June 2018), not {text!r}.")
        return cls(int(match[1]), int(match[2]))

    @classmethod
    def of(cls, day: datetime.date) -> "Quarter":
        """The financial-year quarter a day falls in (January-March belong to the previous year's Q4)."""
        if day.month <= 3:
            return cls(day.year - 1, 4)
        return cls(day.year, (day.month - 4) // 3 + 1)

    @property
    def start(self) -> datetime.date:
        month = 3 * (self.number - 1) + 4
        return datetime.date(self.year + (month > 12), (month - 1) % 12 + 1, 1)

    @property
    def end(self) -> datetime.date:
        return self.next().start - datetime.timedelta(days=1)

    def next(self) -> "Quarter":
        return Quarter(self.year + 1, 1) if self.number == 4 else Quarter(self.year, self.number + 1)

    def previous(self) -> "Quarter":
        return Quarter(self.year - 1, 4) if self.number == 1 else Quarter(self.year, self.number - 1)

    def contains(self, day: datetime.date) -> bool:
        return self.start <= day <= self.end

    @property
    def label(self) -> str:
        return f"{self.start:%B} to {self.end:%B %Y}"

    def __str__(self) -> str:
        return f"{self.year}Q{self.number}"
