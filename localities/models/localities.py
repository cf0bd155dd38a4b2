"""Localities, their sub-localities and Locality Vehicles, practice memberships and representatives."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from simple_history.models import HistoricalRecords

from onecare import constraints as worded

from ..periods import membership_clash, membership_period
from .dated import Dated, DatedQuerySet
from .organisations import Commissioner, Practice


class Locality(models.Model):
    """A geography of GP practices that should cover at least 100,000 registered patients."""

    code = models.SlugField(max_length=20, unique=True, help_text="A short code, e.g. SBRIS.")
    name = models.CharField(max_length=200, unique=True)
    commissioner = models.ForeignKey(
        Commissioner,
        on_delete=models.PROTECT,
        related_name="localities",
        help_text="The commissioner the locality was formed under.",
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "localities"

    def __str__(self) -> str:
        return self.name


class VehicleKind(models.TextChoices):
    FORMAL = "formal", "Formal entity (e.g. a federation or company)"
    INFORMAL = "informal", "Informal partnership under an inter-practice agreement"


class LocalityVehicle(models.Model):
    """How a locality's practices work together."""

    locality = models.OneToOneField(Locality, on_delete=models.CASCADE, related_name="vehicle")
    kind = models.CharField(max_length=10, choices=VehicleKind.choices)
    legal_name = models.CharField(max_length=200, blank=True, help_text="The registered name of a formal entity.")
    pre_existing = models.BooleanField(default=False, help_text="It existed before the scheme began.")
    established_on = models.DateField(null=True, blank=True)
    decision_rules = models.TextField(blank=True, help_text="How locality decisions are made (checklist item 1.5).")
    ratification_rules = models.TextField(blank=True, help_text="How decisions are ratified (checklist item 1.5).")
    governance_notes = models.TextField(blank=True)
    # The payee record: how finance pays the vehicle (payment schedules and remittance advice carry these).
    supplier_number = models.CharField(
        max_length=30, blank=True, help_text="The payee's supplier number in the CCG's finance ledger."
    )
    bank_reference = models.CharField(
        max_length=18, blank=True, help_text="The reference the payee's bank statement shows for a payment."
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = "Locality Vehicle"

    def __str__(self) -> str:
        return self.legal_name or f"{self.locality} partnership"

    def clean(self) -> None:
        if self.kind == VehicleKind.FORMAL and not self.legal_name:
            raise ValidationError({"legal_name": "A formal entity needs its legal name."})


class SubLocality(models.Model):
    """An optional cluster inside a locality, typically 30,000 to 50,000 patients."""

    locality = models.ForeignKey(Locality, on_delete=models.CASCADE, related_name="sub_localities")
    name = models.CharField(max_length=200)

    history = HistoricalRecords()

    class Meta:
        ordering = ["locality__name", "name"]
        verbose_name = "sub-locality"
        verbose_name_plural = "sub-localities"
        constraints = [worded.UniqueConstraint(fields=["locality", "name"], name="sub_locality_name_unique")]

    def __str__(self) -> str:
        return f"{self.name} ({self.locality})"


class LocalityMembership(Dated):
    """A practice's membership of a locality between two dates, and its opt-out from the vehicle.

    An opted-out practice stays a member for funding: the locality is funded for its whole population.
    """

    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="memberships")
    locality = models.ForeignKey(Locality, on_delete=models.PROTECT, related_name="memberships")
    sub_locality = models.ForeignKey(
        SubLocality, null=True, blank=True, on_delete=models.SET_NULL, related_name="memberships"
    )
    opted_out_on = models.DateField("opted out of the vehicle on", null=True, blank=True)
    opt_out_reason = models.TextField(blank=True)

    history = HistoricalRecords()
    objects = DatedQuerySet.as_manager()

    class Meta:
        ordering = ["locality__name", "practice__code", "valid_from"]
        constraints = [
            Dated.period_constraint("membership_period_in_order"),
            worded.UniqueConstraint(fields=["practice", "valid_from"], name="one_membership_per_practice_start"),
            worded.CheckConstraint(
                condition=models.Q(opted_out_on__isnull=True) | ~models.Q(opt_out_reason=""),
                name="opt_out_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.practice.code} in {self.locality} from {self.valid_from:%d/%m/%Y}"

    @property
    def opted_out(self) -> bool:
        return self.opted_out_on is not None

    def clean(self) -> None:
        super().clean()
        errors = {}
        if self.opted_out_on and not self.opt_out_reason.strip():
            errors["opt_out_reason"] = "Give the reason the practice opted out."
        if self.sub_locality_id and self.locality_id and self.sub_locality.locality_id != self.locality_id:
            errors["sub_locality"] = "The sub-locality must be part of the same locality."
        if errors:
            raise ValidationError(errors)
        if self.practice_id and self.valid_from and not self.overlaps_checked_elsewhere:
            clash = self.overlapping(self.practice.memberships.select_related("locality"))
            clash = clash.order_by("valid_from").first()
            if clash is not None:
                raise ValidationError(membership_clash(self.practice, membership_period(clash)), code="overlap")


class RepresentativeRole(models.TextChoices):
    LEAD = "lead", "Lead representative"
    DEPUTY = "deputy", "Deputy"


class Representative(Dated):
    """A lead representative or deputy of a locality's vehicle, between two dates."""

    locality = models.ForeignKey(Locality, on_delete=models.CASCADE, related_name="representatives")
    role = models.CharField(max_length=10, choices=RepresentativeRole.choices)
    name = models.CharField(max_length=200)
    email = models.EmailField(blank=True)
    practice = models.ForeignKey(
        Practice, null=True, blank=True, on_delete=models.SET_NULL, related_name="representatives"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="representative_roles",
        help_text="The portal account of this person, if they have one.",
    )

    history = HistoricalRecords()
    objects = DatedQuerySet.as_manager()

    class Meta:
        ordering = ["locality__name", "role", "valid_from"]
        constraints = [Dated.period_constraint("representative_period_in_order")]

    def __str__(self) -> str:
        return f"{self.name}, {self.get_role_display().lower()} of {self.locality}"
