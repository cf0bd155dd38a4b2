"""NHS Digital list-size files: the real January 2021 file, both header variants, every date spelling."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from localities.importing import write_list_sizes
from localities.models import ImportStatus, ListSizeSnapshot, Practice, PracticeCommissioner, SourceKind
from tests.localities.factories import ListSizeFactory, PracticeCommissionerFactory, PracticeFactory
from tests.localities.test_import_support import (
    BNSSG_2021,
    NATIONAL_2021,
    SUB_ICB_HEADER,
    database_state,
    list_size_csv,
    list_size_line,
    run_import,
    whole_area,
)


@pytest.fixture(autouse=True)
def area(bnssg):
    return whole_area(bnssg)


def test_it_imports_the_79_bnssg_practices_of_the_january_2021_national_file():
    record = run_import(NATIONAL_2021)

    assert record.status == ImportStatus.IMPORTED
    assert (record.format, record.rows_new, record.rows_skipped, record.rows_invalid) == ("nhs_digital", 79, 6579, 0)
    assert record.patients == 1_042_287
    assert ListSizeSnapshot.objects.filter(extract_date=datetime.date(2021, 1, 1)).count() == 79
    assert sum(ListSizeSnapshot.objects.values_list("registered_patients", flat=True)) == 1_042_287
    assert record.skip_reasons == {"commissioner outside the portal's area": 6579}


def test_it_changes_nothing_the_second_time():
    run_import(BNSSG_2021)
    history = ListSizeSnapshot.history.count()

    again = run_import(BNSSG_2021)

    assert (again.rows_new, again.rows_changed, again.rows_unchanged) == (0, 0, 79)
    assert ListSizeSnapshot.history.count() == history
    assert any("imported before" in note for note in again.notes)


def test_it_creates_unknown_practices_linked_to_their_commissioner(bnssg):
    record = run_import(list_size_csv(list_size_line(code="L81004", postcode="BS206AQ")))

    practice = Practice.objects.get(code="L81004")
    assert practice.postcode == "BS20 6AQ"
    assert practice.commissioner_on(datetime.date(2021, 1, 1)) == bnssg
    assert not practice.memberships.exists()
    assert (record.new_practices, record.new_practice_codes) == (1, ["L81004"])
    assert "not yet in any locality" in record.notes[0]


def test_it_updates_a_changed_figure_and_keeps_the_old_one_in_history(user_factory):
    practice = PracticeFactory(code="L81004")
    PracticeCommissionerFactory(practice=practice)
    ListSizeFactory(
        practice=practice,
        extract_date=datetime.date(2021, 1, 1),
        source_kind=SourceKind.NHS_DIGITAL,
        registered_patients=18_000,
    )
    admin = user_factory()

    record = run_import(list_size_csv(list_size_line(patients="18910")), user=admin)

    snapshot = ListSizeSnapshot.objects.get(practice=practice)
    assert (record.rows_changed, snapshot.registered_patients, snapshot.import_record) == (1, 18_910, record)
    latest = snapshot.history.first()
    assert (latest.history_type, latest.history_user, latest.prev_record.registered_patients) == ("~", admin, 18_000)
    assert latest.history_change_reason == f"Import #{record.pk} of upload.csv"


@pytest.mark.parametrize("date", ["01JAN2021", "01jan2021", "01-Jan-21", "2021-01-01"])
def test_it_reads_every_spelling_of_the_extract_date(date):
    run_import(list_size_csv(list_size_line(date=date)))

    assert ListSizeSnapshot.objects.get().extract_date == datetime.date(2021, 1, 1)


def test_it_reads_the_newer_sub_icb_header_with_lf_lines_and_a_byte_order_mark():
    content = list_size_csv(
        list_size_line(date="2026-04-01", commissioner="15C", patients="1"),
        list_size_line(code="L81010", date="2026-04-01", commissioner="B2M3M", patients="6620"),
        header=SUB_ICB_HEADER,
        newline="\n",
        bom=True,
    )

    record = run_import(content)

    assert (record.rows_new, record.rows_skipped, record.patients) == (1, 1, 1)
    assert ListSizeSnapshot.objects.get().extract_date == datetime.date(2026, 4, 1)


def test_it_takes_area_membership_from_the_commissioner_column_not_the_code_prefix():
    content = list_size_csv(
        list_size_line(code="L81010", commissioner="92G"),  # an L81 practice outside BNSSG
        list_size_line(code="Y01234", commissioner="15C"),
    )

    record = run_import(content)

    assert list(Practice.objects.values_list("code", flat=True)) == ["Y01234"]
    assert (record.rows_new, record.rows_skipped, record.rows_invalid) == (1, 1, 0)


def test_it_leaves_weighted_figures_from_other_sources_alone():
    practice = PracticeFactory(code="L81004")
    ListSizeFactory(practice=practice, extract_date=datetime.date(2021, 1, 1), weighted_patients=Decimal("17000.5"))

    run_import(list_size_csv(list_size_line()))

    kinds = dict(ListSizeSnapshot.objects.values_list("source_kind", "weighted_patients"))
    assert kinds == {SourceKind.NHS_PAYMENTS: Decimal("17000.500"), SourceKind.NHS_DIGITAL: None}


def test_it_imports_thousands_of_new_practices_with_their_history():
    lines = [list_size_line(code=f"Y{n:05d}", patients=str(1000 + n)) for n in range(1500)]

    record = run_import(list_size_csv(*lines))

    assert (record.rows_new, record.patients, record.new_practices) == (1500, 1500 * 1000 + 1499 * 750, 1500)
    assert len(record.new_practice_codes) == 1000
    assert Practice.history.filter(history_change_reason=record.change_reason).count() == 1500
    assert ListSizeSnapshot.history.filter(history_type="+").count() == 1500
    assert Practice.objects.filter(commissioner_links__valid_from=datetime.date(2021, 1, 1)).count() == 1500


def test_every_history_record_an_import_writes_names_the_importer_the_reason_and_the_time(user_factory):
    practice = PracticeFactory(code="L81004")
    PracticeCommissionerFactory(practice=practice)
    ListSizeFactory(
        practice=practice,
        extract_date=datetime.date(2021, 1, 1),
        source_kind=SourceKind.NHS_DIGITAL,
        registered_patients=18_000,
    )
    models = [Practice, PracticeCommissioner, ListSizeSnapshot]
    earlier = {model: set(model.history.values_list("history_id", flat=True)) for model in models}
    admin = user_factory()
    before = timezone.now()

    record = run_import(
        list_size_csv(list_size_line(patients="18910"), list_size_line(code="Y01234", patients="4321")), user=admin
    )

    after = timezone.now()
    written = [item for model in models for item in model.history.exclude(history_id__in=earlier[model])]
    assert sorted((type(item).__name__, item.history_type, code_of(item)) for item in written) == [
        ("HistoricalListSizeSnapshot", "+", "Y01234"),
        ("HistoricalListSizeSnapshot", "~", "L81004"),
        ("HistoricalPractice", "+", "Y01234"),
        ("HistoricalPracticeCommissioner", "+", "Y01234"),
    ]
    assert {(item.history_user, item.history_change_reason) for item in written} == {
        (admin, f"Import #{record.pk} of upload.csv")
    }
    (when,) = {item.history_date for item in written}
    assert before <= when <= after
    figures = {code_of(item): item.registered_patients for item in ListSizeSnapshot.history.filter(history_date=when)}
    assert figures == {"L81004": 18_910, "Y01234": 4_321}


def code_of(item) -> str:
    """The practice code of a history record of a practice, a commissioner link or a list size."""
    return item.code if isinstance(item, Practice.history.model) else Practice.objects.get(pk=item.practice_id).code


def test_rows_are_written_in_batches_and_a_practice_created_in_one_is_found_in_the_next(monkeypatch):
    monkeypatch.setattr(write_list_sizes, "BATCH_ROWS", 2)
    PracticeFactory(code="L81004")
    content = list_size_csv(
        list_size_line(code="Y00001", patients="1000"),
        list_size_line(code="L81004", patients="18910"),
        list_size_line(code="Y00001", patients="1100", date="01APR2021"),
        list_size_line(code="Y00002", patients="2000"),
        list_size_line(code="Y00003", patients="3000", date="01APR2021"),
    )

    record = run_import(content)

    assert (record.status, record.rows_new, record.new_practices) == (ImportStatus.IMPORTED, 5, 3)
    assert record.new_practice_codes == ["Y00001", "Y00002", "Y00003"]
    links = PracticeCommissioner.objects.filter(practice__code__startswith="Y").order_by("practice__code")
    assert [(link.practice.code, link.valid_from) for link in links] == [
        ("Y00001", datetime.date(2021, 1, 1)),
        ("Y00002", datetime.date(2021, 1, 1)),
        ("Y00003", datetime.date(2021, 4, 1)),
    ]
    assert ListSizeSnapshot.history.filter(history_change_reason=record.change_reason).count() == 5
    assert run_import(content).rows_unchanged == 5


def test_a_row_repeated_in_a_later_batch_is_invalid_and_names_the_first_line(monkeypatch):
    monkeypatch.setattr(write_list_sizes, "BATCH_ROWS", 2)
    before = database_state()
    content = list_size_csv(
        list_size_line(code="Y00001"),
        list_size_line(code="Y00002"),
        list_size_line(code="Y00003"),
        list_size_line(code="Y00001", patients="1"),
        list_size_line(code="Y00001", date="01APR2021"),
    )

    record = run_import(content)

    assert (record.status, record.rows_new, record.rows_invalid) == (ImportStatus.REJECTED, 4, 1)
    assert record.problems == [
        {
            "line": 5,
            "column": "CODE",
            "reason": "practice Y00001 appears more than once for this date (first on line 2).",
        }
    ]
    assert database_state() == before
