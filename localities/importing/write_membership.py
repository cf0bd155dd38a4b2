"""Writing the membership template: each row is a practice's membership of a locality from a start date;
a row for a (practice, start) the portal holds updates it. Periods of one practice may not overlap."""

import datetime
from collections import defaultdict

from django.db import IntegrityError, transaction
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from ..models import Locality, LocalityMembership, Practice, SubLocality
from ..periods import Period, clashes, is_period_clash, membership_clash
from .context import ImportContext
from .formats.base import RowProblems
from .formats.membership import MembershipRow
from .outcome import Problem, Tally

FIELDS = ["locality_id", "sub_locality_id", "valid_to", "opted_out_on", "opt_out_reason"]
RACE = (
    "a membership saved in the portal while this file was imported clashes with it, so nothing was written: "
    "import the file again to see which lines."
)


FIELD_LABELS = {
    "locality_id": "locality",
    "sub_locality_id": "sub-locality",
    "valid_to": "last day",
    "opted_out_on": "opted out on",
    "opt_out_reason": "opt-out reason",
}


def _shown(field: str, value, shown: dict) -> str:
    """A membership's value as the preview shows it: localities by name, dates in words, nothing as blank."""
    if value is None or value == "":
        return ""
    if field == "locality_id":
        return shown.get(value, str(value))
    if field == "sub_locality_id":
        return shown.get(("sub", value), str(value))
    if isinstance(value, datetime.date):
        return f"{value.day} {value:%B %Y}"
    return str(value)


