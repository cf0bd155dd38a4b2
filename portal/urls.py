"""The localities and funding namespaces, each with the combining page it shows (portal.views) in its place:
localities:detail is the locality page, funding:money the money dashboard. The URLs and their names are the apps'."""

from django.urls import path

from funding import urls as funding_urls
from localities import urls as localities_urls

from . import views

localities = (
    [
        *localities_urls.urlpatterns[:1],  # the overview, ""
        path("<slug:code>/", views.locality_page, name="detail"),
        *localities_urls.urlpatterns[1:],
    ],
    localities_urls.app_name,
)
# Before funding's own: its "<slug:code>/" (a locality's checklist) would take "money/".
funding = ([path("money/", views.money, name="money"), *funding_urls.urlpatterns], funding_urls.app_name)
