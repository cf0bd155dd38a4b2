"""The checklist is edited here (add an item, move a deadline); evidence is reviewed in the portal."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from onecare.accounts.admin_base import (
    AuditedAdmin,
    ByLocality,
    ReadOnlyAdmin,
    ScopedStackedInline,
    ScopedTabularInline,
)

from ..models import (
    ChecklistItem,
    EvaluationRequest,
    Evidence,
    EvidenceFile,
    EvidenceTransition,
    Phase,
    Scheme,
    SentReminder,
)


class PhaseInline(ScopedTabularInline):
    model = Phase
    extra = 0


class ItemInline(ScopedStackedInline):
    model = ChecklistItem
    extra = 0


@admin.register(Scheme)
class SchemeAdmin(AuditedAdmin):
    list_display = ["name", "code", "active"]
    inlines = [PhaseInline]

    def get_readonly_fields(self, request, obj=None):
        # Switching a scheme off stops its money, and its rate per head bounds its tranches: neither is one
        # person's edit (the rate changes by a reviewed data migration; see funding/MONEY.md).
        fields = super().get_readonly_fields(request, obj)
        return [*fields, "active", "rate_per_head"] if obj is not None else fields


@admin.register(Phase)
class PhaseAdmin(AuditedAdmin):
    list_display = ["__str__", "scheme", "starts_on", "deadline"]
    list_filter = ["scheme"]
    inlines = [ItemInline]


@admin.register(ChecklistItem)
class ChecklistItemAdmin(AuditedAdmin):
    list_display = ["number", "title", "phase"]
    list_filter = ["phase__scheme", "phase"]
    search_fields = ["number", "title"]


@admin.register(Evidence)
class EvidenceAdmin(ReadOnlyAdmin):
    """Status changes go through funding.transitions (the portal's review pages), never an admin form."""

    scope = ByLocality("locality")
    list_display = ["locality", "item", "status", "submitted_at", "review_link"]
    list_filter = ["status", "item__phase", ("locality", admin.RelatedOnlyFieldListFilter)]  # the user's, not all
    list_select_related = ["locality", "item"]

    @admin.display(description="Review")
    def review_link(self, obj):
        return format_html('<a href="{}">Open in the portal</a>', reverse("funding:review", args=[obj.pk]))

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "title": "Evidence (review it in the portal's review queue)"}
        return super().changelist_view(request, extra_context)


@admin.register(EvidenceFile)
class EvidenceFileAdmin(ReadOnlyAdmin):
    scope = ByLocality("evidence__locality")
    list_display = ["original_name", "evidence", "content_type", "size", "uploaded_at"]
    exclude = ["file"]


@admin.register(EvidenceTransition)
class EvidenceTransitionAdmin(ReadOnlyAdmin):
    scope = ByLocality("evidence__locality")
    list_display = ["evidence", "from_status", "to_status", "actor", "at"]
    list_select_related = ["evidence__locality", "evidence__item", "actor"]


@admin.register(SentReminder)
class SentReminderAdmin(ReadOnlyAdmin):
    scope = ByLocality("locality")
    list_display = ["locality", "phase", "kind", "sent_at"]


@admin.register(EvaluationRequest)
class EvaluationRequestAdmin(ReadOnlyAdmin):
    scope = ByLocality("locality")
    list_display = ["locality", "evidence", "requested_at", "consumed_at"]
