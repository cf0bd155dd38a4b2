"""An import record moves only as its workflow (localities.importing.records.IMPORTS) allows: every move it does not
allow is refused, and the record is left as it was."""

import re

import pytest

from localities.importing.outcome import Tally
from localities.importing.records import IMPORTS, ImportStateError, import_record_claim, import_record_finish
from localities.models import ImportRecord, ImportStatus

S = ImportStatus


def record_in(status) -> ImportRecord:
    return ImportRecord.objects.create(file_name="list-sizes.csv", status=status)


REFUSED = [(now, then) for now in S for then in S if then not in IMPORTS.targets_from(now) and then != S.CHECKING]
ALLOWED = [(now, then) for now in S for then in IMPORTS.targets_from(now)]


@pytest.mark.django_db
@pytest.mark.parametrize(("now", "then"), REFUSED, ids=lambda s: s.value)
def test_a_move_the_workflow_does_not_allow_is_refused_and_changes_nothing(now, then):
    record = record_in(now)
    with pytest.raises(ImportStateError, match=re.escape(f"that is '{now.label}' cannot become '{then.label}'.")):
        import_record_finish(record, then, Tally())
    record.refresh_from_db()
    assert record.status == now and record.finished_at is None


@pytest.mark.django_db
@pytest.mark.parametrize(("now", "then"), ALLOWED, ids=lambda s: s.value)
def test_a_move_the_workflow_allows_is_made(now, then):
    record = record_in(now)
    import_record_finish(record, then, Tally())
    record.refresh_from_db()
    assert record.status == then


@pytest.mark.django_db
@pytest.mark.parametrize("now", list(S), ids=lambda s: s.value)
def test_only_a_file_waiting_for_confirmation_is_claimed(now):
    record = record_in(now)
    assert import_record_claim(record.pk) is (now in IMPORTS.step("claim").sources)
    record.refresh_from_db()
    assert record.status == (S.IMPORTING if now == S.READY else now)
