"""The read API, mounted at /api/v1/ (README "Read API")."""

from django.urls import path

from . import views
from .docs import ApiRoot, DocsView, SchemaView

app_name = "api"
urlpatterns = [
    path("", ApiRoot.as_view(), name="root"),
    path("localities/", views.LocalityList.as_view(), name="localities"),
    path("localities/<slug:code>/", views.LocalityDetail.as_view(), name="locality"),
    path("releases/", views.ReleaseList.as_view(), name="releases"),
    path("releases/<int:pk>/", views.ReleaseDetail.as_view(), name="release"),
    path("payment-runs/", views.RunList.as_view(), name="payment-runs"),
    path("payment-runs/<int:pk>/", views.RunDetail.as_view(), name="payment-run"),
    path("improved-access/quarters/", views.QuarterList.as_view(), name="ia-quarters"),
    path("improved-access/quarters/<int:pk>/", views.QuarterDetail.as_view(), name="ia-quarter"),
    path("schema/", SchemaView.as_view(), name="schema"),
    path("docs/", DocsView.as_view(), name="docs"),
]
