"""The portal's admin site: Django's, without the navigation sidebar.

People reach the admin's lists from the portal: the header's "Admin" link opens the admin's index, the data admin's
home (accounts.views.data_admin_home) links each list they work in, and on every admin page the breadcrumbs lead
back to the index and the app's page, which list every model the person may open. The sidebar repeated that index
on every page: building it (each model's permissions) and writing it was about a sixth of the work of a page such
as the release changelist, for every page, and its script and stylesheet were loaded on each.
"""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.utils.functional import SimpleLazyObject


class PortalAdminSite(admin.AdminSite):
    enable_nav_sidebar = False

    def each_context(self, request):
        """Django's AdminSite.each_context, with the list of apps worked out only if a template reads it: only the
        sidebar does (the index and each app's page build their own)."""
        script_name = request.META["SCRIPT_NAME"]
        site_url = script_name if self.site_url == "/" and script_name else self.site_url
        return {
            "site_title": self.site_title,
            "site_header": self.site_header,
            "site_url": site_url,
            "has_permission": self.has_permission(request),
            "available_apps": SimpleLazyObject(lambda: self.get_app_list(request)),
            "is_popup": False,
            "is_nav_sidebar_enabled": self.enable_nav_sidebar,
            "log_entries": self.get_log_entries(request),
        }


class PortalAdminConfig(AdminConfig):
    """django.contrib.admin with the portal's site as admin.site (INSTALLED_APPS names this instead)."""

    default_site = "onecare.accounts.admin_site.PortalAdminSite"
