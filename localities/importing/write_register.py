"""Writing the ODS register: practices' names, postcodes, dates and status, and which commissioner they
belong to from when (ending the previous link the day before a new one starts), with history."""

import datetime
from collections import defaultdict

from django.db import IntegrityError, transaction
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from ..models import Practice, PracticeCommissioner
from ..periods import is_period_clash, overlap, period_words
from .context import ImportContext
from .formats.epraccur import RegisterRow
from .outcome import Problem, Tally

PRACTICE_FIELDS = ["name", "postcode", "opened_on", "closed_on", "status"]
LINK_FIELDS = ["commissioner", "valid_from", "valid_to"]
ONE_DAY = datetime.timedelta(days=1)
RACE = (
    "a practice's commissioner link saved in the portal while this file was imported clashes with it, so "
    "nothing was written: import the file again to see which lines."
)


class LinkConflict(Exception):
    pass


def _shown(field: str | None, value) -> str:
    """A value as the preview shows it: dates in words, choices by their label, nothing as blank."""
    if value is None or value == "":
        return ""
    if isinstance(value, datetime.date):
        return f"{value.day} {value:%B %Y}"
    choices = dict(Practice._meta.get_field(field).flatchoices)
    return str(choices.get(value, value))


def _commissioners(links: list, codes: dict) -> str:
    """The practice's commissioner links as the preview shows them, latest last."""
    return ", ".join(
        f"{codes.get(link.commissioner_id) or link.commissioner.code} from {_shown(None, link.valid_from)}"
        + (f" to {_shown(None, link.valid_to)}" if link.valid_to else "")
        for link in links
    )


