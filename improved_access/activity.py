"""The quarterly activity return: a CSV of appointment slots read all-or-nothing, and utilisation from it.

The format is in improved_access/ACTIVITY_FORMAT.md. The file is checked the way the practice-data
import checks its files (size, kind of bytes, encoding: localities.importing.reading) and every row's
problems are reported with its line number; one bad row and nothing is written.
"""

import datetime
import re
from dataclasses import dataclass, field
from typing import BinaryIO

from django.db import transaction
from django.utils import timezone

from localities.importing.fields import parse_date
from localities.importing.outcome import ImportRejected, Problem, RowInvalid
from localities.importing.reading import open_source
from localities.models import Locality

from .models import ActivityReturn, Appointment, Session
from .quarters import Quarter

COLUMNS = ["date", "site", "slot_start", "minutes", "booked", "attended", "did_not_attend"]
MAX_PROBLEMS = 1000
TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)(?::00)?$")


class ActivityRejected(Exception):
    """Nothing was imported: the file, or these line-numbered rows, are wrong."""

    def __init__(self, reason: str, problems: list[Problem] | None = None):
        super().__init__(reason)
        self.reason = reason
        self.problems = problems or []

    def lines(self) -> list[str]:
        return [self.reason] + [str(p) for p in self.problems]


def _count(value, column: str) -> int:
    text = str(value).strip().replace(",", "")
    if text == "":
        raise RowInvalid(column, "the number is missing.")
    if text.startswith("-") and text[1:].isdigit():
        raise RowInvalid(column, f"{text} is negative: a count cannot be below 0.")
    if not text.isdigit():
        raise RowInvalid(column, f"'{text}' is not a whole number.")
    return int(text)


def _time(value, column: str) -> datetime.time:
    text = str(value).strip()
    match = TIME.match(text)
    if not match:
        raise RowInvalid(column, f"'{text}' is not a time of day as HH:MM (for example 18:30).")
    return datetime.time(int(match[1]), int(match[2]))


def parse_row(cells: dict, quarter: Quarter, sites: dict[str, str]) -> tuple[Appointment | None, list[Problem]]:
    """One row as an unsaved Appointment, or its problems (line numbers are added by the caller)."""
    values, problems = {}, []
    parsers = {
        "date": lambda v, c: parse_date(v, c),
        "site": lambda v, c: str(v).strip(),
        "slot_start": _time,
        "minutes": _count,
        "booked": _count,
        "attended": _count,
        "did_not_attend": _count,
    }
    for column, parse in parsers.items():
        try:
            values[column] = parse(cells.get(column, ""), column)
        except RowInvalid as error:
            problems.append(Problem(None, error.column, error.reason))
    if "date" in values and not quarter.contains(values["date"]):
        problems.append(Problem(None, "date", f"{values['date']:%d/%m/%Y} is outside {quarter} ({quarter.label})."))
    if "site" in values:
        if not values["site"]:
            problems.append(Problem(None, "site", "the site is missing."))
        elif values["site"].casefold() not in sites:
            problems.append(
                Problem(None, "site", f"'{values['site']}' is not a site in the locality's Improved Access timetable.")
            )
        else:
            values["site"] = sites[values["site"].casefold()]
    if values.get("minutes") == 0:
        problems.append(Problem(None, "minutes", "a slot lasts at least 1 minute."))
    if {"booked", "attended", "did_not_attend"} <= values.keys():
        if values["attended"] > values["booked"]:
            problems.append(
                Problem(None, "attended", f"{values['attended']} attended is more than the {values['booked']} booked.")
            )
        elif values["attended"] + values["did_not_attend"] > values["booked"]:
            problems.append(
                Problem(
                    None,
                    "did_not_attend",
                    f"{values['attended']} attended and {values['did_not_attend']} did not attend "
                    f"is more than the {values['booked']} booked.",
                )
            )
    if problems:
        return None, problems
    return Appointment(**values), []


