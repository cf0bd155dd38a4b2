"""Writing the membership template: each row is a practice's membership of a locality from a start date;
a row for a (practice, start) the portal holds updates it. Periods of one practice may not overlap."""

from collections import defaultdict
from dataclasses import dataclass

from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from ..models import Locality, LocalityMembership, Practice, SubLocality
from .context import ImportContext
from .formats.base import RowProblems
from .formats.membership import MembershipRow
from .outcome import Problem, Tally

FIELDS = ["locality_id", "sub_locality_id", "valid_to", "opted_out_on", "opt_out_reason"]


@dataclass
class Period:
    valid_from: object
    valid_to: object
    locality: str
    line: int | None  # the file's line, or None for a membership the file does not mention


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
        practices = dict(
            Practice.objects.filter(code__in={r.practice_code for r in self.rows}).values_list("code", "pk")
        )
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
            if check.reported(self.tally):
                continue
            values = {
                "locality_id": locality.pk,
                "sub_locality_id": sub_locality.pk if sub_locality else None,
                "valid_to": row.valid_to,
                "opted_out_on": row.opted_out_on,
                "opt_out_reason": row.opt_out_reason,
            }
            planned.append((row, practice_id, locality, values))
        overlapping = self._overlaps(planned, existing)
        to_create, to_update = [], []
        for row, practice_id, _locality, values in planned:
            if row.line in overlapping:
                self.tally.reject_row(Problem(row.line, "valid_from", overlapping[row.line]))
                continue
            membership = existing.get((practice_id, row.valid_from))
            if membership is None:
                to_create.append(LocalityMembership(practice_id=practice_id, valid_from=row.valid_from, **values))
                self.tally.new += 1
            elif any(getattr(membership, field) != value for field, value in values.items()):
                for field, value in values.items():
                    setattr(membership, field, value)
                to_update.append(membership)
                self.tally.changed += 1
            else:
                self.tally.unchanged += 1
        bulk_create_with_history(to_create, LocalityMembership, **self.context.history)
        if to_update:
            fields = [field.removesuffix("_id") for field in FIELDS]
            bulk_update_with_history(to_update, LocalityMembership, fields, **self.context.history)

    @staticmethod
    def _overlaps(planned: list, existing: dict) -> dict[int, str]:
        """The file's lines whose period would overlap another membership of the same practice, and why."""
        periods = defaultdict(dict)
        for (practice_id, valid_from), membership in existing.items():
            periods[practice_id][valid_from] = Period(valid_from, membership.valid_to, str(membership.locality), None)
        for row, practice_id, locality, values in planned:
            periods[practice_id][row.valid_from] = Period(row.valid_from, values["valid_to"], str(locality), row.line)
        reasons = {}
        for by_start in periods.values():
            ordered = [by_start[start] for start in sorted(by_start)]
            for before, after in zip(ordered, ordered[1:], strict=False):
                if before.valid_to is not None and before.valid_to < after.valid_from:
                    continue
                if after.line is None and before.line is None:
                    continue  # an overlap already in the portal is not this file's doing
                line, other = (after.line, before) if after.line is not None else (before.line, after)
                reasons[line] = (
                    f"this period overlaps the practice's membership of {other.locality} from "
                    f"{other.valid_from:%d/%m/%Y}: a practice is in one locality at a time."
                )
        return reasons
