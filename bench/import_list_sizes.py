"""Benchmark: the portal's list-size import against PostgreSQL COPY and a plain django-import-export resource.

    .venv/bin/python bench/import_list_sizes.py

Imports the national file (tests/data/imports/gp-reg-pat-prac-all_01JAN2021.csv, 6,658 rows) through the
real import path (detection, validation, all-or-nothing transaction, history, import record) and, in the
same run and the same database, loads the same rows with COPY into a bare table and with a plain
django-import-export ModelResource with default options. Prints rows per second and the ratios
(targets: at least 50x the plain resource, within 10x of COPY), then imports a synthetic 1,000,000-row
file in a separate process and reports that process's peak memory (target: under 500 MB).

Uses DATABASE_URL's server if set, else starts a throwaway PostgreSQL; either way it works in a scratch
database it creates and drops, so it never touches existing data.
"""

import io
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the project, and bench.support
from bench.support import ROOT, benchmark_database, timed

NATIONAL = ROOT / "tests" / "data" / "imports" / "gp-reg-pat-prac-all_01JAN2021.csv"
AREA = ["11H", "11T", "12A", "15C"]
SYNTHETIC_ROWS = 1_000_000
PORTAL_TABLES = [
    "localities_listsizesnapshot",
    "localities_historicallistsizesnapshot",
    "localities_practicecommissioner",
    "localities_historicalpracticecommissioner",
    "localities_practice",
    "localities_historicalpractice",
    "localities_importrecord",
    "localities_historicalimportrecord",
]


# --- the measurements ---------------------------------------------------------------------------------


def reset_portal_tables() -> None:
    """Empty the tables an import writes (TRUNCATE, so no dead rows slow the next run down)."""
    from django.db import connection

    with connection.cursor() as cursor:
        # CASCADE also empties the tables that refer to practices, the accounts among them: the user is
        # looked up afresh by each import (bench_user()).
        cursor.execute(f"TRUNCATE {', '.join(PORTAL_TABLES)} CASCADE")


def bench_user():
    from onecare.accounts.models import User

    return User.objects.get_or_create(username="bench")[0]


def portal_import(expect_new: int | None = None):
    from localities.importing import practice_data_import

    with NATIONAL.open("rb") as stream:
        record = practice_data_import(stream, file_name=NATIONAL.name, user=bench_user())
    assert record.status == "imported", record.reason
    if expect_new is not None:
        assert record.rows_new == expect_new, record.summary_line()
    return record


def copy_into_bare_table() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE bench_copy")
        with (
            NATIONAL.open("rb") as stream,
            cursor.cursor.copy("COPY bench_copy FROM STDIN (FORMAT csv, HEADER)") as copy,
        ):
            while chunk := stream.read(1 << 16):
                copy.write(chunk)


def plain_resource_import() -> int:
    import tablib
    from import_export import fields, resources, widgets

    from localities.models import ListSizeSnapshot, Practice

    class PlainListSizeResource(resources.ModelResource):
        """Maps the file's columns; every Meta option is django-import-export's default."""

        practice = fields.Field("practice", "CODE", widget=widgets.ForeignKeyWidget(Practice, "code"))
        extract_date = fields.Field("extract_date", "EXTRACT_DATE", widget=widgets.DateWidget("%d%b%Y"))
        registered_patients = fields.Field("registered_patients", "NUMBER_OF_PATIENTS")
        source_kind = fields.Field("source_kind", "SOURCE_KIND")

        class Meta:
            model = ListSizeSnapshot
            fields = ["id", "practice", "extract_date", "registered_patients", "source_kind"]

    dataset = tablib.Dataset().load(NATIONAL.read_text(encoding="utf-8-sig"), format="csv")
    dataset.append_col(["nhs_digital"] * dataset.height, header="SOURCE_KIND")
    result = PlainListSizeResource().import_data(dataset, dry_run=False)
    if result.has_errors() or result.has_validation_errors():
        errors = [error.error for _line, row_errors in result.row_errors() for error in row_errors][:3]
        invalid = [row.error for row in result.invalid_rows][:3]
        raise AssertionError(f"the plain resource failed: {errors or invalid}")
    return dataset.height


def seed_commissioners(codes) -> None:
    import datetime

    from localities.models import Commissioner

    Commissioner.objects.bulk_create(
        [Commissioner(code=code, name=f"Commissioner {code}", valid_from=datetime.date(2013, 4, 1)) for code in codes],
        ignore_conflicts=True,
    )


def national_codes() -> tuple[list[str], list[str]]:
    import csv

    with NATIONAL.open(encoding="utf-8-sig", newline="") as stream:
        rows = list(csv.DictReader(stream))
    return sorted({row["CCG_CODE"] for row in rows}), [row["CODE"] for row in rows]


def synthetic_file(path: Path, rows: int) -> None:
    """A national-shaped file of `rows` practices, all in the area (so all of it is written)."""
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write("PUBLICATION,EXTRACT_DATE,TYPE,CCG_CODE,ONS_CCG_CODE,CODE,POSTCODE,SEX,AGE,NUMBER_OF_PATIENTS\r\n")
        for n in range(rows):
            code = f"{chr(65 + n // 100_000)}{n % 100_000:05d}"
            out.write(f"GP_PRAC_PAT_LIST,01JAN2021,GP,15C,E38000222,{code},BS1 {n % 9}AA,ALL,ALL,{1000 + n % 9000}\r\n")


