from django.contrib import admin
from django.urls import include, path

from onecare.accounts import views as account_views

admin.site.site_header = "BNSSG locality funding portal: administration"
admin.site.site_title = "BNSSG locality funding portal"
admin.site.index_title = "Administration"
# "View site" in the admin goes to the portal's home, which sends each role to its own start page.
admin.site.site_url = "/"

urlpatterns = [
    path("", account_views.home, name="home"),
    path("accounts/", include("onecare.accounts.urls")),
    path("accounts/two-factor/", include("onecare.security.urls")),
    path("localities/", include("localities.urls")),
    path("funding/", include("funding.urls")),
    path("improved-access/", include("improved_access.urls")),
    # One Care: the membership register, practice ballots and the business plan tracker.
    path("onecare/register/", include("onecare.membership.urls")),
    path("onecare/ballots/", include("onecare.ballots.urls")),
    path("onecare/business-plan/", include("onecare.businessplan.urls")),
    path("admin/", admin.site.urls),
]
