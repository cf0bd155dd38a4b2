"""Money rules in the admin: their forms propose a change (funding.rule_changes) instead of saving it, and the list
of proposed changes is where another person with the authority approves or rejects each (with a confirmation).

ProposeChanges is the mixin of the tranche, Improved Access rule, payment terms and delegated limit admins.
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from onecare.accounts.admin_base import AuditedAdmin, Everyone, ReadOnlyAdmin

from ..models import DelegatedLimit, RuleChange
from ..rule_changes import (
    RULE_CHANGE_STEPS,
    STEP_WORDS,
    RuleChangeNotAllowed,
    authority_label,
    can_decide,
    differences,
    rule_change_propose,
    rule_kind,
)

VERSION_FIELDS = ["version", "version_proposed_by", "version_approved_by"]


class ProposeChanges:
    """Saving the form records a proposal; the rule changes when another person with the authority approves it."""

    def has_delete_permission(self, request, obj=None):
        return False  # a rule in use is made inactive by a proposal, never deleted

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        return fields + [name for name in VERSION_FIELDS if name not in fields]

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        label = rule_kind(self.model).label
        title = f"Propose a change to a {label}" if object_id else f"Propose a new {label}"
        extra_context = {**(extra_context or {}), "title": title}
        return super().changeform_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        names = [name for name in rule_kind(self.model).fields if name in form.cleaned_data]
        values = {name: form.cleaned_data[name] for name in names}
        request._rule_change, request._rule_change_error = None, ""
        try:
            request._rule_change = rule_change_propose(
                obj if change else None, values, actor=request.user, model=self.model
            )
        except RuleChangeNotAllowed as error:
            request._rule_change_error = str(error)

    def save_related(self, request, form, formsets, change):
        """Nothing is saved: the approval sets the many-to-many fields (a tranche's gate) with the rest."""

    def log_addition(self, request, obj, message):
        """The proposal's own history records it."""

    def log_change(self, request, obj, message):
        """The proposal's own history records it."""

    def _after_proposal(self, request, obj):
        opts = self.model._meta
        here = (
            reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
            if obj.pk
            else reverse(f"admin:{opts.app_label}_{opts.model_name}_add")
        )
        error, proposed = getattr(request, "_rule_change_error", ""), getattr(request, "_rule_change", None)
        if error:
            self.message_user(request, error, messages.ERROR)
            return HttpResponseRedirect(here)
        if proposed is None:
            self.message_user(request, "Nothing changed: no change was proposed.", messages.WARNING)
            return HttpResponseRedirect(here)
        self.message_user(
            request,
            f"Your change is proposed; it takes effect when another {authority_label(self.model)} approves it.",
        )
        return HttpResponseRedirect(reverse("admin:funding_rulechange_change", args=[proposed.pk]))

    def response_add(self, request, obj, post_url_continue=None):
        return self._after_proposal(request, obj)

    def response_change(self, request, obj):
        return self._after_proposal(request, obj)


@admin.register(DelegatedLimit)
class DelegatedLimitAdmin(ProposeChanges, AuditedAdmin):
    scope = Everyone()
    list_display = ["__str__", "version", "version_proposed_by", "version_approved_by"]

    def has_add_permission(self, request):
        return False  # one limit, seeded by a migration: it is changed, never added


@admin.register(RuleChange)
class RuleChangeAdmin(ReadOnlyAdmin):
    """Proposed changes to money rules: approve or reject (another person with the authority), or withdraw."""

    scope = Everyone()  # the rules are the whole area's
    list_display = ["change", "difference", "state", "proposed_by", "proposed_at", "decided_by", "decided_at"]
    list_filter = ["state", ("content_type", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["content_type", "proposed_by", "decided_by"]
    change_form_template = "admin/funding/rulechange/change_form.html"
    exclude = ["values", "before"]

    @admin.display(description="Change")
    def change(self, obj):
        return str(obj)

    @admin.display(description="What changes (from -> to)")
    def difference(self, obj):
        return format_html("<ul>{}</ul>", format_html_join("", "<li>{}</li>", ((line,) for line in differences(obj))))

    def _steps(self, request, change):
        steps = []
        for name, (_, needs_reason) in RULE_CHANGE_STEPS.items():
            ok, why = can_decide(request.user, change, name)
            steps.append({"name": name, "label": name.capitalize(), "ok": ok, "why": why, "reason": needs_reason})
        return steps

    def change_view(self, request, object_id, form_url="", extra_context=None):
        change = get_object_or_404(self.get_queryset(request).select_related("content_type"), pk=object_id)
        extra_context = {
            **(extra_context or {}),
            "rule_change": change,
            "differences": differences(change),
            "steps": self._steps(request, change),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def get_urls(self):
        custom = [
            path(
                "<path:object_id>/decide/<str:step>/",
                self.admin_site.admin_view(self.decide_view),
                name="funding_rulechange_decide",
            )
        ]
        return custom + super().get_urls()

    def decide_view(self, request, object_id, step):
        """GET: the confirmation page (the change in words; the reason for a rejection). POST confirm=yes: do it."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        if step not in RULE_CHANGE_STEPS:
            raise Http404("No such step.")
        change = get_object_or_404(self.get_queryset(request).select_related("content_type"), pk=object_id)
        function, needs_reason = RULE_CHANGE_STEPS[step]
        here = reverse("admin:funding_rulechange_change", args=[change.pk])
        reason = request.POST.get("reason", "").strip()
        if request.method == "POST" and request.POST.get("confirm") == "yes" and (reason or not needs_reason):
            try:
                done = function(change, actor=request.user, **({} if step == "approve" else {"reason": reason}))
            except RuleChangeNotAllowed as error:
                self.message_user(request, str(error), messages.ERROR)
            else:
                message = f"{done} is {STEP_WORDS[step]}."
                if step == "approve":
                    message = f"{done} is approved: it is in force now, as version {done.version}."
                self.message_user(request, message)
            return HttpResponseRedirect(here)
        ok, why = can_decide(request.user, change, step)
        context = {
            **self.admin_site.each_context(request),
            "title": f"{step.capitalize()} change {change.pk}: are you sure?",
            "opts": self.model._meta,
            "rule_change": change,
            "differences": differences(change),
            "step": step,
            "label": step.capitalize(),
            "ok": ok,
            "why": why,
            "needs_reason": needs_reason,
            "optional_reason": step == "withdraw",
            "reason_missing": request.method == "POST" and needs_reason and not reason,
        }
        return TemplateResponse(request, "admin/funding/rulechange/confirm.html", context)