def memory_child(path: str) -> None:
    """Run in a fresh process: import one file and report rows, seconds and the process's peak memory."""
    import django

    django.setup()
    from django.conf import settings

    from localities.importing import practice_data_import

    settings.PRACTICE_IMPORT_MAX_BYTES = 200 * 1024 * 1024  # the synthetic file is ~75 MB, over the 50 MB default
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    with open(path, "rb") as stream:
        record = practice_data_import(stream, file_name=Path(path).name)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kilobytes on Linux
    print(
        json.dumps(
            {
                "status": record.status,
                "new": record.rows_new,
                "seconds": seconds,
                "baseline_mb": baseline / 1024,
                "peak_mb": peak / 1024,
            }
        )
    )


def run() -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import override_settings

    call_command("migrate", verbosity=0)
    commissioner_codes, practice_codes = national_codes()
    rows = len(practice_codes)
    seed_commissioners(AREA)
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE bench_copy (publication text, extract_date text, type text, ccg_code text, "
            "ons_ccg_code text, code text, postcode text, sex text, age text, number_of_patients integer)"
        )

    copy_s = timed(copy_into_bare_table)
    portal_s = timed(lambda: portal_import(expect_new=79), before=reset_portal_tables)
    reset_portal_tables()
    print(f"national file: {rows:,} rows; the portal's import: {portal_import().summary_line()}")
    again_s = timed(lambda: portal_import(expect_new=0))

    seed_commissioners(commissioner_codes)
    with override_settings(PORTAL_AREA_COMMISSIONERS=commissioner_codes):
        everything_s = timed(lambda: portal_import(expect_new=rows), repeats=3, before=reset_portal_tables)

    reset_portal_tables()
    from localities.models import Practice

    Practice.objects.bulk_create([Practice(code=code, name=code) for code in practice_codes])
    start = time.perf_counter()
    plain_rows = plain_resource_import()
    plain_s = time.perf_counter() - start

    rate = {
        name: rows / seconds
        for name, seconds in [
            ("copy", copy_s),
            ("portal", portal_s),
            ("again", again_s),
            ("everything", everything_s),
            ("plain", plain_s),
        ]
    }
    rate["plain"] = plain_rows / plain_s
    print(f"PostgreSQL COPY into a bare table:              {rate['copy']:>10,.0f} rows/s  ({copy_s * 1000:.1f} ms)")
    print(
        f"portal import, area 11H/11T/12A/15C (79 new):   {rate['portal']:>10,.0f} rows/s  ({portal_s * 1000:.1f} ms)"
    )
    print(f"portal import, same file again (79 unchanged):  {rate['again']:>10,.0f} rows/s  ({again_s * 1000:.1f} ms)")
    print(
        f"portal import, every row in area ({rows:,} new): {rate['everything']:>10,.0f} rows/s  "
        f"({everything_s * 1000:.1f} ms)"
    )
    print(f"plain django-import-export ModelResource:       {rate['plain']:>10,.0f} rows/s  ({plain_s:.1f} s)")
    print(
        f"portal vs plain resource: {rate['portal'] / rate['plain']:.0f}x faster (target >= 50x); "
        f"every row in area: {rate['everything'] / rate['plain']:.0f}x"
    )
    print(
        f"COPY vs portal: {rate['copy'] / rate['portal']:.1f}x (target <= 10x); "
        f"every row in area: {rate['copy'] / rate['everything']:.1f}x"
    )

    with tempfile.TemporaryDirectory() as scratch:
        synthetic = Path(scratch) / "synthetic_1m.csv"
        synthetic_file(synthetic, SYNTHETIC_ROWS)
        size_mb = synthetic.stat().st_size / 1_000_000
        reset_portal_tables()
        connection.close()
        child = subprocess.run(  # noqa: S603 (fixed arguments, no shell)
            [sys.executable, __file__, "--memory-child", str(synthetic)],
            check=True,
            capture_output=True,
            text=True,
            env=os.environ,
        )
        memory = json.loads(child.stdout.strip().splitlines()[-1])
    assert memory["status"] == "imported" and memory["new"] == SYNTHETIC_ROWS, memory
    print(
        f"synthetic file: {SYNTHETIC_ROWS:,} rows ({size_mb:.0f} MB), all in area: imported in "
        f"{memory['seconds']:.1f} s ({SYNTHETIC_ROWS / memory['seconds']:,.0f} rows/s); peak memory of the "
        f"importing process {memory['peak_mb']:.0f} MB (after Django start-up {memory['baseline_mb']:.0f} MB; "
        "target < 500 MB)"
    )
    print()
    print(
        "| benchmark | COPY rows/s | portal rows/s | plain import-export rows/s | portal vs plain | COPY vs portal "
        "| all-in-area portal rows/s | 1M-row peak memory |"
    )
    print("|---|---|---|---|---|---|---|---|")
    print(
        f"| import_list_sizes (national file, {rows:,} rows) | {rate['copy']:,.0f} | {rate['portal']:,.0f} | "
        f"{rate['plain']:,.0f} | {rate['portal'] / rate['plain']:.0f}x | {rate['copy'] / rate['portal']:.1f}x | "
        f"{rate['everything']:,.0f} | {memory['peak_mb']:.0f} MB |"
    )


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onecare.settings.test")
    if sys.argv[1:2] == ["--memory-child"]:
        memory_child(sys.argv[2])
        return
    with benchmark_database("import_list_sizes") as url:
        os.environ["DATABASE_URL"] = url
        run()


if __name__ == "__main__":
    sys.stdout = io.TextIOWrapper(sys.stdout.buffer, line_buffering=True)
    main()
