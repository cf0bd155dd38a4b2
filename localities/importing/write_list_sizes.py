"""Writing list sizes (NHS Digital and NHS Payments rows): the one writer of an import's list sizes, and of
the practices and commissioner links it creates, the same on every database.

Rows are checked as they arrive (a second row for the same practice and date, a commissioner in the area the
portal does not hold yet), then written in batches of BATCH_ROWS: a batch's practices and figures are looked
up in two queries, sorted into new, changed and unchanged, and written with simple_history's bulk helpers,
so each practice, link and list size created or changed has its history record, written by the library,
with the importing user, the import's change reason (`Import #N of FILE`) and the import's time.

A practice the portal does not know yet is created (code, postcode, name if the file has one) with a link
to the row's commissioner from the extract date of its first row; it is not in any locality until someone
puts it in one. A figure for a date and source the portal already holds is updated only if it differs.
Once a row is invalid nothing more is written (the import will be rolled back): the rest is only counted.

Memory stays bounded whatever the file's size: one batch of rows, and one small integer per practice and
date seen (to name the first line of a repeated row).
"""

from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from ..models import ListSizeSnapshot, Practice, PracticeCommissioner, PracticeStatus
from .context import ImportContext
from .formats.nhs_digital import ListSizeRow
from .outcome import MAX_CHANGES_KEPT, Problem, Tally

BATCH_ROWS = 2000
UPDATED_FIELDS = ["registered_patients", "weighted_patients", "source", "import_record"]


def list_size_writer(context: ImportContext, tally: Tally, source_kind: str, columns: dict) -> "ListSizeWriter":
    return ListSizeWriter(context, tally, source_kind, columns)


def not_in_area_problem(row: ListSizeRow, columns: dict) -> Problem:
    return Problem(
        row.line,
        columns["commissioner"],
        f"the commissioner {row.commissioner} is in the portal's area but has not been added to the portal: "
        "add it in the admin (Commissioners) first.",
    )


def duplicate_problem(line: int, code: str, first_line: int, columns: dict) -> Problem:
    return Problem(
        line, columns["code"], f"practice {code} appears more than once for this date (first on line {first_line})."
    )


def new_practice(row: ListSizeRow, today) -> Practice:
    closed = row.closed_on is not None and row.closed_on <= today
    return Practice(
        code=row.code,
        name=row.name or row.code,
        postcode=row.postcode,
        opened_on=row.opened_on,
        closed_on=row.closed_on,
        status=PracticeStatus.CLOSED if closed else PracticeStatus.ACTIVE,
    )


def link_period(row: ListSizeRow):
    """What a list-size row proves: the practice belonged to its commissioner at the extract date."""
    valid_to = row.closed_on if row.closed_on and row.closed_on >= row.extract_date else None
    return row.extract_date, valid_to


def list_size_fields(snapshot, row: ListSizeRow) -> list:
    """The preview's fields of one list size: [label, old, new] for each figure that is new or differs."""
    date = f"{row.extract_date.day} {row.extract_date:%B %Y}"
    old_registered = snapshot.registered_patients if snapshot else None
    old_weighted = snapshot.weighted_patients if snapshot else None
    fields = []
    if old_registered != row.registered:
        fields.append([f"registered patients at {date}", _figure(old_registered), _figure(row.registered)])
    if row.weighted is not None and old_weighted != row.weighted:
        fields.append([f"weighted patients at {date}", _figure(old_weighted), _figure(row.weighted)])
    return fields


def _figure(value) -> str:
    if value is None:
        return ""
    return f"{value:,}" if isinstance(value, int) else f"{value:,.3f}".rstrip("0").rstrip(".")


def row_key(code: str, extract_date) -> int | tuple:
    """One practice at one date, as one small integer when the code has its usual shape (a letter and five
    digits, which the parsers check): a million of them take a tenth of the memory of (code, date) pairs."""
    if len(code) == 6 and "A" <= code[0] <= "Z" and code[1:].isdigit():
        return ((ord(code[0]) - 65) * 100_000 + int(code[1:])) << 20 | extract_date.toordinal()
    return code, extract_date


