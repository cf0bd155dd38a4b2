"""Who may use the API: signed in (by token or session) in a role that may hold tokens. The views answer only GET,
HEAD and OPTIONS: any other method is a 405 for such a user (and a 401 or 403 for anyone else)."""

from rest_framework import permissions

from .tokens import may_hold_tokens


class ReadOnlyApiUser(permissions.BasePermission):
    message = "The read API is for commissioners, finance approvers and data admins."

    def has_permission(self, request, view) -> bool:
        return may_hold_tokens(request.user)