def read_activity(stream: BinaryIO, quarter: Quarter, sites: dict[str, str]) -> list[Appointment]:
    """Every row of the file as an unsaved Appointment, or ActivityRejected with all the reasons."""
    try:
        source = open_source(stream)
        if source.kind != "csv":
            raise ImportRejected("The activity return must be a CSV file (see the format).")
        records = source.records()
        header = next(records, None)
        if header is None:
            raise ImportRejected("The file has no header row.")
        names = [str(cell).strip().lower().replace(" ", "_") for cell in header.cells]
        missing = [c for c in COLUMNS if c not in names]
        if missing:
            raise ImportRejected(f"The header has no {', '.join(missing)} column (it needs {', '.join(COLUMNS)}).")
        appointments, problems = [], []
        for record in records:
            cells = dict(zip(names, record.cells, strict=False))
            appointment, found = parse_row(cells, quarter, sites)
            if found:
                room = MAX_PROBLEMS - len(problems)
                problems += [Problem(record.line, p.column, p.reason) for p in found][: max(room, 0)]
            else:
                appointments.append(appointment)
    except ImportRejected as error:
        raise ActivityRejected(error.reason) from None
    finally:
        # Finish the reader while the caller's stream is still open.
        if "records" in locals():
            records.close()
    if problems:
        raise ActivityRejected(f"Nothing was imported: {len(problems)} problem(s) in the rows.", problems)
    if not appointments:
        raise ActivityRejected("The file has a header but no rows of activity.")
    return appointments


def locality_sites(locality: Locality) -> dict[str, str]:
    names = Session.objects.filter(plan__locality=locality).values_list("site", flat=True).distinct()
    return {name.casefold(): name for name in names}


def activity_import(
    locality: Locality, quarter: Quarter, stream: BinaryIO, *, actor, file_name: str = ""
) -> ActivityReturn:
    """Replace the locality's activity for the quarter with the file's, or raise ActivityRejected (nothing written)."""
    appointments = read_activity(stream, quarter, locality_sites(locality))
    now = timezone.now()
    with transaction.atomic():
        for previous in ActivityReturn.objects.select_for_update().filter(
            locality=locality, quarter=str(quarter), superseded=False
        ):
            previous.superseded = True
            previous._history_user = actor
            previous._change_reason = "Replaced by a new return"
            previous.save()
        activity_return = ActivityReturn(
            locality=locality,
            quarter=str(quarter),
            file_name=file_name[:200],
            uploaded_by=actor,
            uploaded_at=now,
            rows=len(appointments),
        )
        activity_return._history_user = actor
        activity_return.save()
        for appointment in appointments:
            appointment.activity_return = activity_return
        Appointment.objects.bulk_create(appointments, batch_size=1000)
    return activity_return


@dataclass
class Utilisation:
    label: str
    slots: int = 0
    booked: int = 0
    attended: int = 0
    did_not_attend: int = 0
    minutes: int = 0
    extras: dict = field(default_factory=dict)

    def add(self, appointment: Appointment) -> None:
        self.slots += 1
        self.booked += appointment.booked
        self.attended += appointment.attended
        self.did_not_attend += appointment.did_not_attend
        self.minutes += appointment.minutes

    @property
    def percent(self) -> int:
        """Booked appointments per slot offered, as a whole percentage (capped at 100 for the chart)."""
        return min(100, self.booked * 100 // self.slots) if self.slots else 0

    @property
    def attendance_percent(self) -> int:
        return self.attended * 100 // self.booked if self.booked else 0


def utilisation(locality: Locality, quarter: Quarter) -> tuple[Utilisation, list[Utilisation]]:
    """The quarter's utilisation overall and per timetable session (site, weekday, slot within its times)."""
    rows = list(
        Appointment.objects.filter(
            activity_return__locality=locality, activity_return__quarter=str(quarter), activity_return__superseded=False
        )
    )
    sessions = list(
        Session.objects.filter(plan__locality=locality).order_by("day", "starts_at", "site").select_related("plan")
    )
    total = Utilisation(str(quarter))
    per_session = {s.pk: Utilisation(str(s)) for s in sessions}
    unmatched = Utilisation("Outside the timetable")
    for row in rows:
        total.add(row)
        match = next(
            (
                s
                for s in sessions
                if s.site == row.site
                and s.day == row.date.weekday()
                and s.starts_at <= row.slot_start < s.ends_at
                and s.holds_on(row.date)
            ),
            None,
        )
        (per_session[match.pk] if match else unmatched).add(row)
    found = [u for u in per_session.values() if u.slots]
    if unmatched.slots:
        found.append(unmatched)
    return total, found
