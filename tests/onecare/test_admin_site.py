"""The portal's admin site (onecare.accounts.admin_site): Django's, without the navigation sidebar."""

import pytest
from django.contrib import admin
from django.contrib.admin import AdminSite
from django.urls import reverse

from onecare.accounts.admin_site import PortalAdminSite
from onecare.accounts.models import User

pytestmark = pytest.mark.django_db


def test_admin_pages_have_no_sidebar_and_the_index_lists_the_apps(admin_client):
    assert isinstance(admin.site, PortalAdminSite)

    changelist = admin_client.get(reverse("admin:funding_release_changelist")).content.decode()
    index = admin_client.get(reverse("admin:index")).content.decode()

    assert 'id="nav-sidebar"' not in changelist and "nav_sidebar" not in changelist
    # The way to the other lists: the breadcrumbs' index, which lists every model the person may open.
    assert f'<a href="{reverse("admin:index")}">Home</a>' in changelist
    assert f'href="{reverse("admin:funding_release_changelist")}"' in index
    assert f'href="{reverse("admin:localities_locality_changelist")}"' in index


def test_every_admin_page_has_djangos_context_with_the_app_list_read_when_asked(rf):
    request = rf.get("/admin/")
    request.user = User(username="someone", is_staff=True, is_superuser=True, is_active=True)

    ours = admin.site.each_context(request)
    djangos = AdminSite.each_context(admin.site, request)

    assert ours.keys() == djangos.keys()
    assert {k: v for k, v in ours.items() if k not in ("available_apps", "log_entries")} == {
        k: v for k, v in djangos.items() if k not in ("available_apps", "log_entries")
    }
    assert ours["is_nav_sidebar_enabled"] is False
    assert list(ours["available_apps"]) == djangos["available_apps"]
    assert str(ours["log_entries"].query) == str(djangos["log_entries"].query)
