"""Writing list sizes on PostgreSQL, set-based: rows are streamed with COPY into a temporary table, then
a handful of statements find duplicates, create missing practices and their commissioner links, sort
figures into new, changed and unchanged, write them and their history (the same history records
simple_history's bulk helpers would write). Python never holds more than one chunk of rows.

It does exactly what write_list_sizes.ListSizeWriter does; the tests run both.
"""

from django.db import connection
from django.utils import timezone

from ..models import ListSizeSnapshot, Practice, PracticeCommissioner, PracticeStatus
from .context import ImportContext
from .formats.nhs_digital import ListSizeRow
from .outcome import MAX_CHANGES_KEPT, MAX_CODES_KEPT, Tally
from .write_list_sizes import duplicate_problem, list_size_fields, not_in_area_problem

CHUNK_ROWS = 10_000
# Below this many rows, whatever plan PostgreSQL picks is quick: statistics are not worth gathering.
SMALL_ROWS = 1000
STAGE = "import_list_size_stage"
STAGE_COLUMNS = "line, code, commissioner_id, extract_date, registered, weighted, postcode, name, opened_on, closed_on"
PRACTICE = Practice._meta.db_table
LINK = PracticeCommissioner._meta.db_table
SNAPSHOT = ListSizeSnapshot._meta.db_table


def history_insert(cursor, model, where: str, params: list, *, history_type: str, context: ImportContext, when):
    """Write one history record per row of `model` matching `where` (SQL on the table aliased t)."""
    history = model.history.model
    columns = [field.column for field in history.tracked_fields]
    cursor.execute(
        f"INSERT INTO {history._meta.db_table} ({', '.join(columns)}, history_date, history_change_reason, "  # noqa: S608
        f"history_type, history_user_id) SELECT {', '.join('t.' + c for c in columns)}, %s, %s, %s, %s "
        f"FROM {model._meta.db_table} t WHERE {where}",
        [when, context.record.change_reason, history_type, context.user.pk if context.user else None, *params],
    )


