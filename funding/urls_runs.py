"""Portal URLs of the money work (runs); mounted under funding/ by funding.urls."""

from django.urls import path

from . import views_runs as views

urlpatterns = [
    path("runs/", views.runs, name="runs"),
    path("runs/create/", views.run_create, name="run-create"),
    path("runs/<int:pk>/", views.run, name="run"),
    path("runs/<int:pk>/export/<str:filename>", views.run_export, name="run-export"),
    path("runs/<int:pk>/<slug:step>/", views.run_step, name="run-step"),
]
