"""The person's own API tokens, under their account (mounted at accounts/tokens/)."""

from django.urls import path

from . import views_tokens as views

app_name = "api-tokens"
urlpatterns = [
    path("", views.tokens, name="list"),
    path("<int:pk>/revoke/", views.revoke, name="revoke"),
]
