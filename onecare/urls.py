from django.contrib import admin
from django.urls import include, path

from onecare.accounts import views as account_views
from portal import urls as portal_urls

admin.site.site_header = "BNSSG locality funding portal: administration"
admin.site.site_title = "BNSSG locality funding portal"
admin.site.index_title = "Administration"
# "View site" in the admin goes to the portal's home, which sends each role to its own start page.
admin.site.site_url = "/"

urlpatterns = [
    path("", account_views.home, name="home"),
    path("accounts/", include("onecare.accounts.urls")),
    path("accounts/two-factor/", include("onecare.security.urls")),
    # Sign in with NHSmail (OpenID Connect); answers "not set up" unless configured.
    path("oidc/", include("onecare.security.oidc_urls")),
    # The localities and funding URLs, with the pages that combine the apps (the locality page, the money dashboard).
    path("localities/", include(portal_urls.localities)),
    path("funding/", include(portal_urls.funding)),
    path("improved-access/", include("improved_access.urls")),
    # One Care: the membership register, practice ballots and the business plan tracker.
    path("onecare/register/", include("onecare.membership.urls")),
    path("onecare/ballots/", include("onecare.ballots.urls")),
    path("onecare/business-plan/", include("onecare.businessplan.urls")),
    # The read API (issue #18) and the person's own tokens for it.
    path("api/v1/", include("api.urls")),
    path("accounts/tokens/", include("api.urls_tokens")),
    path("admin/", admin.site.urls),
]
