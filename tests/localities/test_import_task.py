"""Large uploads are checked and imported by the Celery task, here on a real worker through Redis."""

import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from localities.importing.progress import DatabaseProgress
from localities.importing.uploads import practice_data_confirm, practice_data_upload
from localities.models import ImportRecord, ImportStatus, ListSizeSnapshot
from localities.tasks import practice_data_import_task
from onecare.celery import app
from tests.localities.test_import_support import NATIONAL_2021, whole_area
from tests.onecare.test_celery_redis import redis_app  # noqa: F401  (a fixture)


def wait_for(record: ImportRecord, status: str, seconds: float = 60) -> ImportRecord:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        record.refresh_from_db()
        if record.status == status:
            return record
        time.sleep(0.1)
    raise AssertionError(f"{record} is still '{record.status}', not '{status}', after {seconds}s")


def test_it_does_nothing_when_the_task_runs_again(bnssg, user_factory):
    whole_area(bnssg)
    with override_settings(PRACTICE_IMPORT_BACKGROUND_BYTES=0):
        record = practice_data_upload(SimpleUploadedFile("list.csv", NATIONAL_2021.read_bytes()), user=None)
    practice_data_import_task(record.pk, "preview")  # the queued run, in-process
    practice_data_confirm(ImportRecord.objects.get(pk=record.pk), user=user_factory())
    practice_data_import_task(record.pk, "import")
    history = ListSizeSnapshot.history.count()

    assert practice_data_import_task(record.pk, "import") is None
    assert practice_data_import_task(record.pk, "preview") is None
    assert ListSizeSnapshot.history.count() == history == 79


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("redis_app")
@override_settings(PRACTICE_IMPORT_BACKGROUND_BYTES=0)
def test_it_checks_and_imports_on_a_real_worker(bnssg, user_factory):
    whole_area(bnssg)
    admin = user_factory()
    with start_worker(app, perform_ping_check=False, shutdown_timeout=30):
        record = practice_data_upload(SimpleUploadedFile("list.csv", NATIONAL_2021.read_bytes()), user=admin)
        wait_for(record, ImportStatus.READY)
        assert (record.rows_new, record.rows_skipped, record.patients) == (79, 6579, 1_042_287)

        assert practice_data_confirm(record, user=admin)
        wait_for(record, ImportStatus.IMPORTED)

    assert record.progress == 100
    assert ListSizeSnapshot.objects.count() == 79
    assert ListSizeSnapshot.history.filter(history_user=admin).count() == 79


@pytest.mark.django_db(transaction=True)
def test_it_shows_progress_written_from_outside_the_import_transaction():
    record = ImportRecord.objects.create(file_name="list.csv")

    with DatabaseProgress(record.pk) as progress:
        progress(0.5)
        progress(0.6)  # within a second of the last: not written

    record.refresh_from_db()
    assert record.progress == 50
    assert record.history.count() == 1  # progress is not history
