"""Tranches (editable rules) and releases (approved here by CCG staff) in the Django admin.

Releases are read-only forms: every change of state goes through funding.release_transitions, from
the buttons on a release's page or the bulk actions (each with a confirmation page: count and total).
The steps, and what a release waits for in words, are funding.release_actions', as on the portal's
release page (funding.views_releases), which each release's page here links to.
"""

from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList
from django.core.paginator import InvalidPage
from django.db.models import Q
from django.db.models.fields.json import KT
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from localities.formats import source_kinds
from localities.models import Locality
from onecare.accounts.admin_base import AuditedAdmin, ByCondition, ByLocality, ScopedAdmin, admin_localities
from onecare.formats import money, patients
from onecare.pagecache import cached_page

from ..models import MilestoneEvaluation, Release, Tranche
from ..release_actions import (
    STEPS,
    offers,
    reopen,
    reopenable,
    run_step,
    what_happened,
    what_remains,
)
from ..release_page import RELATED, explained
from ..release_transitions import exception_needed
from ..release_workflow import RELEASES, delegated_limit, needs_second_approval
from .payment_runs import add_to_payment_run
from .rules import ProposeChanges
from .totals import ZERO, totals


@admin.register(Tranche)
class TrancheAdmin(ProposeChanges, AuditedAdmin):
    list_display = [
        "code",
        "name",
        "scheme",
        "rate",
        "basis",
        "opens_on_joining",
        "reference_date",
        "releasable_from",
        "due_by",
        "active",
    ]
    list_filter = ["scheme", "active"]
    filter_horizontal = ["gate_items", "after"]


def localities_of_releases(request, model_admin, releases=None) -> list[Locality]:
    """The localities of the releases the user may see (`releases`: the admin's queryset for the user, which the
    changelist has already), each with its CCG, in the order of Django's filter (the locality admin's, else the
    model's): one query a request, read by the filters of both and by the rows. Each reads only the fields its name
    shows (Locality.__str__, Commissioner.__str__) and the code (the rows' references)."""
    found = getattr(request, "_localities_of_releases", None)
    if found is None:
        releases = (model_admin.get_queryset(request) if releases is None else releases).values("locality_id")
        localities = (
            Locality._default_manager.filter(pk__in=releases)
            .select_related("commissioner")
            .only("code", "name", "commissioner__name", "commissioner__code")
        )
        ordering = model_admin.admin_site.get_model_admin(Locality).get_ordering(request)
        found = request._localities_of_releases = list(localities.order_by(*ordering) if ordering else localities)
    return found


def all_tranches(request, model_admin) -> list[Tranche]:
    """Every tranche, as Django's filter of a foreign key lists them (in the order of the tranche admin, else the
    model's), with only the fields its name shows (Tranche.__str__): one query a request, read by the tranche filter
    and by the rows."""
    found = getattr(request, "_all_tranches", None)
    if found is None:
        tranches = Tranche._default_manager.only("code", "rate")
        ordering = model_admin.admin_site.get_model_admin(Tranche).get_ordering(request)
        found = request._all_tranches = list(tranches.order_by(*ordering) if ordering else tranches)
    return found


class LocalitiesOfReleases(admin.RelatedOnlyFieldListFilter):
    """Django's filter of the localities the user's releases are of (RelatedOnlyFieldListFilter), from the query that
    also gives their CCGs."""

    def field_choices(self, field, request, model_admin):
        return [(locality.pk, str(locality)) for locality in localities_of_releases(request, model_admin)]


class CommissionersOfReleases(admin.RelatedOnlyFieldListFilter):
    """Django's filter of the CCGs the user's releases are of (RelatedOnlyFieldListFilter), without a query of its
    own when they are all of one CCG (a commissioner's): Django shows no filter with one choice."""

    def field_choices(self, field, request, model_admin):
        localities = localities_of_releases(request, model_admin)
        ccgs = {locality.commissioner_id: locality.commissioner for locality in localities}
        if len(ccgs) < 2:
            return [(ccg.pk, str(ccg)) for ccg in ccgs.values()]
        return super().field_choices(field, request, model_admin)


