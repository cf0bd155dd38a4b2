"""Appointment activity returned by a locality each quarter (improved_access/ACTIVITY_FORMAT.md)."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from localities.models import Locality
from onecare import constraints as worded


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
            worded.UniqueConstraint(
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
            worded.CheckConstraint(condition=Q(attended__lte=F("booked")), name="ia_attended_within_booked"),
            worded.CheckConstraint(
                condition=Q(did_not_attend__lte=F("booked") - F("attended")), name="ia_dna_within_booked"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.slot_start:%H:%M} {self.site}"


class UploadStatus(models.TextChoices):
    CHECKING = "checking", "Being checked"
    IMPORTED = "imported", "Imported"
    REJECTED = "rejected", "Rejected: nothing imported"
    FAILED = "failed", "Failed: nothing imported"


class ActivityUpload(models.Model):
    """One activity return file offered by a lead, whatever became of it: checked in the request when small,
    by a worker (with its progress shown on the activity page) when large; an accepted one makes the return."""

    locality = models.ForeignKey(Locality, on_delete=models.PROTECT, related_name="ia_activity_uploads")
    quarter = models.CharField(max_length=6)
    file = models.FileField(upload_to="ia-activity/%Y/%m/", max_length=200)
    file_name = models.CharField(max_length=200, blank=True)
    size_bytes = models.PositiveBigIntegerField(default=0)
    status = models.CharField(max_length=10, choices=UploadStatus.choices, default=UploadStatus.CHECKING)
    progress = models.PositiveSmallIntegerField(default=0, help_text="Percent of the file read.")
    reason = models.TextField(blank=True, help_text="Why it was rejected or failed.")
    problems = models.JSONField(default=list, blank=True, help_text="The rows' problems, line by line.")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    activity_return = models.ForeignKey(
        ActivityReturn, null=True, blank=True, on_delete=models.PROTECT, related_name="uploads"
    )

    # Progress is written often while a file is read: not history.
    history = HistoricalRecords(excluded_fields=["progress"])

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "created_at"], name="ia_upload_status_created")]

    def __str__(self) -> str:
        return f"{self.locality} {self.quarter} activity return {self.file_name} ({self.get_status_display().lower()})"

    @property
    def running(self) -> bool:
        return self.status == UploadStatus.CHECKING
