from django.urls import path

from . import views

app_name = "localities"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("<slug:code>/", views.detail, name="detail"),
]
