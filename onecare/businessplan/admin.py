from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Activity, Area, IncomeFigure, IncomeSource, Risk


class ActivityInline(admin.TabularInline):
    model = Activity
    extra = 0
    fields = ["number", "text", "planned_start_year", "continues_all_years", "owner", "status", "notes"]


@admin.register(Area)
class AreaAdmin(SimpleHistoryAdmin):
    list_display = ["letter", "title"]
    inlines = [ActivityInline]


@admin.register(Activity)
class ActivityAdmin(SimpleHistoryAdmin):
    list_display = ["__str__", "text", "planned_start_year", "owner", "status"]
    list_filter = ["status", "planned_start_year", "area"]
    list_editable = ["owner", "status"]
    list_select_related = ["area"]
    search_fields = ["text", "owner", "notes"]


@admin.register(Risk)
class RiskAdmin(SimpleHistoryAdmin):
    list_display = ["number", "description", "likelihood", "impact", "score", "owner", "review_date"]
    list_editable = ["likelihood", "impact", "owner", "review_date"]


class IncomeFigureInline(admin.TabularInline):
    model = IncomeFigure
    extra = 0


@admin.register(IncomeSource)
class IncomeSourceAdmin(SimpleHistoryAdmin):
    list_display = ["order", "name", "note"]
    inlines = [IncomeFigureInline]
