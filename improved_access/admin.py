"""The IA rules and payment terms: a change is proposed here and takes effect when another commissioner approves it
(funding.admin.rules); plans are edited in the portal."""

from django.contrib import admin

from funding.admin.rules import ProposeChanges
from onecare.accounts.admin_base import AuditedAdmin, ByLocality, ReadOnlyAdmin
from onecare.formats import money

from .models import ActivityReturn, ComplianceRule, PaymentTerms, Plan, QuarterAssessment
from .models.rules import THRESHOLD_MEANING


@admin.register(ComplianceRule)
class ComplianceRuleAdmin(ProposeChanges, AuditedAdmin):
    list_display = ["kind", "applies_from", "threshold", "evening_starts_at", "basis", "active", "note"]
    list_filter = ["kind", "active"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        meanings = "; ".join(f"{kind.label}: {text}" for kind, text in THRESHOLD_MEANING.items())
        if "threshold" in form.base_fields:  # not on a read-only page (a historical version)
            form.base_fields["threshold"].help_text = meanings
        return form


@admin.register(PaymentTerms)
class PaymentTermsAdmin(ProposeChanges, AuditedAdmin):
    list_display = ["applies_from", "rate_shown", "reference_date"]

    @admin.display(description="rate per weighted head a quarter", ordering="rate")
    def rate_shown(self, terms: PaymentTerms) -> str:
        return money(terms.rate)


class LocalityRecordAdmin(ReadOnlyAdmin):
    """Status changes go through improved_access.transitions and the evaluation, never an admin form."""

    scope = ByLocality("locality")


@admin.register(Plan)
class PlanAdmin(LocalityRecordAdmin):
    list_display = ["locality", "phase", "starts_on", "status", "evidence"]
    list_select_related = ["locality", "evidence__item", "evidence__locality"]
    list_filter = ["phase", "status"]


@admin.register(QuarterAssessment)
class QuarterAssessmentAdmin(LocalityRecordAdmin):
    list_display = ["locality", "quarter", "judged_on", "compliant", "reason"]
    list_filter = ["quarter", "compliant"]
    list_select_related = ["locality"]


@admin.register(ActivityReturn)
class ActivityReturnAdmin(LocalityRecordAdmin):
    list_display = ["locality", "quarter", "rows", "uploaded_at", "superseded"]
    list_filter = ["quarter", "superseded"]
    list_select_related = ["locality"]
