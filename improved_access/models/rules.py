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


class RuleKind(models.TextChoices):
    EVENINGS = "evenings", "Weekday evenings"
    WEEKENDS = "weekends", "Saturday and Sunday"
    CAPACITY = "capacity", "Capacity per 1,000 weighted population"
    DECLARATIONS = "declarations", "Plan and declarations accepted"


# What the threshold means for each kind, shown in the admin and on the pages.
THRESHOLD_MEANING = {
    RuleKind.EVENINGS: "minutes after the evening start time on each of Monday to Friday",
    RuleKind.WEEKENDS: "minutes on each of Saturday and Sunday (1 = any provision)",
    RuleKind.CAPACITY: "minutes a week per 1,000 weighted population",
    RuleKind.DECLARATIONS: "not used: the plan and every declaration must be accepted",
}


class ComplianceRule(VersionedRule):
    kind = models.CharField(max_length=20, choices=RuleKind.choices)
    applies_from = models.DateField()
    threshold = models.DecimalField(max_digits=8, decimal_places=1, default=Decimal("0"))
    evening_starts_at = models.TimeField(
        null=True, blank=True, help_text="Weekday evenings only: minutes count from this time (18:30)."
    )
    active = models.BooleanField(default=True)
    note = models.CharField(max_length=200, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["kind", "applies_from"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "applies_from"], name="ia_rule_one_per_kind_and_date"),
            models.CheckConstraint(condition=Q(threshold__gte=0), name="ia_rule_threshold_not_negative"),
            models.CheckConstraint(
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
        constraints = [models.CheckConstraint(condition=Q(rate__gte=0), name="ia_payment_rate_not_negative")]

    def __str__(self) -> str:
        return f"£{self.rate} per weighted head a quarter from {self.applies_from:%d/%m/%Y}"


# Seeded after every migrate (improved_access.apps), so a fresh database has the national rules.
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
        "note": "At least 30 minutes per 1,000 population per week",
    },
    {
        "kind": RuleKind.CAPACITY,
        "applies_from": datetime.date(2019, 4, 1),
        "threshold": Decimal("45"),
        "note": "Rising to 45 minutes per 1,000 population per week",
    },
    {
        "kind": RuleKind.DECLARATIONS,
        "applies_from": datetime.date(2018, 4, 1),
        "threshold": Decimal("0"),
        "note": "The plan and every declaration accepted by a commissioner",
    },
]
DEFAULT_PAYMENT_TERMS = {"applies_from": datetime.date(2018, 4, 1), "rate": Decimal("1.50"), "reference_date": None}


def defaults_ensure(**kwargs) -> None:
    """Create the default rules and payment terms where missing; never changes what the admin edited."""
    for rule in DEFAULT_RULES:
        ComplianceRule.objects.get_or_create(kind=rule["kind"], applies_from=rule["applies_from"], defaults=rule)
    PaymentTerms.objects.get_or_create(
        applies_from=DEFAULT_PAYMENT_TERMS["applies_from"], defaults=DEFAULT_PAYMENT_TERMS
    )
