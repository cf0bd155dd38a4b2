from django.contrib import admin

from onecare.accounts.admin_base import AuditedAdmin, ScopedTabularInline

from .models import Activity, Area, IncomeFigure, IncomeSource, Risk


class ActivityInline(ScopedTabularInline):
    model = Activity
    extra = 0
    fields = ["number", "text", "planned_start_year", "continues_all_years", "owner", "status", "notes"]


@admin.register(Area)
class AreaAdmin(AuditedAdmin):
    list_display = ["letter", "title"]
    inlines = [ActivityInline]


@admin.register(Activity)
class ActivityAdmin(AuditedAdmin):
    list_display = ["__str__", "text", "planned_start_year", "owner", "status"]
    list_filter = ["status", "planned_start_year", "area"]
    list_editable = ["owner", "status"]
    list_select_related = ["area"]
    search_fields = ["text", "owner", "notes"]


@admin.register(Risk)
class RiskAdmin(AuditedAdmin):
    list_display = ["number", "description", "likelihood", "impact", "score", "owner", "review_date"]
    list_editable = ["likelihood", "impact", "owner", "review_date"]


class IncomeFigureInline(ScopedTabularInline):
    model = IncomeFigure
    extra = 0


@admin.register(IncomeSource)
class IncomeSourceAdmin(AuditedAdmin):
    list_display = ["order", "name", "note"]
    inlines = [IncomeFigureInline]
