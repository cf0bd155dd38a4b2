from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.utils import timezone

from onecare.accounts.admin_base import AuditedAdmin

from .models import Member, MemberStatus
from .transitions import FIELDS, MOVES, RegisterError, member_invite, member_update


class MemberForm(forms.ModelForm):
    class Meta:
        model = Member
        fields = ["practice", "status", "invited_on", "joined_on", "left_on", "share_certificate_number"]
        fields += ["share_paid_on", "lead_name", "lead_job_title", "lead_email", "lead_phone", "lead_user", "notes"]

    def clean_status(self):
        status = self.cleaned_data["status"]
        # A new entry starts as invited, so it may be entered as invited or as what an invitation may become.
        old = self.instance.status if self.instance.pk else MemberStatus.INVITED
        if status != old and status not in MOVES[old]:
            old_label, new_label = MemberStatus(old).label.lower(), MemberStatus(status).label.lower()
            raise forms.ValidationError(f"A practice that is {old_label} cannot become {new_label}.")
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
        # Every status, a new entry's included, is set by the register's transitions: a new entry is invited,
        # then moved to the status entered (a move MOVES allows), with the other fields, in one transaction.
        changes = {name: form.cleaned_data[name] for name in form.changed_data if name in FIELDS}
        try:
            with transaction.atomic():
                if change:
                    member = Member.objects.get(pk=obj.pk)
                else:
                    invited_on = form.cleaned_data.get("invited_on") or timezone.localdate()
                    member = member_invite(obj.practice, actor=request.user, invited_on=invited_on)
                    changes.pop("invited_on", None)
                    if changes.get("status") == MemberStatus.INVITED:
                        changes.pop("status")
                    obj.pk = member.pk
                if changes:
                    member_update(member, actor=request.user, **changes)
        except RegisterError as error:
            self.message_user(request, f"Not saved: {error}", messages.ERROR)