class ListSizeWriter:
    def __init__(self, context: ImportContext, tally: Tally, source_kind: str, columns: dict):
        self.context, self.tally, self.source_kind, self.columns = context, tally, source_kind, columns
        # Every history record of the import carries the same time, as well as its user and reason.
        self.history = {**context.history, "default_date": timezone.now()}
        self.source = context.file_name[:200]
        self.first_line: dict[int | tuple, int] = {}
        self.pending: list[ListSizeRow] = []

    def add(self, row: ListSizeRow) -> None:
        first = self.first_line.setdefault(row_key(row.code, row.extract_date), row.line)
        if first != row.line:
            self.tally.reject_row(duplicate_problem(row.line, row.code, first, self.columns))
            return
        if row.commissioner not in self.context.commissioner_ids:
            self.tally.reject_row(not_in_area_problem(row, self.columns))
            return
        self.pending.append(row)
        if len(self.pending) >= BATCH_ROWS:
            self.flush()

    def finish(self) -> None:
        self.flush()

    def flush(self) -> None:
        batch, self.pending = self.pending, []
        if not batch:
            return
        # A file with an invalid row writes nothing (the import rolls back): the rest is only counted.
        writing = not self.tally.invalid
        practices = {
            code: (pk, name)
            for code, pk, name in Practice.objects.filter(code__in={row.code for row in batch}).values_list(
                "code", "pk", "name"
            )
        }
        known_ids = {pk for pk, _name in practices.values()}
        if writing:
            practices.update(self._create_practices(batch, practices))
        existing = self._existing(batch, practices, known_ids)
        to_create, to_update = [], []
        tally = self.tally
        for row in batch:
            practice_id, name = practices.get(row.code, (None, row.name))
            tally.patients += row.registered
            snapshot = existing.get((practice_id, row.extract_date))
            if snapshot is None:
                tally.new += 1
                if practice_id is not None:
                    to_create.append(self._snapshot(practice_id, row))
                if len(tally.changes) < MAX_CHANGES_KEPT:
                    tally.change(row.code, name, "new", list_size_fields(None, row))
            elif snapshot.registered_patients != row.registered or snapshot.weighted_patients != row.weighted:
                tally.changed += 1
                if len(tally.changes) < MAX_CHANGES_KEPT:
                    tally.change(row.code, name, "changed", list_size_fields(snapshot, row))
                snapshot.registered_patients, snapshot.weighted_patients = row.registered, row.weighted
                snapshot.source, snapshot.import_record_id = self.source, self.context.record.pk
                to_update.append(snapshot)
            else:
                tally.unchanged += 1
                if len(tally.changes) < MAX_CHANGES_KEPT:
                    tally.change(row.code, name, "unchanged")
        if writing and to_create:
            bulk_create_with_history(to_create, ListSizeSnapshot, batch_size=BATCH_ROWS, **self.history)
        if writing and to_update:
            bulk_update_with_history(to_update, ListSizeSnapshot, UPDATED_FIELDS, batch_size=BATCH_ROWS, **self.history)

    def _existing(self, batch: list[ListSizeRow], practices: dict, known_ids: set) -> dict:
        """The figures the portal holds for the batch's practices and dates (none for practices just created)."""
        wanted = {(practices[row.code][0], row.extract_date) for row in batch if row.code in practices}
        wanted = {key for key in wanted if key[0] in known_ids}
        if not wanted:
            return {}
        snapshots = ListSizeSnapshot.objects.filter(
            practice_id__in={key[0] for key in wanted},
            extract_date__in={key[1] for key in wanted},
            source_kind=self.source_kind,
        )
        return {(snapshot.practice_id, snapshot.extract_date): snapshot for snapshot in snapshots}

    def _snapshot(self, practice_id: int, row: ListSizeRow) -> ListSizeSnapshot:
        return ListSizeSnapshot(
            practice_id=practice_id,
            extract_date=row.extract_date,
            registered_patients=row.registered,
            weighted_patients=row.weighted,
            source_kind=self.source_kind,
            source=self.source,
            import_record_id=self.context.record.pk,
        )

    def _create_practices(self, batch: list[ListSizeRow], practices: dict) -> dict[str, tuple[int, str]]:
        """Create the batch's practices the portal lacks, each linked to the commissioner of its first row."""
        missing: dict[str, ListSizeRow] = {}
        for row in batch:
            if row.code not in practices:
                missing.setdefault(row.code, row)
        if not missing:
            return {}
        today = self.context.today
        created = bulk_create_with_history(
            [new_practice(row, today) for row in missing.values()], Practice, batch_size=BATCH_ROWS, **self.history
        )
        links = []
        for practice in created:
            self.tally.practice_created(practice.code)
            row = missing[practice.code]
            valid_from, valid_to = link_period(row)
            links.append(
                PracticeCommissioner(
                    practice_id=practice.pk,
                    commissioner_id=self.context.commissioner_ids[row.commissioner],
                    valid_from=valid_from,
                    valid_to=valid_to,
                )
            )
        bulk_create_with_history(links, PracticeCommissioner, batch_size=BATCH_ROWS, **self.history)
        return {practice.code: (practice.pk, practice.name) for practice in created}
