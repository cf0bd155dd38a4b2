"""Import one NHS practice data file (or the portal's membership template), all or nothing.

Exits 0 when the file was imported (or, with --dry-run, would be), 1 when it is rejected; the last
line of output is always `summary: format=NAME new=N changed=N unchanged=N skipped=N invalid=N patients=N`.
"""

import time
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from localities.importing import Mode, practice_data_import
from localities.importing.reading import describe_size
from localities.models import ImportStatus

BAR_WIDTH = 40


class ProgressBar:
    """A one-line bar on the terminal's stderr, redrawn at most ten times a second."""

    def __init__(self, out):
        self.out, self.drawn_at, self.shown = out, 0.0, False

    def __call__(self, fraction: float) -> None:
        now = time.monotonic()
        if now - self.drawn_at < 0.1:
            return
        self.drawn_at, self.shown = now, True
        filled = int(BAR_WIDTH * fraction)
        self.out.write(f"\r[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {fraction:4.0%}", ending="")
        self.out.flush()

    def clear(self) -> None:
        if self.shown:
            self.out.write("\r" + " " * (BAR_WIDTH + 8) + "\r", ending="")


class Command(BaseCommand):
    help = (
        "Import an NHS Digital list-size file, an ODS epraccur register, an NHS Payments to General Practice file "
        "or the portal's membership template (CSV or XLSX). The format is read from the file's content."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="The file to import.")
        parser.add_argument("--dry-run", action="store_true", help="Check the file and report; write nothing.")
        parser.add_argument("--financial-year", help="For NHS Payments files: the year they cover, e.g. 2017-18.")
        parser.add_argument("--user", help="The username to record as having made the import.")

    def handle(self, *args, file: str, dry_run: bool, financial_year: str | None, user: str | None, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"There is no file at {path}.")
        actor = self._user(user)
        bar = ProgressBar(self.stderr) if self.stderr.isatty() else None
        with path.open("rb") as stream:
            record = practice_data_import(
                stream,
                file_name=path.name,
                user=actor,
                mode=Mode.CHECK if dry_run else Mode.IMPORT,
                options={"financial_year": financial_year} if financial_year else {},
                progress=bar,
            )
        if bar:
            bar.clear()
        self._report(record)
        self.stdout.write(record.summary_line())
        if record.status not in (ImportStatus.IMPORTED, ImportStatus.CHECKED):
            raise SystemExit(1)

    def _user(self, username: str | None):
        if not username:
            return None
        try:
            return get_user_model().objects.get(username=username)
        except get_user_model().DoesNotExist as missing:
            raise CommandError(f"There is no user called {username}.") from missing

    def _report(self, record) -> None:
        write = self.stdout.write
        write(f"{record}: {record.get_status_display()}")
        write(f"Format: {record.get_format_display()}")
        write(f"File: {describe_size(record.size_bytes)}, SHA-256 {record.sha256 or '(not read)'}")
        write(
            f"Rows: {record.rows_new:,} new, {record.rows_changed:,} changed, {record.rows_unchanged:,} unchanged, "
            f"{record.rows_skipped:,} skipped, {record.rows_invalid:,} invalid; {record.patients:,} patients"
        )
        for reason, count in record.skip_reasons.items():
            write(f"Skipped {count:,}: {reason}")
        for note in record.notes:
            write(f"Note: {note}")
        for problem in record.problems:
            where = f"line {problem['line']}" if problem["line"] else "the file"
            column = f", {problem['column']}" if problem["column"] else ""
            self.stderr.write(f"Invalid: {where}{column}: {problem['reason']}")
        if record.rows_invalid > len(record.problems):
            self.stderr.write(f"... and {record.rows_invalid - len(record.problems):,} more invalid rows.")
        if record.reason:
            self.stderr.write(f"Rejected: {record.reason}")
