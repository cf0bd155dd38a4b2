"""Activity returns: limits checked before any row is parsed, large returns read by the worker with the progress
on the activity page, a return stuck in checking marked failed by the sweep, and a large return that cannot
slow the locality's Improved Access page."""

import datetime
from types import SimpleNamespace

import pytest
import time_machine
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models.signals import pre_init
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from improved_access.activity import activity_uploads_fail_stuck
from improved_access.models import ActivityReturn, ActivityUpload, Appointment, UploadStatus
from onecare.accounts.roles import Role
from tests.onecare.factories import UserFactory
from tests.onecare.test_celery_redis import redis_app  # noqa: F401  (a fixture)

from .factories import compliant_plan, t

HEADER = b"date,site,slot_start,minutes,booked,attended,did_not_attend\n"
ROW = b"2018-04-02,Central hub,18:30,15,1,1,0\n"
BAD_ROW = b"2018-04-02,Central hub,18:30,15,1,2,0\n"


@pytest.fixture(autouse=True)
def _may_2018():
    with time_machine.travel(datetime.datetime(2018, 5, 2, 12, tzinfo=datetime.UTC), tick=False):
        yield


@pytest.fixture
def people(locality, bnssg):
    return SimpleNamespace(
        lead=UserFactory(role=Role.LOCALITY_LEAD, locality=locality),
        commissioner=UserFactory(role=Role.COMMISSIONER, commissioner=bnssg),
    )


@pytest.fixture
def plan(locality):
    return compliant_plan(locality)


def url(locality) -> str:
    return reverse("improved_access:activity", args=[locality.code])


def post(client, locality, content: bytes, name: str = "activity.csv"):
    return client.post(url(locality), {"quarter": "2018Q1", "file": SimpleUploadedFile(name, content, "text/csv")})


# Cheap limits, in the request, before a row is parsed: a clear message naming the limit, and nothing kept.


@pytest.mark.parametrize(
    ("limits", "content", "said"),
    [
        ({"IA_ACTIVITY_MAX_ROWS": 10}, HEADER + ROW * 11, "the portal reads at most 10 rows under the header"),
        ({"IA_ACTIVITY_MAX_ROWS": 10}, HEADER + ROW * 11, "(IA_ACTIVITY_MAX_ROWS)"),
        ({"IA_ACTIVITY_MAX_BYTES": 1000}, HEADER + ROW * 40, "the largest file the portal accepts is 1.0 KB"),
        ({"IA_ACTIVITY_MAX_BYTES": 1000}, HEADER + ROW * 40, "(IA_ACTIVITY_MAX_BYTES)"),
        (
            {},
            HEADER.rstrip() + b"".join(b",extra%d" % n for n in range(60)) + b"\n" + ROW,
            "The header has 67 columns; the portal reads at most 50 (IA_ACTIVITY_MAX_COLUMNS)",
        ),
    ],
)
def test_a_return_over_a_limit_is_refused_before_parsing(client, locality, people, plan, limits, content, said):
    client.force_login(people.lead)
    with override_settings(**limits):
        response = post(client, locality, content)
    assert response.status_code == 200
    assert said in response.content.decode()
    assert not ActivityUpload.objects.exists()
    assert not Appointment.objects.exists()


def test_the_limits_are_settings_with_defaults():
    assert settings.IA_ACTIVITY_MAX_BYTES == 10_000_000
    assert settings.IA_ACTIVITY_MAX_ROWS == 100_000
    assert settings.IA_ACTIVITY_MAX_COLUMNS == 50


# Large returns: read by the worker, never in the request; the activity page shows the progress.


@override_settings(IA_ACTIVITY_BACKGROUND_BYTES=0)
def test_a_large_return_is_read_by_the_worker_with_its_progress_shown(
    client, locality, people, plan, django_capture_on_commit_callbacks
):
    client.force_login(people.lead)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = post(client, locality, HEADER + ROW * 3)
    assert response.status_code == 302 and response["Location"] == url(locality)
    upload = ActivityUpload.objects.get()
    assert upload.status == UploadStatus.CHECKING and upload.uploaded_by == people.lead
    assert not Appointment.objects.exists()  # nothing read in the request
    page = client.get(url(locality)).content.decode()
    assert '<meta http-equiv="refresh"' in page and "Being checked" in page and "0% read" in page

    for callback in queued:
        callback()  # what the worker does once the request's transaction commits

    upload.refresh_from_db()
    assert upload.status == UploadStatus.IMPORTED and upload.progress == 100
    assert upload.activity_return.rows == 3 and Appointment.objects.count() == 3
    page = client.get(url(locality)).content.decode()
    assert '<meta http-equiv="refresh"' not in page and "Imported" in page and "3 rows" in page


@override_settings(IA_ACTIVITY_BACKGROUND_BYTES=0)
def test_a_large_return_with_bad_rows_is_rejected_by_the_worker_with_its_lines(
    client, locality, people, plan, django_capture_on_commit_callbacks
):
    client.force_login(people.lead)
    with django_capture_on_commit_callbacks(execute=True):
        post(client, locality, HEADER + ROW + BAD_ROW)
    upload = ActivityUpload.objects.get()
    assert upload.status == UploadStatus.REJECTED
    assert upload.problems == ["line 3, attended: 2 attended is more than the 1 booked."]
    assert not ActivityReturn.objects.exists()
    page = client.get(url(locality)).content.decode()
    assert "Rejected: nothing imported" in page and "line 3, attended: 2 attended is more than the 1 booked." in page


