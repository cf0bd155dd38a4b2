"""What django-axes counts failed sign-ins against.

Django's AuthenticationForm does not enforce the username's maximum length, so a sign-in with a very
long (or NUL-containing) username reaches axes, whose 255-character column would then fail with a
server error. The key is cut to the longest username the portal allows, and NUL bytes removed.
"""

from django.contrib.auth import get_user_model


def axes_username(request, credentials=None) -> str | None:
    username = (credentials or {}).get("username")
    if username is None:
        username = request.POST.get("username") if request is not None else None
    if username is None:
        return None
    longest = get_user_model()._meta.get_field("username").max_length
    return str(username).replace("\x00", "")[:longest]
