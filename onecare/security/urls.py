from django.urls import path

from . import views

app_name = "security"
urlpatterns = [
    path("setup/", views.setup, name="setup"),
    path("verify/", views.verify, name="verify"),
]
