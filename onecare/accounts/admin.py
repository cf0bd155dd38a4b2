"""Admin for portal accounts: role (group) and the organisation that scopes it, with history."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from .admin_base import AuditedAdmin, ByUser
from .models import User


@admin.register(User)
class UserAdmin(AuditedAdmin, DjangoUserAdmin):
    scope = ByUser()
    list_display = ["username", "email", "first_name", "last_name", "is_staff", "commissioner", "practice", "locality"]
    list_filter = ["groups", "is_staff", "is_active"]
    autocomplete_fields = ["commissioner", "practice", "locality"]
    fieldsets = DjangoUserAdmin.fieldsets + (
        ("Organisation that scopes the role", {"fields": ["commissioner", "practice", "locality"]}),
    )
