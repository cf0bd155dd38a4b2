"""Admin for organisations and localities; every page shows the record's history, and staff see only their scope.

A locality's governance (its vehicle and rules, sub-localities, memberships and opt-outs, representatives) changes
through localities.governance only, which checks the person may, locks the locality, validates and records the person
in the history: the portal's governance pages call it. Here those records are read, each page linking to the
locality's governance page; data admins keep the vehicle's payee record, through governance.vehicle_payee_update.
"""

from django.conf import settings
from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from onecare.accounts.admin_base import (
    AuditedAdmin,
    ByCommissioner,
    ByLocality,
    ByPractice,
    ScopedStackedInline,
    ScopedTabularInline,
)
from onecare.accounts.scoping import today
from onecare.formats import patients

from .. import governance
from ..importing.exports import ListSizeResource, PracticeResource
from ..models import (
    Commissioner,
    ListSizeSnapshot,
    Locality,
    LocalityMembership,
    LocalityVehicle,
    Practice,
    PracticeCommissioner,
    Representative,
    SubLocality,
)
from ..population import with_population
from .imports import NotInLocalityFilter, PracticeDataExportMixin
from .periods import ClashAnsweredInWords, PracticeCommissionerFormSet


def governance_link(locality: Locality | None):
    if locality is None or locality.pk is None:
        return "Recorded on the locality's governance page in the portal, once the locality is saved."
    return format_html(
        '<a href="{}">Open {}\'s governance page in the portal</a> (its vehicle, representatives, sub-localities, '
        "practices and opt-outs are recorded there)",
        reverse("localities:governance", args=[locality.code]),
        locality.name,
    )


class ReadOnlyInline:
    """An inline of governance records: read here, changed through localities.governance (the portal's pages)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class GovernanceRecordAdmin(AuditedAdmin):
    """A locality's governance records, seen by staff within the localities their role lets them read, never added,
    changed or deleted here: the page links to the locality's governance page, where localities.governance does it."""

    scope = ByLocality("locality")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), "governance_page"]

    @admin.display(description="Governance page")
    def governance_page(self, record):
        return governance_link(getattr(record, "locality", None))


@admin.register(Commissioner)
class CommissionerAdmin(AuditedAdmin):
    scope = ByCommissioner("pk")
    list_display = ["code", "name", "valid_from", "valid_to", "successor"]
    search_fields = ["code", "name"]


class PracticeCommissionerInline(ScopedTabularInline):
    model = PracticeCommissioner
    formset = PracticeCommissionerFormSet  # one commissioner at a time, rows checked against each other
    extra = 0
    autocomplete_fields = ["commissioner"]


class MembershipInline(ReadOnlyInline, ScopedTabularInline):
    """A practice's memberships, read: which practices a locality holds, their sub-localities and opt-outs change on
    the locality's governance pages (localities.governance), and in bulk by the membership template's import."""

    model = LocalityMembership
    extra = 0
    fields = ["locality", "sub_locality", "valid_from", "valid_to", "opted_out_on", "opt_out_reason"]


@admin.register(Practice)
class PracticeAdmin(PracticeDataExportMixin, ClashAnsweredInWords, AuditedAdmin):
    """Practices, with the practice data import and the formula-safe CSV/XLSX export (.imports)."""

    scope = ByPractice("pk")
    resource_classes = [PracticeResource]
    list_display = ["code", "name", "postcode", "status", "opened_on", "closed_on"]
    list_filter = ["status", "commissioner_links__commissioner", NotInLocalityFilter]
    search_fields = ["code", "name", "postcode"]
    inlines = [PracticeCommissionerInline, MembershipInline]


@admin.register(PracticeCommissioner)
class PracticeCommissionerAdmin(ClashAnsweredInWords, AuditedAdmin):
    scope = ByPractice("practice")
    list_display = ["practice", "commissioner", "valid_from", "valid_to"]
    list_filter = ["commissioner"]
    search_fields = ["practice__code", "practice__name"]
    autocomplete_fields = ["practice", "commissioner"]
    list_select_related = ["practice", "commissioner"]


@admin.register(ListSizeSnapshot)
class ListSizeSnapshotAdmin(PracticeDataExportMixin, AuditedAdmin):
    """List sizes, with the practice data import and the formula-safe CSV/XLSX export (.imports)."""

    scope = ByPractice("practice")
    resource_classes = [ListSizeResource]
    list_display = ["practice", "extract_date", "registered", "weighted", "source_kind", "source"]
    list_filter = ["source_kind", "extract_date"]
    search_fields = ["practice__code", "practice__name"]
    date_hierarchy = "extract_date"
    autocomplete_fields = ["practice"]
    list_select_related = ["practice"]

    @admin.display(description="registered patients", ordering="registered_patients")
    def registered(self, snapshot: ListSizeSnapshot) -> str:
        return patients(snapshot.registered_patients)

    @admin.display(description="weighted patients", ordering="weighted_patients")
    def weighted(self, snapshot: ListSizeSnapshot) -> str:
        return patients(snapshot.weighted_patients)


