"""The governance checklist as records: a scheme has phases with deadlines, a phase has numbered items."""

import datetime

from django.db import models
from simple_history.models import HistoricalRecords

from onecare import constraints as worded

# The LTS checklist items whose evidence is a locality's Improved Access plan, by the plan's phase: "1.7 Agree a
# plan for delivery of Improved Access to start on 1/4/18" and "2.4 Agree a plan for delivery of Improved Access
# Phase 2 from 1/7/28" (sic: 2018). The checklist knows which of its items are evidenced elsewhere; improved_access
# (above funding) reviews them on the plan (improved_access.models.PLAN_ITEMS).
LTS_SCHEME = "lts"
PLAN_EVIDENCE_ITEMS = {1: "1.7", 2: "2.4"}


class Scheme(models.Model):
    """A funding scheme with a governance checklist, e.g. the Locality Transformation Scheme."""

    code = models.SlugField(max_length=20, unique=True)
    name = models.CharField(max_length=200)
    active = models.BooleanField(default=True, help_text="Localities work through the checklists of active schemes.")
    rate_per_head = models.DecimalField(
        "rate per head (£)",
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        editable=False,
        help_text="What the active tranches' rates add up to (LTS: £3.00); blank: no such rule (Improved Access, "
        "paid per quarter). Set by a data migration: the scheme paper decides it.",
    )
    minimum_population = models.PositiveIntegerField(
        "minimum population",
        null=True,
        blank=True,
        editable=False,
        help_text="Registered patients a locality should cover (LTS: 100,000); a release for a locality under it is "
        "flagged and approving it needs a recorded exception. Set by a data migration: the scheme paper decides it.",
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Phase(models.Model):
    """A phase of a scheme: its items are due by the deadline."""

    scheme = models.ForeignKey(Scheme, on_delete=models.PROTECT, related_name="phases")
    number = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=200)
    starts_on = models.DateField(null=True, blank=True)
    deadline = models.DateField(help_text="Every item of the phase is due by the end of this day.")

    history = HistoricalRecords()

    class Meta:
        ordering = ["scheme", "number"]
        constraints = [worded.UniqueConstraint(fields=["scheme", "number"], name="phase_number_unique")]

    def __str__(self) -> str:
        return f"Phase {self.number}: {self.title}"

    def is_overdue_on(self, day: datetime.date) -> bool:
        return day > self.deadline


class ChecklistItem(models.Model):
    """One thing a locality must evidence, e.g. "1.3 Nominate lead locality representatives and any deputies"."""

    phase = models.ForeignKey(Phase, on_delete=models.PROTECT, related_name="items")
    number = models.CharField(max_length=10, help_text='As in the scheme paper, e.g. "1.3".')
    position = models.PositiveSmallIntegerField(default=0, help_text="Order within the phase.")
    title = models.CharField(max_length=300)
    guidance = models.TextField(blank=True, help_text="What good evidence looks like, from the scheme paper and FAQ.")

    history = HistoricalRecords()

    class Meta:
        ordering = ["phase__scheme", "phase__number", "position", "number"]
        constraints = [worded.UniqueConstraint(fields=["phase", "number"], name="checklist_item_number_unique")]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"
