"""Journey 3: a data admin signs in (password, then the authenticator code), imports a real
list-size file in the admin (preview, then confirm) and sees the counts."""

from base64 import b32decode

import pytest
from django.contrib.auth.models import Permission
from django_otp.plugins.otp_totp.models import TOTPDevice

from localities.models import ImportRecord, ImportStatus, ListSizeSnapshot
from onecare.accounts.roles import Role
from onecare.security.twofactor import DEMO_TOTP_SECRET, demo_token
from tests.localities.test_import_support import BNSSG_2021, whole_area
from tests.onecare.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.browser


def test_journey_import_list_sizes(journey, bnssg):
    whole_area(bnssg)
    admin_user = UserFactory(username="data.admin", role=Role.DATA_ADMIN)
    # The import permissions, in case the role's group does not carry them yet (roles.py decides).
    admin_user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="localities", codename__in=["add_importrecord", "view_importrecord"]
        )
    )
    TOTPDevice.objects.create(user=admin_user, name="app", key=b32decode(DEMO_TOTP_SECRET).hex(), confirmed=True)
    page = journey.page

    journey.goto("/accounts/login/?next=/admin/localities/importrecord/import/")
    page.fill("#id_username", "data.admin")
    page.fill("#id_password", PASSWORD)
    page.click("button:has-text('Sign in')")

    page.wait_for_url("**/accounts/two-factor/verify/**")
    journey.visit("security code")
    page.fill("#id_token", demo_token())
    page.click("button:has-text('Continue')")

    page.wait_for_url("**/admin/localities/importrecord/import/")
    journey.screenshot("import upload")
    page.set_input_files("input[name=import_file]", str(BNSSG_2021))
    page.locator("form input[type=submit], form button[type=submit]").last.click()

    page.wait_for_url("**/admin/localities/importrecord/*/change/")
    preview = page.content()
    assert "1,042,287" in preview
    assert "Confirm import" in preview
    assert ListSizeSnapshot.objects.count() == 0
    journey.screenshot("import preview")

    page.get_by_role("button", name="Confirm import").click()
    page.wait_for_load_state()
    record = ImportRecord.objects.get()
    assert (record.status, record.rows_new) == (ImportStatus.IMPORTED, 79)
    assert ListSizeSnapshot.objects.count() == 79
    page.reload()
    assert "79" in page.content()
    journey.screenshot("import done")
    journey.assert_clean()
