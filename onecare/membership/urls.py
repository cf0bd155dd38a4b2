from django.urls import path

from . import views

app_name = "membership"
urlpatterns = [
    path("", views.register, name="register"),
    path("register.csv", views.register_export, name="register-export"),
]