class AllTranches(admin.RelatedFieldListFilter):
    """Django's filter of the tranches (RelatedFieldListFilter), from the query that also gives the rows theirs."""

    def field_choices(self, field, request, model_admin):
        return [(tranche.pk, str(tranche)) for tranche in all_tranches(request, model_admin)]


# What the changelist's columns and each row's name (Release.__str__) read of the release: its locality and tranche are
# those the filters read (localities_of_releases, all_tranches). A column that reads another field must be named here,
# or each row would load it with a query of its own (tests/funding/test_release_admin.py counts them).
ROW_FIELDS = [
    "locality",
    "tranche",
    "kind",
    "amount",
    "state",
    "proposed_at",
    "late",
    "below_minimum",
]


LOCALITY = Release._meta.get_field("locality")
TRANCHE = Release._meta.get_field("tranche")


class ReleaseChangeList(ChangeList):
    """Counts the releases once: the totals above the list (one query grouped by state: funding.admin.totals) give
    how many the filters select, which the paginator would count again and, with nothing filtered or searched, the
    count of every release the user may see a third time. Its rows read their localities and tranches from the
    filters' queries rather than joining them again (about a hundred model instances fewer for a page of fifty)."""

    def apply_select_related(self, qs):
        return qs  # the rows' localities and tranches: with_relations

    def get_filters(self, request):
        localities_of_releases(request, self.model_admin, self.root_queryset)  # read by two filters and the rows
        return super().get_filters(request)

    def get_results(self, request):
        self.totals = totals(self.queryset)
        # The rows read only what the columns show (and the row's name, the checkbox's label): the rule applied, a
        # JSON document, only for the scheme it names, and none of the release's other fields.
        rows = self.queryset.only(*ROW_FIELDS).annotate(rule_scheme=KT("rule__scheme"))
        paginator = self.model_admin.get_paginator(request, rows, self.list_per_page)
        if not self.queryset.query.distinct:  # a search that may repeat rows: the paginator counts distinct ones
            paginator.count = self.totals["count"]
        result_count = paginator.count
        if not self.model_admin.show_full_result_count:
            full_result_count = None
        elif self.get_filters_params() or self.query or self.queryset.query.distinct:
            full_result_count = self.root_queryset.count()
        else:  # nothing in the query string narrows the list (none of its filters selects anything by default)
            full_result_count = result_count
        # From here as Django's ChangeList.get_results.
        can_show_all = result_count <= self.list_max_show_all
        multi_page = result_count > self.list_per_page
        if (self.show_all and can_show_all) or not multi_page:
            result_list = rows
        else:
            try:
                result_list = paginator.page(self.page_num).object_list
            except InvalidPage:
                raise IncorrectLookupParameters from None
        self.result_count = result_count
        self.show_full_result_count = self.model_admin.show_full_result_count
        self.show_admin_actions = not self.show_full_result_count or bool(full_result_count)
        self.full_result_count = full_result_count
        self.result_list = self.with_relations(request, result_list)
        self.can_show_all = can_show_all
        self.multi_page = multi_page
        self.paginator = paginator

    def with_relations(self, request, releases) -> list[Release]:
        """The rows, each with its locality and tranche from the lists the filters read: the rows are releases the
        user may see, so of those localities (one created since is left to load itself)."""
        localities = {locality.pk: locality for locality in localities_of_releases(request, self.model_admin)}
        tranches = {tranche.pk: tranche for tranche in all_tranches(request, self.model_admin)}
        releases = list(releases)
        for release in releases:
            if release.locality_id in localities:
                LOCALITY.set_cached_value(release, localities[release.locality_id])
            if release.tranche_id in tranches:
                TRANCHE.set_cached_value(release, tranches[release.tranche_id])
        return releases


