from django import forms
from django.contrib import admin, messages

from onecare.accounts.admin_base import AuditedAdmin

from .models import Member
from .transitions import FIELDS, MOVES, RegisterError, member_update


class MemberForm(forms.ModelForm):
    class Meta:
        model = Member
        fields = ["practice", "status", "invited_on", "joined_on", "left_on", "share_certificate_number"]
        fields += ["share_paid_on", "lead_name", "lead_job_title", "lead_email", "lead_phone", "lead_user", "notes"]

    def clean_status(self):
        status = self.cleaned_data["status"]
        old = self.instance.status if self.instance.pk else None
        if old and status != old and status not in MOVES[old]:
            raise forms.ValidationError(f"A practice that is {old} cannot become {status}.")
        return status


@admin.register(Member)
class MemberAdmin(AuditedAdmin):
    form = MemberForm
    list_display = ["practice", "status", "share_certificate_number", "share_paid_on", "lead_name", "lead_email"]
    list_filter = ["status"]
    search_fields = ["practice__code", "practice__name", "lead_name", "share_certificate_number"]
    list_select_related = ["practice"]
    autocomplete_fields = ["practice"]
    raw_id_fields = ["lead_user"]
    fieldsets = [
        (None, {"fields": ["practice", "status", "invited_on", "joined_on", "left_on"]}),
        ("Share", {"fields": ["share_certificate_number", "share_paid_on"]}),
        ("Named lead", {"fields": ["lead_name", "lead_job_title", "lead_email", "lead_phone", "lead_user"]}),
        (None, {"fields": ["notes"]}),
    ]

    def get_readonly_fields(self, request, obj=None):
        return ["practice"] if obj else []

    def save_model(self, request, obj, form, change):
        if not change:
            # A new entry starts as it is entered; its history records who added it.
            super().save_model(request, obj, form, change)
            return
        # A change goes through the register's one transition, which checks the status move.
        changes = {name: form.cleaned_data[name] for name in form.changed_data if name in FIELDS}
        try:
            member_update(Member.objects.get(pk=obj.pk), actor=request.user, **changes)
        except RegisterError as error:
            self.message_user(request, f"Not saved: {error}", messages.ERROR)
