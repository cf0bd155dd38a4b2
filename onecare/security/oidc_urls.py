"""Sign in with NHSmail (onecare/security/oidc.py): the callback is the redirect URI registered with the provider,
https://<host>/oidc/callback/."""

from django.urls import path

from . import oidc

app_name = "oidc"
urlpatterns = [
    path("authenticate/", oidc.sign_in, name="authenticate"),
    path("callback/", oidc.callback, name="callback"),
]
