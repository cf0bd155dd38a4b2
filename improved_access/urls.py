from django.urls import path

from . import views

app_name = "improved_access"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("<slug:code>/", views.status, name="status"),
    path("<slug:code>/activity/", views.activity, name="activity"),
    path("<slug:code>/phase-<int:phase>/", views.plan, name="plan"),
    path("<slug:code>/phase-<int:phase>/<slug:kind>/", views.declaration, name="declaration"),
]