class MembershipWriter:
    def __init__(self, context: ImportContext, tally: Tally):
        self.context, self.tally = context, tally
        self.rows: list[MembershipRow] = []
        self.first_line: dict[tuple, int] = {}

    def add(self, row: MembershipRow) -> None:
        first = self.first_line.setdefault((row.practice_code, row.valid_from), row.line)
        if first != row.line:
            reason = (
                f"practice {row.practice_code} has two rows starting {row.valid_from:%d/%m/%Y} (first on line {first})."
            )
            self.tally.reject_row(Problem(row.line, "valid_from", reason))
        else:
            self.rows.append(row)

    def finish(self) -> None:
        problems, to_create, to_update, counts = self._plan()
        if not problems:
            try:
                with transaction.atomic():
                    self._write(to_create, to_update)
            except IntegrityError as error:
                if not is_period_clash(error):
                    raise
                # Someone saved a membership of the same practice since the file was checked: check it again,
                # against the portal as it is now, so each clashing line is named.
                problems, to_create, to_update, counts = self._plan()
                if not problems:
                    problems = [[Problem(None, "", RACE)]]
        if problems:
            for row_problems in problems:
                self.tally.reject_row(*row_problems)
            return
        self.tally.new += counts["new"]
        self.tally.changed += counts["changed"]
        self.tally.unchanged += counts["unchanged"]
        for change in counts["rows"]:
            self.tally.change(*change)

    def _plan(self):
        """Each invalid row's problems, the memberships to create and to change, and the counts; writes nothing."""
        problems: list[list[Problem]] = []
        practices = dict(
            Practice.objects.filter(code__in={r.practice_code for r in self.rows}).values_list("code", "pk")
        )
        names = dict(Practice.objects.filter(pk__in=practices.values()).values_list("pk", "name"))
        localities = {locality.code.lower(): locality for locality in Locality.objects.all()}
        sub_localities = {(sub.locality_id, sub.name.lower()): sub for sub in SubLocality.objects.all()}
        existing = {
            (membership.practice_id, membership.valid_from): membership
            for membership in LocalityMembership.objects.filter(practice_id__in=practices.values()).select_related(
                "locality"
            )
        }
        planned = []
        for row in self.rows:
            check = RowProblems(row.line)
            practice_id = practices.get(row.practice_code)
            if practice_id is None:
                check.add(
                    "practice_code",
                    f"practice {row.practice_code} is not in the portal: import the ODS register "
                    "or a list-size file that names it first.",
                )
            locality = localities.get(row.locality_code.lower())
            if locality is None:
                check.add("locality_code", f"there is no locality with the code '{row.locality_code}' in the portal.")
            sub_locality = None
            if locality and row.sub_locality:
                sub_locality = sub_localities.get((locality.pk, row.sub_locality.lower()))
                if sub_locality is None:
                    check.add("sub_locality", f"{locality} has no sub-locality called '{row.sub_locality}'.")
            if check.problems:
                problems.append(check.problems)
                continue
            values = {
                "locality_id": locality.pk,
                "sub_locality_id": sub_locality.pk if sub_locality else None,
                "valid_to": row.valid_to,
                "opted_out_on": row.opted_out_on,
                "opt_out_reason": row.opt_out_reason,
            }
            planned.append((row, practice_id, locality, values))
        overlapping = self._overlaps(planned, existing, names)
        to_create, to_update, counts = [], [], {"new": 0, "changed": 0, "unchanged": 0, "rows": []}
        shown = {locality.pk: str(locality) for locality in localities.values()}
        shown.update({("sub", sub.pk): sub.name for sub in sub_localities.values()})
        for row, practice_id, _locality, values in planned:
            if row.line in overlapping:
                problems.append([Problem(row.line, "valid_from", overlapping[row.line])])
                continue
            membership = existing.get((practice_id, row.valid_from))
            name = names.get(practice_id, "")
            if membership is None:
                to_create.append(LocalityMembership(practice_id=practice_id, valid_from=row.valid_from, **values))
                counts["new"] += 1
                fields = [[FIELD_LABELS[f], "", _shown(f, v, shown)] for f, v in values.items() if v not in (None, "")]
                counts["rows"].append((row.practice_code, name, "new", fields))
            elif any(getattr(membership, field) != value for field, value in values.items()):
                fields = [
                    [FIELD_LABELS[field], _shown(field, getattr(membership, field), shown), _shown(field, value, shown)]
                    for field, value in values.items()
                    if getattr(membership, field) != value
                ]
                for field, value in values.items():
                    setattr(membership, field, value)
                to_update.append(membership)
                counts["changed"] += 1
                counts["rows"].append((row.practice_code, name, "changed", fields))
            else:
                counts["unchanged"] += 1
                counts["rows"].append((row.practice_code, name, "unchanged", []))
        return problems, to_create, to_update, counts

    def _write(self, to_create: list, to_update: list) -> None:
        # Changes first: a membership the file ends must end before the one that follows it is added.
        if to_update:
            fields = [field.removesuffix("_id") for field in FIELDS]
            bulk_update_with_history(to_update, LocalityMembership, fields, **self.context.history)
        bulk_create_with_history(to_create, LocalityMembership, **self.context.history)

    @staticmethod
    def _overlaps(planned: list, existing: dict, names: dict) -> dict[int, str]:
        """The file's lines whose period would overlap another membership of the same practice, and why."""
        periods = defaultdict(dict)
        codes = {}
        for (practice_id, valid_from), membership in existing.items():
            periods[practice_id][valid_from] = Period(
                membership.pk, valid_from, membership.valid_to, str(membership.locality)
            )
        for row, practice_id, locality, values in planned:
            codes[practice_id] = row.practice_code
            saved = periods[practice_id].get(row.valid_from)
            periods[practice_id][row.valid_from] = Period(
                saved.pk if saved else None, row.valid_from, values["valid_to"], str(locality), key=row.line
            )
        reasons = {}
        for practice_id, by_start in periods.items():
            practice = f"{names.get(practice_id, codes.get(practice_id))} ({codes.get(practice_id)})"
            for earlier, later in clashes(by_start.values()):
                if earlier.key is None and later.key is None:
                    continue  # an overlap already in the portal is not this file's doing
                for mine, other in ((later, earlier), (earlier, later)):
                    if mine.key is not None and mine.key not in reasons:
                        reasons[mine.key] = membership_clash(practice, other)
        return reasons
