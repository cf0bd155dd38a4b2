from django.contrib import admin

from onecare.accounts.admin_base import ScopedAdmin

from .models import UnsentTask


@admin.register(UnsentTask)
class UnsentTaskAdmin(ScopedAdmin):
    """What waits for the broker (read only: the sweep sends and removes them)."""

    list_display = ["task_name", "created_at", "attempts", "last_error"]
    readonly_fields = ["task_name", "args", "kwargs", "created_at", "attempts", "last_error"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