class SqlListSizeWriter:
    def __init__(self, context: ImportContext, tally: Tally, source_kind: str, columns: dict):
        self.context, self.tally, self.source_kind, self.columns = context, tally, source_kind, columns
        self.commissioner_ids = context.commissioner_ids
        self.chunk: list[tuple] = []
        self.staged = 0
        self.cursor = connection.cursor()
        self.cursor.execute(f"DROP TABLE IF EXISTS {STAGE}")
        self.cursor.execute(
            f"CREATE TEMPORARY TABLE {STAGE} (line integer PRIMARY KEY, code varchar(6) NOT NULL, "
            "commissioner_id bigint NOT NULL, extract_date date NOT NULL, registered integer NOT NULL, "
            "weighted numeric(12, 3), postcode varchar(8) NOT NULL, name varchar(200) NOT NULL, opened_on date, "
            "closed_on date, practice_id bigint, created boolean NOT NULL DEFAULT false, snapshot_id bigint, "
            "unchanged boolean NOT NULL DEFAULT false) ON COMMIT DROP"
        )

    def add(self, row: ListSizeRow) -> None:
        commissioner_id = self.commissioner_ids.get(row.commissioner)
        if commissioner_id is None:
            self.tally.reject_row(not_in_area_problem(row, self.columns))
            return
        self.chunk.append(
            (
                row.line,
                row.code,
                commissioner_id,
                row.extract_date,
                row.registered,
                row.weighted,
                row.postcode,
                row.name,
                row.opened_on,
                row.closed_on,
            )
        )
        self.staged += 1
        if len(self.chunk) >= CHUNK_ROWS:
            self._copy()

    def _copy(self) -> None:
        with self.cursor.cursor.copy(f"COPY {STAGE} ({STAGE_COLUMNS}) FROM STDIN") as copy:
            write_row = copy.write_row
            for values in self.chunk:
                write_row(values)
        self.chunk = []

    def finish(self) -> None:
        self._copy()
        execute = self.cursor.execute
        self._analyze(STAGE)
        self._drop_duplicates()
        execute(f"UPDATE {STAGE} s SET practice_id = p.id FROM {PRACTICE} p WHERE p.code = s.code")  # noqa: S608
        when = timezone.now()
        if not self.tally.invalid:  # otherwise everything is rolled back: only the counts matter
            self._create_practices(when)
        execute(
            f"UPDATE {STAGE} s SET snapshot_id = l.id, unchanged = (l.registered_patients = s.registered "  # noqa: S608
            f"AND l.weighted_patients IS NOT DISTINCT FROM s.weighted) FROM {SNAPSHOT} l "
            "WHERE l.practice_id = s.practice_id AND l.extract_date = s.extract_date AND l.source_kind = %s",
            [self.source_kind],
        )
        self._analyze(STAGE)
        execute(
            "SELECT count(*) FILTER (WHERE snapshot_id IS NULL), count(*) FILTER (WHERE snapshot_id IS NOT NULL "  # noqa: S608
            f"AND NOT unchanged), count(*) FILTER (WHERE unchanged), coalesce(sum(registered), 0) FROM {STAGE}"
        )
        new, changed, unchanged, patients = self.cursor.fetchone()
        self.tally.new += new
        self.tally.changed += changed
        self.tally.unchanged += unchanged
        self.tally.patients += patients
        self._preview()
        if not self.tally.invalid:
            self._write_snapshots(when)
        execute(f"DROP TABLE {STAGE}")

    def _preview(self) -> None:
        """The first rows, in file order, with the figures they would replace (the preview's list)."""
        room = MAX_CHANGES_KEPT - len(self.tally.changes)
        if room <= 0:
            return
        self.cursor.execute(
            "SELECT s.code, coalesce(p.name, s.name), s.extract_date, s.registered, s.weighted, s.unchanged, "  # noqa: S608
            f"l.id, l.registered_patients, l.weighted_patients FROM {STAGE} s "
            f"LEFT JOIN {PRACTICE} p ON p.id = s.practice_id LEFT JOIN {SNAPSHOT} l ON l.id = s.snapshot_id "
            "ORDER BY s.line LIMIT %s",
            [room],
        )
        for (
            code,
            name,
            extract_date,
            registered,
            weighted,
            unchanged,
            snapshot_id,
            old_reg,
            old_weighted,
        ) in self.cursor.fetchall():
            row = ListSizeRow(0, code, "", extract_date, registered, weighted)
            if snapshot_id is None:
                self.tally.change(code, name, "new", list_size_fields(None, row))
            elif unchanged:
                self.tally.change(code, name, "unchanged")
            else:
                old = ListSizeSnapshot(registered_patients=old_reg, weighted_patients=old_weighted)
                self.tally.change(code, name, "changed", list_size_fields(old, row))

    def _analyze(self, table: str, rows: int | None = None) -> None:
        """Fresh statistics, so the next statements plan for the rows just written (temporary tables are
        never analysed automatically: a plan for 'one row' over a million rows takes hours, not seconds)."""
        if (self.staged if rows is None else rows) > SMALL_ROWS:
            self.cursor.execute(f"ANALYZE {table}")

    def _drop_duplicates(self) -> None:
        """The second and later rows for a practice and date are invalid; only the first stays staged."""
        self.cursor.execute(
            f"SELECT code, min(line), array_agg(line ORDER BY line) FROM {STAGE} "  # noqa: S608
            "GROUP BY code, extract_date HAVING count(*) > 1 ORDER BY min(line)"
        )
        later_lines = []
        for code, first, lines in self.cursor.fetchall():
            for line in lines[1:]:
                self.tally.reject_row(duplicate_problem(line, code, first, self.columns))
                later_lines.append(line)
        if later_lines:
            self.cursor.execute(f"DELETE FROM {STAGE} WHERE line = ANY(%s)", [later_lines])  # noqa: S608

    def _create_practices(self, when) -> None:
        execute, today = self.cursor.execute, self.context.today
        execute(
            f"WITH created AS (INSERT INTO {PRACTICE} (code, name, postcode, opened_on, closed_on, status) "  # noqa: S608
            "SELECT DISTINCT ON (code) code, CASE WHEN name = '' THEN code ELSE name END, postcode, opened_on, "
            "closed_on, CASE WHEN closed_on <= %s THEN %s ELSE %s END "
            f"FROM {STAGE} WHERE practice_id IS NULL ORDER BY code, line RETURNING id, code) "
            f"UPDATE {STAGE} s SET practice_id = created.id, created = true FROM created WHERE s.code = created.code",
            [today, PracticeStatus.CLOSED, PracticeStatus.ACTIVE],
        )
        created = self.cursor.rowcount
        if not created:
            return
        self._analyze(STAGE)
        self._analyze(PRACTICE, created)
        new_practices = f"t.id IN (SELECT practice_id FROM {STAGE} WHERE created)"  # noqa: S608
        history_insert(self.cursor, Practice, new_practices, [], history_type="+", context=self.context, when=when)
        execute(
            f"INSERT INTO {LINK} (practice_id, commissioner_id, valid_from, valid_to) "  # noqa: S608
            "SELECT DISTINCT ON (practice_id) practice_id, commissioner_id, extract_date, "
            "CASE WHEN closed_on >= extract_date THEN closed_on END "
            f"FROM {STAGE} WHERE created ORDER BY practice_id, line"
        )
        self._analyze(LINK, created)
        new_links = f"t.practice_id IN (SELECT practice_id FROM {STAGE} WHERE created)"  # noqa: S608
        history_insert(
            self.cursor, PracticeCommissioner, new_links, [], history_type="+", context=self.context, when=when
        )
        execute(
            f"SELECT count(DISTINCT code) FROM {STAGE} WHERE created"  # noqa: S608
        )
        self.tally.practices_created_count += self.cursor.fetchone()[0]
        execute(
            f"SELECT code FROM {STAGE} WHERE created GROUP BY code ORDER BY min(line) LIMIT %s",  # noqa: S608
            [MAX_CODES_KEPT],
        )
        self.tally.practices_created.extend(code for (code,) in self.cursor.fetchall())

    def _write_snapshots(self, when) -> None:
        execute, record = self.cursor.execute, self.context.record
        source = self.context.file_name[:200]
        execute(
            f"INSERT INTO {SNAPSHOT} (practice_id, extract_date, registered_patients, weighted_patients, "  # noqa: S608
            "source_kind, source, created_at, import_record_id) "
            f"SELECT practice_id, extract_date, registered, weighted, %s, %s, %s, %s FROM {STAGE} "
            "WHERE snapshot_id IS NULL",
            [self.source_kind, source, when, record.pk],
        )
        inserted = self.cursor.rowcount
        if inserted:
            self._analyze(SNAPSHOT, inserted)
            history_insert(
                self.cursor,
                ListSizeSnapshot,
                "t.import_record_id = %s AND t.created_at = %s",
                [record.pk, when],
                history_type="+",
                context=self.context,
                when=when,
            )
        execute(
            f"UPDATE {SNAPSHOT} l SET registered_patients = s.registered, weighted_patients = s.weighted, "  # noqa: S608
            f"source = %s, import_record_id = %s FROM {STAGE} s WHERE l.id = s.snapshot_id AND NOT s.unchanged",
            [source, record.pk],
        )
        if self.cursor.rowcount:
            changed = f"t.id IN (SELECT snapshot_id FROM {STAGE} WHERE snapshot_id IS NOT NULL AND NOT unchanged)"  # noqa: S608
            history_insert(
                self.cursor, ListSizeSnapshot, changed, [], history_type="~", context=self.context, when=when
            )