# The vehicle's page in the admin: its governance, and the payee record finance pays it by (supplier number and bank
# reference, carried by the payment schedules and remittance advice). Data admins keep the payee record, as they keep
# the other reference data (governance.can_keep_payee_record); commissioners, who approve the locality's releases, and
# finance approvers, who pay them, read it here and on the payment runs (nobody who moves the money also says where it
# goes). The governance pages leave it out: the locality's lead records how the locality works, never where its money
# is paid. Everything else on the vehicle is recorded on those pages.
PAYEE_FIELDS = list(governance.PAYEE_FIELDS)
VEHICLE_FIELDSETS = [
    (None, {"fields": ["kind", "legal_name", "pre_existing", "established_on"]}),
    ("Governance", {"fields": ["decision_rules", "ratification_rules", "governance_notes"]}),
    (
        "Payee record",
        {
            "fields": PAYEE_FIELDS,
            "description": "How finance pays the vehicle: payment schedules and remittance advice carry these.",
        },
    ),
]


class VehicleInline(ReadOnlyInline, ScopedStackedInline):
    model = LocalityVehicle
    extra = 0
    fieldsets = VEHICLE_FIELDSETS


class SubLocalityInline(ReadOnlyInline, ScopedTabularInline):
    model = SubLocality
    extra = 0


class RepresentativeInline(ReadOnlyInline, ScopedTabularInline):
    model = Representative
    extra = 0
    fields = ["role", "name", "email", "practice", "user", "valid_from", "valid_to"]


@admin.register(Locality)
class LocalityAdmin(AuditedAdmin):
    """A locality's name, code and commissioner are kept here (data admins and its commissioners add localities);
    its governance, shown read-only below them, is recorded on its governance page in the portal."""

    scope = ByLocality("pk")
    list_display = ["name", "code", "commissioner", "practices_today", "population_today"]
    list_filter = ["commissioner"]
    search_fields = ["name", "code"]
    readonly_fields = ["governance_page"]
    inlines = [VehicleInline, SubLocalityInline, RepresentativeInline]
    list_select_related = ["commissioner"]

    def get_queryset(self, request):
        return with_population(super().get_queryset(request), today())

    @admin.display(description="Governance page")
    def governance_page(self, locality: Locality):
        return governance_link(locality)

    @admin.display(description="practices today", ordering="practice_count")
    def practices_today(self, locality: Locality) -> int:
        return locality.practice_count

    @admin.display(description="registered population today", ordering="population")
    def population_today(self, locality: Locality) -> str:
        figure = patients(locality.population)
        if locality.population < settings.LOCALITY_MINIMUM_POPULATION:
            return f"{figure} (below the {patients(settings.LOCALITY_MINIMUM_POPULATION)} minimum)"
        return figure


@admin.register(LocalityVehicle)
class LocalityVehicleAdmin(GovernanceRecordAdmin):
    """Read, but for the payee record, which data admins change through governance.vehicle_payee_update."""

    list_display = ["__str__", "locality", "kind", "pre_existing", "established_on", "supplier_number"]
    fieldsets = [(None, {"fields": ["locality", "governance_page"]}), *VEHICLE_FIELDSETS]
    list_filter = ["kind", "pre_existing"]
    list_select_related = ["locality"]

    def has_change_permission(self, request, obj=None):
        # The model permission, and the payee rule: only the payee record is ever changed here.
        may_change = super(GovernanceRecordAdmin, self).has_change_permission(request, obj)
        return may_change and governance.can_keep_payee_record(request.user)[0]

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        fields = ["locality", *governance.VEHICLE_FIELDS]
        return readonly + [field for field in fields if field not in readonly]

    def save_model(self, request, obj, form, change):
        """Only the payee record is in the form: it changes through localities.governance, never form.save()."""
        governance.vehicle_payee_update(
            obj,
            actor=request.user,
            supplier_number=form.cleaned_data["supplier_number"],
            bank_reference=form.cleaned_data["bank_reference"],
        )

    def save_related(self, request, form, formsets, change):
        """The vehicle has no related records kept here."""


@admin.register(SubLocality)
class SubLocalityAdmin(GovernanceRecordAdmin):
    list_display = ["name", "locality"]
    list_filter = ["locality"]
    search_fields = ["name"]
    list_select_related = ["locality"]


@admin.register(LocalityMembership)
class LocalityMembershipAdmin(GovernanceRecordAdmin):
    """Which practices a locality holds (and their opt-outs) change on its governance pages, by its commissioners
    (localities.governance), and in bulk by the membership template's import; here they are read."""

    list_display = ["practice", "locality", "sub_locality", "valid_from", "valid_to", "opted_out_on"]
    list_filter = ["locality", "valid_to"]
    search_fields = ["practice__code", "practice__name"]
    list_select_related = ["practice", "locality", "sub_locality__locality"]


@admin.register(Representative)
class RepresentativeAdmin(GovernanceRecordAdmin):
    list_display = ["name", "role", "locality", "practice", "valid_from", "valid_to"]
    list_filter = ["role", "locality"]
    search_fields = ["name", "email"]
    list_select_related = ["locality", "practice"]