@admin.register(Release)
class ReleaseAdmin(AuditedAdmin):
    scope = ByLocality("locality")
    list_display = ["reference", "locality", "tranche", "kind", "amount_shown", "state", "proposed_at", "flags"]
    list_per_page = 50  # a screenful to review; the totals above the list cover every page
    # Only the localities (and commissioners) with releases the user can see: England has 1,250 localities.
    list_filter = [
        "state",
        ("locality__commissioner", CommissionersOfReleases),
        ("locality", LocalitiesOfReleases),
        ("tranche", AllTranches),
        "kind",
        "late",
        "below_minimum",
    ]
    search_fields = ["locality__name", "locality__code"]
    actions = ["approve_selected", "authorise_selected", "reject_selected", add_to_payment_run]
    change_list_template = "admin/funding/release/change_list.html"
    change_form_template = "admin/funding/release/change_form.html"
    # Figures as people read them (onecare.formats): £81,753.00, 163,506 patients, sources in words.
    readonly_fields = [
        "locality",
        "tranche",
        "kind",
        "adjusts",
        "state",
        "amount_shown",
        "rate_shown",
        "basis",
        "population_shown",
        "reference_date",
        "snapshot_date",
        "sources_shown",
        "reason",
        "evaluation",
        "triggered_by",
        "proposed_at",
        "approved_by",
        "approved_at",
        "authorised_by",
        "authorised_at",
        "payment_run",
        "paid_on",
        "late",
        "late_because",
        "below_minimum",
        "below_minimum_because",
    ]
    # The rule is on the portal's page in words; the raw figures are shown formatted above (the *_shown fields).
    exclude = ["rule", "amount", "rate", "population", "snapshot_sources"]

    @admin.display(description="Reference")
    def reference(self, obj):
        """Release.reference, with the scheme that the list reads from the rule in its query (ReleaseChangeList)."""
        return obj.reference_naming(obj.rule_scheme)

    @admin.display(description="Amount", ordering="amount")
    def amount_shown(self, obj):
        return money(obj.amount)

    @admin.display(description="Rate per head")
    def rate_shown(self, obj):
        return money(obj.rate)

    @admin.display(description="Population")
    def population_shown(self, obj):
        return f"{patients(obj.population)} {obj.get_basis_display().lower()}"

    @admin.display(description="List sizes from")
    def sources_shown(self, obj):
        return source_kinds(obj.snapshot_sources)

    @admin.display(description="Needs a reason to approve")
    def flags(self, obj):
        """Late, under the minimum, or both: approving it needs a recorded reason."""
        words = [w for w, flag in (("late", obj.late), ("under the minimum", obj.below_minimum)) if flag]
        return ", ".join(words) or "-"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_changelist(self, request, **kwargs):
        return ReleaseChangeList

    @cached_page
    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        if hasattr(response, "context_data") and "cl" in response.context_data:
            response.context_data["totals"] = response.context_data["cl"].totals
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        release = self.get_scoped_or_404(request, object_id, self.get_queryset(request).select_related(*RELATED))
        # The portal's steps and words (funding.release_actions, funding.release_page): refusals about the person,
        # and otherwise where the release stands, rather than "a release that is approved cannot be approved".
        details = explained(release)
        allowed, refused = offers(request.user, release)
        limit = delegated_limit()
        extra_context = {
            **(extra_context or {}),
            **details,
            "release": release,
            "transitions": details["history"],
            "allowed": allowed,
            "refused": refused,
            "happened": what_happened(release, details["history"][-1] if details["history"] else None),
            "remains": what_remains(release, limit),
            "tag_class": RELEASES.tag_class(release.state),
            "limit": limit,
            "second_approval": needs_second_approval(release.amount, limit),
            "exception": exception_needed(release),
            "reopen": reopenable(request.user, release),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def get_urls(self):
        custom = [
            path(
                "<path:object_id>/step/<str:step>/",
                self.admin_site.admin_view(self.step_view),
                name="funding_release_step",
            ),
        ]
        return custom + super().get_urls()

    def reopen_view(self, request, object_id):
        """POST (the "reopen" step): return a rejected release's gate evidence to the locality to be put right (a
        reason), so that the evaluation proposes the tranche again once it is accepted again (funding/MONEY.md)."""
        release = self.get_scoped_or_404(request, object_id)
        reason = request.POST.get("reason", "").strip()
        done, refused = reopen(request.user, release, reason) if reason else ("", [])
        if not reason:
            refused.append("Give the reason the evidence is being returned.")
        for message in refused:
            self.message_user(request, message, messages.ERROR)
        if done:
            self.message_user(request, done)
        return HttpResponseRedirect(reverse("admin:funding_release_change", args=[release.pk]))

    def step_view(self, request, object_id, step):
        if request.method == "POST" and step == "reopen":
            return self.reopen_view(request, object_id)
        if request.method != "POST" or step not in STEPS:
            return HttpResponseNotAllowed(["POST"])
        release = self.get_scoped_or_404(request, object_id)
        done, refused = run_step(step, [release], actor=request.user, reason=request.POST.get("reason", ""))
        for message in refused:
            self.message_user(request, message, messages.ERROR)
        if done:
            release.refresh_from_db()
            self.message_user(request, f"{release.reference} is now {release.get_state_display().lower()}.")
        return HttpResponseRedirect(reverse("admin:funding_release_change", args=[release.pk]))

    def _bulk(self, request, queryset, step: str):
        needs_reason = STEPS[step].needs_reason
        queryset = queryset.select_related("locality", "tranche")
        # Approving a late or under-minimum release needs a recorded reason: asked for only when one is selected.
        exceptions = step == "approve" and queryset.filter(Q(late=True) | Q(below_minimum=True)).exists()
        needs_reason = needs_reason or exceptions
        reason = request.POST.get("reason", "").strip()
        if request.POST.get("confirm") == "yes" and (reason or not needs_reason):
            done, refused = run_step(step, list(queryset), actor=request.user, reason=reason)
            for message in refused:
                self.message_user(request, message, messages.ERROR)
            if done:
                amount = sum((r.amount for r in done), ZERO)
                label = RELEASES.step(step).target.label.lower()
                self.message_user(request, f"{len(done)} releases {label}, {money(amount)} in all.")
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": f"{RELEASES.step(step).label}: are you sure?",
            "opts": self.model._meta,
            "step": step,
            "label": RELEASES.step(step).label,
            "action": f"{step}_selected",
            "releases": queryset,
            "totals": totals(queryset),
            "needs_reason": needs_reason,
            "exceptions": exceptions,
            "reason_missing": request.POST.get("confirm") == "yes" and needs_reason and not reason,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/funding/release/confirm_step.html", context)

    @admin.action(description="Approve the selected releases")
    def approve_selected(self, request, queryset):
        return self._bulk(request, queryset, "approve")

    @admin.action(description="Authorise the selected releases (second approval)")
    def authorise_selected(self, request, queryset):
        return self._bulk(request, queryset, "authorise")

    @admin.action(description="Reject the selected releases")
    def reject_selected(self, request, queryset):
        return self._bulk(request, queryset, "reject")


@admin.register(MilestoneEvaluation)
class MilestoneEvaluationAdmin(ScopedAdmin):
    # An evaluation is seen by whoever triggered it and by those who may see a release it proposed.
    scope = ByCondition(
        lambda user: Q(releases__locality__in=admin_localities(user).values("pk")) | Q(triggered_by=user.pk)
    )
    list_display = ["started_at", "at", "trigger", "triggered_by", "proposed", "adjustments", "amount"]
    readonly_fields = [f.name for f in MilestoneEvaluation._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