def test_a_small_return_is_still_imported_in_the_request(client, locality, people, plan):
    client.force_login(people.lead)
    response = post(client, locality, HEADER + ROW)
    assert response.status_code == 302
    assert response["Location"] == reverse("improved_access:status", args=[locality.code])
    assert ActivityUpload.objects.get().status == UploadStatus.IMPORTED


# Stuck in checking: the sweep marks it failed with the reason; the tasks stop well before that.


def test_the_sweep_marks_a_return_stuck_in_checking_failed_with_the_reason(locality, people):
    def upload(minutes_ago: int) -> ActivityUpload:
        made = ActivityUpload.objects.create(locality=locality, quarter="2018Q1", file_name="a.csv")
        ActivityUpload.objects.filter(pk=made.pk).update(
            created_at=timezone.now() - datetime.timedelta(minutes=minutes_ago)
        )
        return made

    stuck, recent = upload(31), upload(3)
    from improved_access.tasks import activity_uploads_stuck_sweep

    assert activity_uploads_stuck_sweep() == [stuck.pk]
    stuck.refresh_from_db()
    recent.refresh_from_db()
    assert stuck.status == UploadStatus.FAILED
    assert "did not finish within 30 minutes (IMPORT_TIMEOUT_MINUTES)" in stuck.reason
    assert recent.status == UploadStatus.CHECKING
    assert activity_uploads_fail_stuck(datetime.timedelta(minutes=30)) == []


def test_the_activity_task_stops_inside_the_timeout():
    from improved_access.tasks import activity_upload_check

    assert activity_upload_check.time_limit < settings.IMPORT_TIMEOUT_MINUTES * 60


# A large return cannot slow the Improved Access page: the database sums it, no row reaches Python.


def test_the_status_page_does_not_load_a_return_row_by_row(client, locality, people, plan):
    activity_return = ActivityReturn.objects.create(
        locality=locality, quarter="2018Q1", uploaded_at=timezone.now(), rows=3000
    )
    Appointment.objects.bulk_create(
        Appointment(
            activity_return=activity_return,
            date=datetime.date(2018, 4, 2) + datetime.timedelta(days=7 * (n % 12)),
            site="Central hub",
            slot_start=t("18:30") if n % 2 else t("19:00"),
            minutes=15,
            booked=1,
            attended=n % 2,
            did_not_attend=0,
        )
        for n in range(3000)
    )
    loaded = []

    def count(sender, **kwargs):
        loaded.append(sender)

    pre_init.connect(count, sender=Appointment)
    try:
        client.force_login(people.commissioner)
        page = client.get(reverse("improved_access:status", args=[locality.code]))
    finally:
        pre_init.disconnect(count, sender=Appointment)
    assert page.status_code == 200
    assert loaded == []  # before: 3,000 Appointment objects on every view of the page
    total, sessions = page.context["utilisation"], page.context["session_use"]
    assert (total.slots, total.booked, total.attended) == (3000, 3000, 1500)
    assert sum(s.slots for s in sessions) == 3000


@pytest.mark.django_db(transaction=True)
@override_settings(IA_ACTIVITY_BACKGROUND_BYTES=0)
def test_a_return_the_sweep_failed_while_it_was_read_imports_nothing(locality, people, plan, monkeypatch):
    """The import locks its upload before it commits: the sweep's word stands and no return is written."""
    import threading

    from django.db import connection

    from improved_access import activity
    from improved_access.quarters import Quarter

    swept = []

    def sweep():
        try:
            ActivityUpload.objects.update(created_at=timezone.now() - datetime.timedelta(minutes=31))
            swept.extend(activity_uploads_fail_stuck(datetime.timedelta(minutes=30)))
        finally:
            connection.close()

    class SweptMeanwhile:
        def __init__(self, upload_id):
            pass

        def __call__(self, fraction):
            if not swept:  # the sweep, in beat's own process: here a thread with its own connection
                thread = threading.Thread(target=sweep)
                thread.start()
                thread.join()

    monkeypatch.setattr(activity, "UploadProgress", SweptMeanwhile)
    content = HEADER + ROW * 2500  # over 2,000 rows: the progress callback is called
    upload = activity.activity_upload(
        locality, Quarter(2018, 1), SimpleUploadedFile("big.csv", content, "text/csv"), actor=people.lead
    )

    upload.refresh_from_db()
    assert swept == [upload.pk]
    assert upload.status == UploadStatus.FAILED and "IMPORT_TIMEOUT_MINUTES" in upload.reason
    assert not ActivityReturn.objects.exists() and not Appointment.objects.exists()


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("redis_app")
@override_settings(IA_ACTIVITY_BACKGROUND_BYTES=0)
def test_a_large_return_is_read_on_a_real_worker(client, locality, people, plan):
    """Through Redis to a Celery worker: the request only keeps the file; the worker imports it."""
    import time

    from celery.contrib.testing.worker import start_worker

    from onecare.celery import app

    client.force_login(people.lead)
    with start_worker(app, perform_ping_check=False, shutdown_timeout=30):
        response = post(client, locality, HEADER + ROW * 3)
        assert response.status_code == 302 and response["Location"] == url(locality)
        upload = ActivityUpload.objects.get()
        deadline = time.monotonic() + 60
        while upload.status == UploadStatus.CHECKING and time.monotonic() < deadline:
            time.sleep(0.1)
            upload.refresh_from_db()
    assert upload.status == UploadStatus.IMPORTED
    assert upload.activity_return.rows == 3 and Appointment.objects.count() == 3
