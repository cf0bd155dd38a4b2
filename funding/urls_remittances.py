"""Portal URLs of the money work (remittances); mounted under funding/ by funding.urls."""

from django.urls import path

from . import views_remittances as views

urlpatterns: list = [
    path("remittances/", views.remittances, name="remittances"),
    path("remittances/<int:run_pk>/<slug:code>/", views.remittance, name="remittance"),
    path("remittances/<int:run_pk>/<slug:code>/download/", views.remittance_pdf_view, name="remittance-pdf"),
    path("practices/<int:pk>/money/", views.practice_money_view, name="practice-money"),
]
