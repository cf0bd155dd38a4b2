"""`manage.py import_practice_data FILE [--dry-run]`: the summary line, exit codes, dry runs, the progress bar."""

import io

import pytest
from django.core.management import call_command

from localities.models import ImportRecord, ImportStatus, ListSizeSnapshot
from tests.localities.test_import_support import NATIONAL_2021, database_state, whole_area


@pytest.fixture(autouse=True)
def area(bnssg):
    return whole_area(bnssg)


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def run(*args, stderr=None) -> tuple[str, str]:
    out, err = io.StringIO(), stderr or io.StringIO()
    call_command("import_practice_data", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_it_ends_with_the_summary_line(user_factory):
    admin = user_factory(username="dataadmin")

    out, err = run(str(NATIONAL_2021), "--user", "dataadmin")

    assert out.splitlines()[-1] == (
        "summary: format=nhs_digital new=79 changed=0 unchanged=0 skipped=6579 invalid=0 patients=1042287"
    )
    assert "\r" not in err  # no progress bar when stderr is not a terminal
    record = ImportRecord.objects.get()
    assert (record.status, record.created_by, record.file_name) == (ImportStatus.IMPORTED, admin, NATIONAL_2021.name)
    assert len(record.sha256) == 64


def test_it_writes_nothing_on_a_dry_run():
    before = database_state()

    out, _ = run(str(NATIONAL_2021), "--dry-run")

    assert out.splitlines()[-1].startswith("summary: format=nhs_digital new=79 changed=0 unchanged=0 skipped=6579")
    assert database_state() == before
    assert ImportRecord.objects.get().status == ImportStatus.CHECKED


def test_it_exits_non_zero_with_the_reasons_when_the_file_is_rejected(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "PUBLICATION,EXTRACT_DATE,TYPE,CCG_CODE,ONS_CCG_CODE,CODE,POSTCODE,SEX,AGE,NUMBER_OF_PATIENTS\n"
        "GP_PRAC_PAT_LIST,01JAN2021,GP,15C,E38000222,L81004,BS20 6AQ,ALL,ALL,-3\n"
    )
    out, err = io.StringIO(), io.StringIO()

    with pytest.raises(SystemExit) as exit_:
        call_command("import_practice_data", str(bad), stdout=out, stderr=err)

    assert exit_.value.code == 1
    assert "Invalid: line 2, NUMBER_OF_PATIENTS: -3 is negative" in err.getvalue()
    assert "Rejected: 1 row is invalid" in err.getvalue()
    assert out.getvalue().splitlines()[-1] == (
        "summary: format=nhs_digital new=0 changed=0 unchanged=0 skipped=0 invalid=1 patients=0"
    )
    assert not ListSizeSnapshot.objects.exists()


def test_it_shows_a_progress_bar_on_a_terminal():
    _, err = run(str(NATIONAL_2021), stderr=Terminal())

    assert "\r[" in err and "%" in err
