"""Writing list sizes (NHS Digital and NHS Payments rows) in batches, with history, on any database.

A practice the portal does not know yet is created (code, postcode, name if the file has one) with a
link to the row's commissioner from the extract date; it is not in any locality until someone puts it
in one. A figure for a date and source the portal already holds is updated only if it differs.
On PostgreSQL the set-based writer in write_list_sizes_sql does the same work faster.
"""

from django.db import connection
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from ..models import ListSizeSnapshot, Practice, PracticeCommissioner, PracticeStatus
from .context import ImportContext
from .formats.nhs_digital import ListSizeRow
from .outcome import MAX_CHANGES_KEPT, Problem, Tally

BATCH_ROWS = 2000


def prefers_sql(context: ImportContext) -> bool:
    return context.writer == "sql" or (context.writer == "auto" and connection.vendor == "postgresql")


def list_size_writer(context: ImportContext, tally: Tally, source_kind: str, columns: dict):
    if prefers_sql(context):
        from .write_list_sizes_sql import SqlListSizeWriter

        return SqlListSizeWriter(context, tally, source_kind, columns)
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


class ListSizeWriter:
    def __init__(self, context: ImportContext, tally: Tally, source_kind: str, columns: dict):
        self.context, self.tally, self.source_kind, self.columns = context, tally, source_kind, columns
        self.first_line: dict[tuple, int] = {}
        self.pending: list[ListSizeRow] = []

    def add(self, row: ListSizeRow) -> None:
        key = (row.code, row.extract_date)
        first = self.first_line.setdefault(key, row.line)
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
        practice_ids = self._practices(batch)
        wanted = {(practice_ids[row.code], row.extract_date): row for row in batch}
        existing = {
            (snapshot.practice_id, snapshot.extract_date): snapshot
            for snapshot in ListSizeSnapshot.objects.filter(
                practice_id__in={key[0] for key in wanted},
                extract_date__in={key[1] for key in wanted},
                source_kind=self.source_kind,
            )
        }
        to_create, to_update = [], []
        names = self._names(batch) if len(self.tally.changes) < MAX_CHANGES_KEPT else {}
        for key, row in wanted.items():
            self.tally.patients += row.registered
            snapshot = existing.get(key)
            if snapshot is None:
                to_create.append(self._snapshot(key[0], row))
                self.tally.change(row.code, names.get(row.code, row.name), "new", list_size_fields(None, row))
            elif snapshot.registered_patients != row.registered or snapshot.weighted_patients != row.weighted:
                self.tally.change(row.code, names.get(row.code, row.name), "changed", list_size_fields(snapshot, row))
                snapshot.registered_patients, snapshot.weighted_patients = row.registered, row.weighted
                snapshot.source, snapshot.import_record = self.context.file_name[:200], self.context.record
                to_update.append(snapshot)
            else:
                self.tally.unchanged += 1
                self.tally.change(row.code, names.get(row.code, row.name), "unchanged")
        self.tally.new += len(to_create)
        self.tally.changed += len(to_update)
        bulk_create_with_history(to_create, ListSizeSnapshot, batch_size=BATCH_ROWS, **self.context.history)
        if to_update:
            fields = ["registered_patients", "weighted_patients", "source", "import_record"]
            bulk_update_with_history(to_update, ListSizeSnapshot, fields, batch_size=BATCH_ROWS, **self.context.history)

    def _snapshot(self, practice_id: int, row: ListSizeRow) -> ListSizeSnapshot:
        return ListSizeSnapshot(
            practice_id=practice_id,
            extract_date=row.extract_date,
            registered_patients=row.registered,
            weighted_patients=row.weighted,
            source_kind=self.source_kind,
            source=self.context.file_name[:200],
            import_record=self.context.record,
        )

    @staticmethod
    def _names(batch: list[ListSizeRow]) -> dict[str, str]:
        return dict(Practice.objects.filter(code__in={row.code for row in batch}).values_list("code", "name"))

    def _practices(self, batch: list[ListSizeRow]) -> dict[str, int]:
        """The ids of the batch's practices, creating (with a commissioner link) those the portal lacks."""
        ids = dict(Practice.objects.filter(code__in={row.code for row in batch}).values_list("code", "pk"))
        missing = {row.code: row for row in batch if row.code not in ids}
        if not missing:
            return ids
        today = self.context.today
        created = bulk_create_with_history(
            [new_practice(row, today) for row in missing.values()], Practice, **self.context.history
        )
        links = []
        for practice in created:
            ids[practice.code] = practice.pk
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
        bulk_create_with_history(links, PracticeCommissioner, **self.context.history)
        return ids
