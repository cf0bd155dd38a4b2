"""Importing in the admin: upload, preview with counts and invalid rows, confirm; large files in Celery."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from localities.models import ImportRecord, ImportStatus, ListSizeSnapshot
from onecare.accounts.roles import Role
from tests.localities.test_import_support import BNSSG_2021, database_state, list_size_csv, list_size_line, whole_area

IMPORT_URL = reverse("admin:localities_importrecord_import")
CONFIRM_URL = reverse("admin:localities_importrecord_process_import")


@pytest.fixture(autouse=True)
def area(bnssg):
    return whole_area(bnssg)


@pytest.fixture
def data_admin(user_factory, client):
    user = user_factory(role=Role.DATA_ADMIN)  # the role's group carries the import permissions
    client.force_login(user)
    return user


def upload(client, content: bytes, name: str = "list.csv", **data):
    return client.post(IMPORT_URL, {"import_file": SimpleUploadedFile(name, content), **data})


def test_it_previews_then_imports_on_confirmation(client, data_admin):
    before = database_state()

    response = upload(client, BNSSG_2021.read_bytes(), name=BNSSG_2021.name)

    record = ImportRecord.objects.get()
    assert response.url == reverse("admin:localities_importrecord_change", args=[record.pk])
    assert (record.status, record.rows_new, record.patients) == (ImportStatus.READY, 79, 1_042_287)
    assert database_state() == before
    page = client.get(response.url).content.decode()
    assert "Confirm import" in page and "1,042,287" in page

    client.post(CONFIRM_URL, {"record": record.pk})

    record.refresh_from_db()
    assert (record.status, record.rows_new) == (ImportStatus.IMPORTED, 79)
    assert ListSizeSnapshot.objects.count() == 79
    assert ListSizeSnapshot.history.filter(history_user=data_admin).count() == 79


def test_it_lists_invalid_rows_and_offers_no_confirmation(client, data_admin):
    upload(client, list_size_csv(list_size_line(), list_size_line(code="L81007", patients="-1")))

    record = ImportRecord.objects.get()
    page = client.get(reverse("admin:localities_importrecord_change", args=[record.pk])).content.decode()
    assert record.status == ImportStatus.REJECTED
    assert "<td>3</td><td>NUMBER_OF_PATIENTS</td><td>-1 is negative" in page
    assert "Confirm import" not in page
    assert client.post(CONFIRM_URL, {"record": record.pk}).status_code == 302
    assert not ListSizeSnapshot.objects.exists()


@override_settings(PRACTICE_IMPORT_MAX_BYTES=1000)
def test_it_refuses_a_file_over_the_size_limit_before_reading_it(client, data_admin):
    response = upload(client, b"x" * 2000)

    message = "The file is 2.0 KB; the largest file the portal accepts is 1.0 KB. Nothing was read."
    assert message in response.content.decode()
    assert not ImportRecord.objects.exists()


@override_settings(PRACTICE_IMPORT_BACKGROUND_BYTES=0)
def test_it_checks_and_imports_large_files_in_a_celery_task(client, data_admin, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as queued:
        upload(client, BNSSG_2021.read_bytes())
    record = ImportRecord.objects.get()
    page = client.get(reverse("admin:localities_importrecord_change", args=[record.pk])).content.decode()
    assert record.status == ImportStatus.CHECKING
    assert '<meta http-equiv="refresh"' in page and "<progress" in page

    for callback in queued:
        callback()  # what the worker does once the request's transaction commits
    record.refresh_from_db()
    assert record.status == ImportStatus.READY
    with django_capture_on_commit_callbacks(execute=True):
        client.post(CONFIRM_URL, {"record": record.pk})

    record.refresh_from_db()
    assert (record.status, record.progress, ListSizeSnapshot.objects.count()) == (ImportStatus.IMPORTED, 100, 79)


def test_it_confirms_only_once(client, data_admin):
    upload(client, BNSSG_2021.read_bytes())
    record = ImportRecord.objects.get()
    client.post(CONFIRM_URL, {"record": record.pk})

    response = client.post(CONFIRM_URL, {"record": record.pk}, follow=True)

    assert "is not waiting for confirmation" in response.content.decode()
    assert ListSizeSnapshot.history.count() == 79


def test_it_refuses_staff_without_the_import_permission(client, user_factory):
    client.force_login(user_factory(role=Role.COMMISSIONER))

    assert client.get(IMPORT_URL).status_code == 403
    assert upload(client, BNSSG_2021.read_bytes()).status_code == 403
    assert not ImportRecord.objects.exists()


def test_it_lists_imported_practices_that_are_not_yet_in_a_locality(client, data_admin, two_localities):
    upload(client, list_size_csv(list_size_line(code="L81004")))
    client.post(CONFIRM_URL, {"record": ImportRecord.objects.get().pk})
    client.force_login(data_admin)

    page = client.get(reverse("admin:localities_practice_changelist"), {"in_locality": "no"}).content.decode()

    assert "L81004" in page
    assert two_localities[0].memberships.first().practice.code not in page


def test_it_offers_the_blank_membership_template_as_csv_and_xlsx(client, data_admin):
    url = reverse("admin:localities_importrecord_membership_template", args=["csv"])

    response = client.get(url)

    assert response.content.decode().strip() == (
        "practice_code,locality_code,sub_locality,valid_from,valid_to,opted_out_on,opt_out_reason"
    )
    xlsx = client.get(reverse("admin:localities_importrecord_membership_template", args=["xlsx"]))
    assert xlsx["Content-Disposition"] == 'attachment; filename="membership-template.xlsx"'
    assert xlsx.content.startswith(b"PK")
    assert url in client.get(IMPORT_URL).content.decode()
