"""Ballots in the admin: editable while a draft; opening, closing and certifying go through the transitions."""

from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.utils import timezone

from onecare.accounts.admin_base import AuditedAdmin, ByLocality, ScopedTabularInline

from .models import Ballot, BallotStatus, Candidate, Decision, Vote
from .transitions import BallotError, ballot_close, ballot_open, decision_record, decision_settle


class CandidateInline(ScopedTabularInline):
    model = Candidate
    extra = 0
    fields = ["name", "practice", "nominated_by", "nominated_on", "statement"]
    autocomplete_fields = ["practice"]

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and (obj is None or obj.status == BallotStatus.DRAFT)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and (obj is None or obj.status == BallotStatus.DRAFT)

    def has_delete_permission(self, request, obj=None):
        return self.has_change_permission(request, obj)


class VoteInline(ScopedTabularInline):
    model = Vote
    extra = 0
    fields = ["practice", "channel", "answer", "received_on", "cast_by", "recorded_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def _run(modeladmin, request, queryset, transition, done):
    for ballot in queryset:
        try:
            transition(ballot, actor=request.user)
            modeladmin.message_user(request, f"{ballot}: {done}.", messages.SUCCESS)
        except BallotError as error:
            modeladmin.message_user(request, f"{ballot}: {error}", messages.ERROR)


@admin.action(description="Open the selected ballots (fixes the electorate)")
def open_ballots(modeladmin, request, queryset):
    _run(modeladmin, request, queryset, ballot_open, "opened")


@admin.action(description="Close the selected ballots for the scrutineer to certify")
def close_ballots(modeladmin, request, queryset):
    """Close at once when voting has ended; a ballot whose postal deadline or meeting is still to come is closed
    only after a warning page naming the days left, confirmed by the returning officer."""
    today = timezone.localdate()
    early = [b for b in queryset if b.status == BallotStatus.OPEN and b.last_voting_day >= today]
    if early and request.POST.get("confirm_early_close") != "yes":
        rows = [(b, (b.last_voting_day - today).days) for b in early]
        context = {
            **modeladmin.admin_site.each_context(request),
            "title": "Close ballots before voting has ended?",
            "opts": modeladmin.model._meta,
            "early": rows,
            "selected": queryset.values_list("pk", flat=True),
            "action": "close_ballots",
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/ballots/ballot/confirm_close.html", context)
    _run(modeladmin, request, queryset, ballot_close, "closed")


@admin.register(Ballot)
class BallotAdmin(AuditedAdmin):
    list_display = ["title", "kind", "electorate", "locality", "opens_at", "postal_deadline", "meeting_date", "status"]
    list_filter = ["status", "kind", "electorate"]
    search_fields = ["title", "question"]
    readonly_fields = ["status", "opened_by", "closed_at", "certified_by", "certified_at", "certified_result"]
    inlines = [CandidateInline, VoteInline]
    actions = [open_ballots, close_ballots]

    def has_change_permission(self, request, obj=None):
        # Only a draft is edited here; after that, only the transitions change a ballot, and never once certified.
        return super().has_change_permission(request, obj) and (obj is None or obj.status == BallotStatus.DRAFT)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and (obj is None or obj.status == BallotStatus.DRAFT)


@admin.register(Decision)
class DecisionAdmin(AuditedAdmin):
    scope = ByLocality("locality")
    list_display = ["locality", "text", "decided_on", "ballot", "outcome"]
    list_filter = ["outcome", "locality"]
    readonly_fields = ["outcome"]
    autocomplete_fields = ["ballot"]
    fields = ["locality", "text", "decided_on", "ballot", "outcome"]

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            decision_settle(obj)
            return
        try:
            saved = decision_record(
                obj.locality, actor=request.user, text=obj.text, decided_on=obj.decided_on, ballot=obj.ballot
            )
        except BallotError as error:
            self.message_user(request, str(error), messages.ERROR)
            return
        obj.pk = saved.pk
