"""The national requirements as data: each rule's threshold and the day it applies from, editable in the admin.

The rule of a kind in force on a day is the active one with the latest applies_from on or before it,
so "30 minutes per 1,000 rising to 45" is two capacity rows. improved_access.compliance applies them.
"""

import datetime
from decimal import Decimal

from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from funding.models.rules import VersionedRule
from localities.models import Basis
from onecare import constraints as worded


class RuleKind(models.TextChoices):
    EVENINGS = "evenings", "Weekday evenings"
    WEEKENDS = "weekends", "Saturday and Sunday"
    CAPACITY = "capacity", "Capacity per 1,000 population"
    BOOKING = "booking", "Pre-bookable and same-day appointments"
    DECLARATIONS = "declarations", "Plan and declarations accepted"
    PHASE_ONE_ITEMS = "phase1_items", "Phase 1 checklist items accepted"
    PHASE_TWO_PLAN = "phase2_plan", "Phase 2 plan accepted"


# What the threshold means for each kind, shown in the admin and on the pages.
THRESHOLD_MEANING = {
    RuleKind.EVENINGS: "minutes after the evening start time on each of Monday to Friday",
    RuleKind.WEEKENDS: "minutes on each of Saturday and Sunday (1 = any provision)",
    RuleKind.CAPACITY: "minutes a week per 1,000 population (registered, unless the rule's basis says weighted)",
    RuleKind.BOOKING: "not used: the timetable must offer pre-bookable and same-day appointments",
    RuleKind.DECLARATIONS: "not used: the plan and every declaration must be accepted",
    RuleKind.PHASE_ONE_ITEMS: "not used: every phase 1 checklist item (1.7 is the phase 1 plan) must be accepted",
    RuleKind.PHASE_TWO_PLAN: "not used: the phase 2 plan (checklist item 2.4) must be accepted",
}


class ComplianceRule(VersionedRule):
    kind = models.CharField(max_length=20, choices=RuleKind.choices)
    applies_from = models.DateField()
    threshold = models.DecimalField(max_digits=8, decimal_places=1, default=Decimal("0"))
    evening_starts_at = models.TimeField(
        null=True, blank=True, help_text="Weekday evenings only: minutes count from this time (18:30)."
    )
    basis = models.CharField(
        "population basis",
        max_length=10,
        choices=Basis.choices,
        default=Basis.REGISTERED,
        help_text="Capacity only: minutes per 1,000 registered (the national requirement) or weighted patients.",
    )
    active = models.BooleanField(default=True)
    note = models.CharField(max_length=200, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["kind", "applies_from"]
        constraints = [
            worded.UniqueConstraint(fields=["kind", "applies_from"], name="ia_rule_one_per_kind_and_date"),
            worded.CheckConstraint(condition=Q(threshold__gte=0), name="ia_rule_threshold_not_negative"),
            worded.CheckConstraint(
                condition=~Q(kind="evenings") | Q(evening_starts_at__isnull=False), name="ia_evening_rule_has_time"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} from {self.applies_from:%d/%m/%Y}: {self.threshold}"


class PaymentTerms(VersionedRule):
    """What a quarter pays: the rate per weighted head and the population reference date, from a quarter on."""

    applies_from = models.DateField(unique=True, help_text="The first day of the first quarter these terms apply to.")
    rate = models.DecimalField("rate per weighted head a quarter (£)", max_digits=6, decimal_places=2)
    reference_date = models.DateField(
        null=True,
        blank=True,
        help_text="The weighted population is the latest list on or before this date; blank: the quarter's first day.",
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["applies_from"]
        verbose_name_plural = "payment terms"
        constraints = [worded.CheckConstraint(condition=Q(rate__gte=0), name="ia_payment_rate_not_negative")]

    def __str__(self) -> str:
        return f"£{self.rate} per weighted head a quarter from {self.applies_from:%d/%m/%Y}"


# Seeded once, by the data migration 0004 (and seed_defaults on an empty database); changed only through the
# four-eyes rule change afterwards.
DEFAULT_RULES = [
    {
        "kind": RuleKind.EVENINGS,
        "applies_from": datetime.date(2018, 4, 1),
        "threshold": Decimal("90"),
        "evening_starts_at": datetime.time(18, 30),
        "note": "1.5 hours a day after 18:30, Monday to Friday",
    },
    {
        "kind": RuleKind.WEEKENDS,
        "applies_from": datetime.date(2018, 4, 1),
        "threshold": Decimal("1"),
        "note": "Provision on both Saturday and Sunday",
    },
    {
        "kind": RuleKind.CAPACITY,
        "applies_from": datetime.date(2018, 4, 1),
        "threshold": Decimal("30"),
        "basis": Basis.REGISTERED,
        "note": "At least 30 minutes per 1,000 population per week",
    },
    {
        "kind": RuleKind.CAPACITY,
        "applies_from": datetime.date(2019, 4, 1),
        "threshold": Decimal("45"),
        "basis": Basis.REGISTERED,
        "note": "Rising to 45 minutes per 1,000 population per week",
    },
    {
        "kind": RuleKind.BOOKING,
        "applies_from": datetime.date(2018, 4, 1),
        "threshold": Decimal("0"),
        "note": "Pre-bookable and same day appointments offered",
    },
    {
        "kind": RuleKind.DECLARATIONS,
        "applies_from": datetime.date(2018, 4, 1),
        "threshold": Decimal("0"),
        "note": "The plan and every declaration accepted by a commissioner",
    },
    {
        "kind": RuleKind.PHASE_ONE_ITEMS,
        "applies_from": datetime.date(2018, 4, 1),
        "threshold": Decimal("0"),
        "note": "Every phase 1 checklist item accepted (1.7 is the phase 1 plan)",
    },
    {
        "kind": RuleKind.PHASE_TWO_PLAN,
        "applies_from": datetime.date(2018, 7, 1),
        "threshold": Decimal("0"),
        "note": "The phase 2 plan (checklist item 2.4) accepted",
    },
]
DEFAULT_PAYMENT_TERMS = {"applies_from": datetime.date(2018, 4, 1), "rate": Decimal("1.50"), "reference_date": None}


def seed_defaults(rule_model=None, terms_model=None, kinds=None) -> int:
    """Write the default rules of each kind that has no rule at all (and the payment terms if there are none).

    Never touches a kind that has rules: a rule changed through the four-eyes change (its date, threshold or
    basis) stays as approved. The data migration calls it with its historical models; tests that start from
    a flushed database (transaction=True) and the demo loader call it with none. Returns how many it wrote.
    """
    rule_model = rule_model or ComplianceRule
    terms_model = terms_model or PaymentTerms
    present = set(rule_model.objects.values_list("kind", flat=True).distinct())
    written = 0
    for rule in DEFAULT_RULES:
        if rule["kind"] in present or (kinds is not None and rule["kind"] not in kinds):
            continue
        rule_model.objects.create(**{k: (v.value if hasattr(v, "value") else v) for k, v in rule.items()})
        written += 1
    if not terms_model.objects.exists():
        terms_model.objects.create(**DEFAULT_PAYMENT_TERMS)
        written += 1
    return written


def defaults_ensure(**kwargs) -> None:
    """The default rules where the database has none of a kind (a flushed test database, an empty demo)."""
    seed_defaults()