class RegisterWriter:
    def __init__(self, context: ImportContext, tally: Tally, columns: dict):
        self.context, self.tally, self.columns = context, tally, columns
        self.rows: list[RegisterRow] = []
        self.first_line: dict[str, int] = {}

    def add(self, row: RegisterRow) -> None:
        first = self.first_line.setdefault(row.code, row.line)
        if first != row.line:
            reason = f"practice {row.code} appears more than once (first on line {first})."
            self.tally.reject_row(Problem(row.line, self.columns["code"], reason))
        elif row.commissioner not in self.context.commissioner_ids:
            reason = (
                f"the commissioner {row.commissioner} is in the portal's area but has not been added to the portal: "
                "add it in the admin (Commissioners) first."
            )
            self.tally.reject_row(Problem(row.line, self.columns["commissioner"], reason))
        else:
            self.rows.append(row)

    def finish(self) -> None:
        practices = {p.code: p for p in Practice.objects.filter(code__in=[row.code for row in self.rows])}
        links = defaultdict(list)
        for link in (
            PracticeCommissioner.objects.filter(practice__in=practices.values())
            .select_related("commissioner")
            .order_by("valid_from")
        ):
            links[link.practice_id].append(link)
        new_rows, changed_practices, changed_links, new_links = [], [], [], []
        codes = {pk: code for code, pk in self.context.commissioner_ids.items()}
        for row in self.rows:
            practice = practices.get(row.code)
            if practice is None:
                new_rows.append(row)
                self.tally.change(row.code, row.name, "new")
                continue
            before = _commissioners(links[practice.pk], codes)  # _plan_link may end a link in place
            try:
                link_changes, link_new = self._plan_link(row, links[practice.pk])
            except LinkConflict as conflict:
                self.tally.reject_row(Problem(row.line, self.columns["commissioner"], str(conflict)))
                continue
            name = practice.name  # as the portal holds it: the preview shows a new name as a change
            fields_changed = self._update_fields(practice, row)
            if fields_changed:
                changed_practices.append(practice)
            changed_links.extend(link_changes)
            if link_new:
                link_new.practice_id = practice.pk
                new_links.append(link_new)
            if fields_changed or link_changes or link_new:
                self.tally.changed += 1
                fields = list(fields_changed)
                if link_changes or link_new:
                    after = _commissioners(links[practice.pk] + ([link_new] if link_new else []), codes)
                    fields.append(["commissioner", before, after])
                self.tally.change(row.code, name, "changed", fields)
            else:
                self.tally.unchanged += 1
                self.tally.change(row.code, name, "unchanged")
        try:
            with transaction.atomic():
                self._write(new_rows, changed_practices, changed_links, new_links)
        except IntegrityError as error:
            if not is_period_clash(error):
                raise
            self.tally.reject_row(Problem(None, "", RACE))

    def _write(self, new_rows, changed_practices, changed_links, new_links) -> None:
        history = self.context.history
        created = bulk_create_with_history([self._new_practice(row) for row in new_rows], Practice, **history)
        for practice, row in zip(created, new_rows, strict=True):
            self.tally.new += 1
            self.tally.practice_created(practice.code)
            new_links.append(self._link(row, practice_id=practice.pk))
        if changed_practices:
            bulk_update_with_history(changed_practices, Practice, PRACTICE_FIELDS, **history)
        if changed_links:
            bulk_update_with_history(changed_links, PracticeCommissioner, LINK_FIELDS, **history)
        bulk_create_with_history(new_links, PracticeCommissioner, **history)

    def _new_practice(self, row: RegisterRow) -> Practice:
        return Practice(code=row.code, **{field: getattr(row, field) for field in PRACTICE_FIELDS})

    @staticmethod
    def _update_fields(practice: Practice, row: RegisterRow) -> list:
        """Set the register's values on the practice; each field that differed as [label, old, new]."""
        changed = []
        for field in PRACTICE_FIELDS:
            old, new = getattr(practice, field), getattr(row, field)
            if old != new:
                label = Practice._meta.get_field(field).verbose_name
                changed.append([str(label), _shown(field, old), _shown(field, new)])
                setattr(practice, field, new)
        return changed

    def _link(self, row: RegisterRow, practice_id: int | None = None) -> PracticeCommissioner:
        valid_from, valid_to = self._period(row)
        return PracticeCommissioner(
            practice_id=practice_id,
            commissioner_id=self.context.commissioner_ids[row.commissioner],
            valid_from=valid_from,
            valid_to=valid_to,
        )

    @staticmethod
    def _period(row: RegisterRow) -> tuple[datetime.date, datetime.date | None]:
        valid_from = row.joined_on or row.opened_on
        valid_to = row.left_on or row.closed_on
        if valid_to and valid_to < valid_from:
            valid_to = valid_from
        return valid_from, valid_to

    def _plan_link(self, row: RegisterRow, links: list[PracticeCommissioner]):
        """The links to change and the link to add so the practice belongs to the row's commissioner
        from the date the register gives (field 16, or the open date), ending the previous link."""
        commissioner_id = self.context.commissioner_ids[row.commissioner]
        valid_from, valid_to = self._period(row)
        same_start = next((link for link in links if link.valid_from == valid_from), None)
        if same_start:
            if (same_start.commissioner_id, same_start.valid_to) == (commissioner_id, valid_to):
                return [], None
            clash = next(
                (
                    link
                    for link in links
                    if link is not same_start and overlap(link.valid_from, link.valid_to, valid_from, valid_to)
                ),
                None,
            )
            if clash is not None:
                raise LinkConflict(
                    f"the register says the practice belongs to {row.commissioner} "
                    f"{period_words(valid_from, valid_to)}, which overlaps the portal's link to "
                    f"{clash.commissioner.code} {period_words(clash.valid_from, clash.valid_to)}: a practice belongs "
                    "to one commissioner at a time, so correct its commissioner links in the admin first."
                )
            same_start.commissioner_id, same_start.valid_to = commissioner_id, valid_to
            return [same_start], None
        if not links:
            return [], self._link(row)
        latest = links[-1]
        if latest.valid_from < valid_from:
            if latest.commissioner_id == commissioner_id:
                if latest.valid_to == valid_to:
                    return [], None
                latest.valid_to = valid_to
                return [latest], None
            if latest.valid_to is None or latest.valid_to >= valid_from:
                latest.valid_to = valid_from - ONE_DAY
                return [latest], self._link(row)
            return [], self._link(row)
        # The register's start is earlier than the portal's latest link (often one a list-size import
        # started at its extract date): extend that link back if it is the same commissioner.
        earlier = links[-2] if len(links) > 1 else None
        if latest.commissioner_id == commissioner_id and (
            earlier is None or (earlier.valid_to is not None and earlier.valid_to < valid_from)
        ):
            latest.valid_from, latest.valid_to = valid_from, valid_to
            return [latest], None
        raise LinkConflict(
            f"the register says the practice joined {row.commissioner} on {valid_from:%d/%m/%Y}, which overlaps "
            f"the portal's link to another commissioner from {latest.valid_from:%d/%m/%Y}: correct the practice's "
            "commissioner links in the admin first."
        )
