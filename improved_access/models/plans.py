"""A locality's IA plan per phase: its session timetable and its declarations with evidence.

Only improved_access.transitions changes a plan's or a declaration's status.
"""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from funding.models import LTS_SCHEME as LTS_SCHEME  # the IA code reads it from here too
from funding.models import PLAN_EVIDENCE_ITEMS
from localities.models import Locality
from onecare import constraints as worded


class Phase(models.IntegerChoices):
    ONE = 1, "Phase 1 (from 1 April 2018)"
    TWO = 2, "Phase 2 (from 1 July 2018)"


PHASE_STARTS = {Phase.ONE: datetime.date(2018, 4, 1), Phase.TWO: datetime.date(2018, 7, 1)}

# The LTS checklist items each phase's plan is the evidence for (funding.models.PLAN_EVIDENCE_ITEMS: 1.7 and 2.4).
PLAN_ITEMS = {Phase(phase): number for phase, number in PLAN_EVIDENCE_ITEMS.items()}


class PlanStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    ACCEPTED = "accepted", "Accepted"
    RETURNED = "returned", "Returned"


class Plan(models.Model):
    """The locality's plan for one IA phase; the plan in force on a day is the latest started by then."""

    locality = models.ForeignKey(Locality, on_delete=models.PROTECT, related_name="ia_plans")
    phase = models.PositiveSmallIntegerField(choices=Phase.choices)
    starts_on = models.DateField(help_text="Phase 1 from 01/04/2018, phase 2 from 01/07/2018.")
    status = models.CharField(max_length=10, choices=PlanStatus.choices, default=PlanStatus.DRAFT)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    return_reason = models.TextField(blank=True)
    evidence = models.OneToOneField(
        "funding.Evidence",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ia_plan",
        help_text="The checklist evidence this plan is (1.7 for phase 1, 2.4 for phase 2): it follows the plan.",
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["locality__name", "phase"]
        constraints = [worded.UniqueConstraint(fields=["locality", "phase"], name="ia_plan_one_per_locality_phase")]

    def __str__(self) -> str:
        return f"{self.locality}: IA phase {self.phase}"


class Weekday(models.IntegerChoices):
    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"


class ClinicianType(models.TextChoices):
    GP = "gp", "GP"
    NURSE = "nurse", "Practice nurse"
    ANP = "anp", "Advanced nurse practitioner"
    HCA = "hca", "Healthcare assistant"
    PHARMACIST = "pharmacist", "Clinical pharmacist"
    OTHER = "other", "Other clinician"


class Booking(models.TextChoices):
    PRE_BOOKABLE = "pre", "Pre-bookable"
    SAME_DAY = "same_day", "Same day"
    BOTH = "both", "Pre-bookable and same day"


class Session(models.Model):
    """A weekly session in the timetable: where, which day, when, who, how long an appointment is."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="sessions")
    site = models.CharField(max_length=200, help_text="The practice or hub where the session runs.")
    is_hub = models.BooleanField(default=False)
    day = models.PositiveSmallIntegerField("day of week", choices=Weekday.choices)
    starts_at = models.TimeField()
    ends_at = models.TimeField()
    clinician_type = models.CharField(max_length=12, choices=ClinicianType.choices, default=ClinicianType.GP)
    appointment_minutes = models.PositiveSmallIntegerField(default=15)
    booking = models.CharField(max_length=10, choices=Booking.choices, default=Booking.BOTH)
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True, help_text="Blank: until further notice.")

    history = HistoricalRecords()

    class Meta:
        ordering = ["plan", "day", "starts_at", "site"]
        constraints = [
            worded.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="ia_session_ends_after_start"),
            worded.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")),
                name="ia_session_valid_period",
            ),
            worded.CheckConstraint(condition=Q(appointment_minutes__gt=0), name="ia_session_appointment_minutes"),
        ]

    def __str__(self) -> str:
        return f"{self.get_day_display()} {self.starts_at:%H:%M}-{self.ends_at:%H:%M} at {self.site}"

    @property
    def minutes(self) -> int:
        return minutes_of(self.starts_at, self.ends_at)

    def holds_on(self, day: datetime.date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


def minutes_of(start: datetime.time, end: datetime.time) -> int:
    return (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)


class DeclarationKind(models.TextChoices):
    ADVERTISING = "advertising", "Advertising to patients"
    RECEPTIONISTS = "receptionists", "Every receptionist able to book extended-hours appointments"
    EQUAL_CHOICE = "equal_choice", "Equal choice of evening and weekend slots"
    DIGITAL = "digital", "Digital approaches"
    INEQUALITIES = "inequalities", "Action on local inequalities in access"
    URGENT_CARE = "urgent_care", "Connection to NHS 111 and urgent care"
    MEASUREMENT = "measurement", "Use of the national appointment measurement tool"


class DeclarationStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    ACCEPTED = "accepted", "Accepted"
    RETURNED = "returned", "Returned"


class Declaration(models.Model):
    """A requirement the plan declares it meets, with its evidence; a commissioner accepts or returns it."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="declarations")
    kind = models.CharField(max_length=20, choices=DeclarationKind.choices)
    evidence = models.TextField(blank=True, help_text="What the locality does, and where it can be seen.")
    status = models.CharField(max_length=10, choices=DeclarationStatus.choices, default=DeclarationStatus.DRAFT)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    return_reason = models.TextField(blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["plan", "kind"]
        constraints = [
            worded.UniqueConstraint(fields=["plan", "kind"], name="ia_declaration_one_per_plan_kind"),
            worded.CheckConstraint(
                condition=~Q(status="returned") | ~Q(return_reason=""), name="ia_returned_declaration_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan}: {self.get_kind_display()}"
