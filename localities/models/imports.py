"""Import records: who imported which file when, in what format, what it did, and why a file was refused."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords


class ImportFormat(models.TextChoices):
    NHS_DIGITAL = "nhs_digital", "NHS Digital: Patients Registered at a GP Practice"
    EPRACCUR = "epraccur", "ODS practice register (epraccur)"
    NHS_PAYMENTS = "nhs_payments", "NHS Payments to General Practice"
    MEMBERSHIP = "membership", "Portal template: locality membership and opt-outs"
    UNKNOWN = "unknown", "Not recognised"


class ImportStatus(models.TextChoices):
    CHECKING = "checking", "Being checked"
    READY = "ready", "Checked: waiting for confirmation"
    CHECKED = "checked", "Checked only (dry run): nothing written"
    IMPORTING = "importing", "Importing"
    IMPORTED = "imported", "Imported"
    REJECTED = "rejected", "Rejected: nothing written"
    FAILED = "failed", "Failed: nothing written"


FINISHED_STATUSES = {ImportStatus.CHECKED, ImportStatus.IMPORTED, ImportStatus.REJECTED, ImportStatus.FAILED}


class ImportRecord(models.Model):
    """One file offered to the importer, from the admin or the command line, whatever became of it."""

    file_name = models.CharField(max_length=255)
    file = models.FileField(upload_to="imports/%Y/%m/", blank=True, help_text="The uploaded file (admin uploads).")
    sha256 = models.CharField("SHA-256", max_length=64, blank=True)
    size_bytes = models.PositiveBigIntegerField(default=0)
    format = models.CharField(max_length=20, choices=ImportFormat.choices, default=ImportFormat.UNKNOWN)
    status = models.CharField(max_length=10, choices=ImportStatus.choices, default=ImportStatus.CHECKING)
    options = models.JSONField(default=dict, blank=True, help_text="E.g. the financial year of a payments file.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="imports"
    )
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(
        null=True, blank=True, help_text="When the check or the import last started (the stuck-import sweep)."
    )
    finished_at = models.DateTimeField(null=True, blank=True)

    rows_new = models.PositiveIntegerField("new", default=0)
    rows_changed = models.PositiveIntegerField("changed", default=0)
    rows_unchanged = models.PositiveIntegerField("unchanged", default=0)
    rows_skipped = models.PositiveIntegerField("skipped", default=0)
    rows_invalid = models.PositiveIntegerField("invalid", default=0)
    patients = models.PositiveBigIntegerField(default=0, help_text="Registered patients in the accepted rows.")
    skip_reasons = models.JSONField(default=dict, blank=True)
    problems = models.JSONField(default=list, blank=True, help_text="Invalid rows: line, column and reason.")
    notes = models.JSONField(default=list, blank=True)
    new_practices = models.PositiveIntegerField(
        default=0, help_text="Practices new to the portal, not yet in a locality."
    )
    new_practice_codes = models.JSONField(default=list, blank=True, help_text="Their codes (the first thousand).")
    reason = models.TextField(blank=True, help_text="Why the file was rejected or the import failed.")
    progress = models.PositiveSmallIntegerField(default=0, help_text="Percent of the file read.")
    rows_read = models.PositiveIntegerField(default=0, help_text="Rows read so far (while checking or importing).")
    rows_expected = models.PositiveIntegerField(
        default=0, help_text="Rows under the header, from the file's lines (or a workbook's declared range)."
    )
    changes = models.JSONField(
        default=list,
        blank=True,
        help_text="The preview: the first rows with their practice, new/changed/unchanged and each changed field.",
    )

    # Progress is written many times a second from outside the import's transaction: not history.
    # The preview's list of changes is the check's output, kept once on the record.
    history = HistoricalRecords(excluded_fields=["progress", "rows_read", "changes"])

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "practice data import"

    def __str__(self) -> str:
        return f"Import #{self.pk}: {self.file_name}"

    @property
    def finished(self) -> bool:
        return self.status in FINISHED_STATUSES

    @property
    def change_reason(self) -> str:
        """What each history record written by this import says (simple_history allows 100 characters)."""
        return f"Import #{self.pk} of {self.file_name}"[:100]

    def summary_line(self) -> str:
        return (
            f"summary: format={self.format} new={self.rows_new} changed={self.rows_changed} "
            f"unchanged={self.rows_unchanged} skipped={self.rows_skipped} invalid={self.rows_invalid} "
            f"patients={self.patients}"
        )
