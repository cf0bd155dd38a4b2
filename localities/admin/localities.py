"""Admin for organisations and localities; every page shows the record's history, and staff see only their scope."""

from django.conf import settings
from django.contrib import admin

from onecare.accounts.admin_base import (
    AuditedAdmin,
    ByCommissioner,
    ByLocality,
    ByPractice,
    ScopedStackedInline,
    ScopedTabularInline,
)
from onecare.accounts.roles import Role
from onecare.accounts.scoping import today
from onecare.formats import patients

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
from .periods import ClashAnsweredInWords, MembershipFormSet, PracticeCommissionerFormSet


class ScopedToLocalityAdmin(AuditedAdmin):
    """Staff who are not data admins see the records of the localities their role lets them read."""

    scope = ByLocality("locality")


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


class MembershipInline(ScopedTabularInline):
    model = LocalityMembership
    formset = MembershipFormSet  # one locality at a time, rows checked against each other
    extra = 0
    fields = ["locality", "sub_locality", "valid_from", "valid_to", "opted_out_on", "opt_out_reason"]
    # Opting out and back in are the governance pages' transitions (localities.governance), never a form.
    readonly_fields = ["opted_out_on", "opt_out_reason"]
    autocomplete_fields = ["locality"]


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


# The vehicle's form in the admin: its governance, and the payee record finance pays it by (supplier number and
# bank reference, carried by the payment schedules and remittance advice). Data admins keep the payee record, as they
# keep the other reference data; commissioners, who approve the locality's releases, and finance approvers, who pay
# them, read it here and on the payment runs (nobody who moves the money also says where it goes). The governance
# pages leave it out: the locality's lead records how the locality works, never where its money is paid.
PAYEE_FIELDS = ["supplier_number", "bank_reference"]
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


class PayeeKeptByDataAdmins:
    """The payee record is read-only but to data admins (and superusers)."""

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if request.user.is_superuser or request.user.has_role(Role.DATA_ADMIN):
            return readonly
        return readonly + [field for field in PAYEE_FIELDS if field not in readonly]


class VehicleInline(PayeeKeptByDataAdmins, ScopedStackedInline):
    model = LocalityVehicle
    extra = 0
    fieldsets = VEHICLE_FIELDSETS


class SubLocalityInline(ScopedTabularInline):
    model = SubLocality
    extra = 0


class RepresentativeInline(ScopedTabularInline):
    model = Representative
    extra = 0
    fields = ["role", "name", "email", "practice", "user", "valid_from", "valid_to"]
    autocomplete_fields = ["practice"]


@admin.register(Locality)
class LocalityAdmin(ScopedToLocalityAdmin):
    scope = ByLocality("pk")
    list_display = ["name", "code", "commissioner", "practices_today", "population_today"]
    list_filter = ["commissioner"]
    search_fields = ["name", "code"]
    inlines = [VehicleInline, SubLocalityInline, RepresentativeInline]
    list_select_related = ["commissioner"]

    def get_queryset(self, request):
        return with_population(super().get_queryset(request), today())

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
class LocalityVehicleAdmin(PayeeKeptByDataAdmins, ScopedToLocalityAdmin):
    list_display = ["__str__", "locality", "kind", "pre_existing", "established_on", "supplier_number"]
    fieldsets = [(None, {"fields": ["locality"]}), *VEHICLE_FIELDSETS]
    list_filter = ["kind", "pre_existing"]
    list_select_related = ["locality"]


@admin.register(SubLocality)
class SubLocalityAdmin(ScopedToLocalityAdmin):
    list_display = ["name", "locality"]
    list_filter = ["locality"]
    search_fields = ["name"]
    list_select_related = ["locality"]


@admin.register(LocalityMembership)
class LocalityMembershipAdmin(ClashAnsweredInWords, ScopedToLocalityAdmin):
    list_display = ["practice", "locality", "sub_locality", "valid_from", "valid_to", "opted_out_on"]
    readonly_fields = ["opted_out_on", "opt_out_reason"]  # the governance pages' opt-out transitions only
    list_filter = ["locality", "valid_to"]
    search_fields = ["practice__code", "practice__name"]
    autocomplete_fields = ["practice", "locality"]
    list_select_related = ["practice", "locality", "sub_locality__locality"]


@admin.register(Representative)
class RepresentativeAdmin(ScopedToLocalityAdmin):
    list_display = ["name", "role", "locality", "practice", "valid_from", "valid_to"]
    list_filter = ["role", "locality"]
    search_fields = ["name", "email"]
    autocomplete_fields = ["practice", "locality"]
    list_select_related = ["locality", "practice"]
