"""Appointment activity returned by a locality each quarter (improved_access/ACTIVITY_FORMAT.md)."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from localities.models import Locality


class ActivityReturn(models.Model):
    """One accepted CSV of a quarter's activity; a later return for the same quarter replaces it."""

    locality = models.ForeignKey(Locality, on_delete=models.PROTECT, related_name="ia_activity_returns")
    quarter = models.CharField(max_length=6)
    file_name = models.CharField(max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField()
    rows = models.PositiveIntegerField(default=0)
    superseded = models.BooleanField(default=False)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-uploaded_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["locality", "quarter"], condition=Q(superseded=False), name="ia_one_current_return"
            )
        ]

    def __str__(self) -> str:
        return f"{self.locality} {self.quarter} activity ({self.rows} rows)"


class Appointment(models.Model):
    """One slot's activity (written once with its return; the return's history covers it)."""

    activity_return = models.ForeignKey(ActivityReturn, on_delete=models.CASCADE, related_name="appointments")
    date = models.DateField()
    site = models.CharField(max_length=200)
    slot_start = models.TimeField()
    minutes = models.PositiveSmallIntegerField()
    booked = models.PositiveIntegerField()
    attended = models.PositiveIntegerField()
    did_not_attend = models.PositiveIntegerField()

    class Meta:
        ordering = ["date", "slot_start", "site"]
        constraints = [
            models.CheckConstraint(condition=Q(attended__lte=F("booked")), name="ia_attended_within_booked"),
            models.CheckConstraint(
                condition=Q(did_not_attend__lte=F("booked") - F("attended")), name="ia_dna_within_booked"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.slot_start:%H:%M} {self.site}"
