"""A locality's evidence for one checklist item, its files, and the record of every status change."""

import uuid
from pathlib import PurePosixPath

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from localities.models import Locality
from onecare import constraints as worded

from .checklist import ChecklistItem


class EvidenceStatus(models.TextChoices):
    NOT_STARTED = "not_started", "Not started"
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    RETURNED = "returned", "Returned"
    ACCEPTED = "accepted", "Accepted"


class Evidence(models.Model):
    """What one locality offers for one checklist item. Only funding.transitions changes its status."""

    locality = models.ForeignKey(Locality, on_delete=models.PROTECT, related_name="evidence")
    item = models.ForeignKey(ChecklistItem, on_delete=models.PROTECT, related_name="evidence")
    status = models.CharField(max_length=12, choices=EvidenceStatus.choices, default=EvidenceStatus.NOT_STARTED)
    statement = models.TextField(blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    return_reason = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["locality__name", "item__phase__number", "item__position"]
        verbose_name_plural = "evidence"
        constraints = [
            worded.UniqueConstraint(fields=["locality", "item"], name="one_evidence_per_locality_item"),
            worded.CheckConstraint(
                condition=~models.Q(status="returned") | ~models.Q(return_reason=""),
                name="returned_evidence_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.locality}: {self.item.number} ({self.get_status_display().lower()})"


def evidence_file_path(instance: "EvidenceFile", filename: str) -> str:
    """A generated name: nothing the uploader typed reaches the file system."""
    from ..uploads import EXTENSION_OF

    # The extension of the type detected from the content, never the one the name was given.
    extension = EXTENSION_OF.get(instance.content_type) or PurePosixPath(filename).suffix.lower().lstrip(".")[:5]
    return f"evidence/{instance.evidence.locality_id}/{uuid.uuid4().hex}.{extension or 'bin'}"


class EvidenceFile(models.Model):
    """A file attached to evidence, stored in MEDIA_ROOT under a generated name and served by funding:file."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    evidence = models.ForeignKey(Evidence, on_delete=models.PROTECT, related_name="files")
    file = models.FileField(upload_to=evidence_file_path, max_length=200)
    # The uploader's base name, cleaned, with the extension of the detected type (rows stored before that
    # rule may still carry the uploader's extension: served_as corrects it).
    original_name = models.CharField(max_length=200, help_text="The uploader's file name, cleaned; shown only.")
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField()

    history = HistoricalRecords()

    class Meta:
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.original_name

    @property
    def served_as(self) -> tuple[str, str]:
        """(download name, content type): always the extension of the detected type, whatever the name says."""
        from ..uploads import served_as

        return served_as(self.original_name, self.content_type)

    @property
    def download_name(self) -> str:
        return self.served_as[0]


class EvidenceTransition(models.Model):
    """One status change: who, when, from, to, and why; with the statement as it stood."""

    evidence = models.ForeignKey(Evidence, on_delete=models.PROTECT, related_name="transitions")
    from_status = models.CharField(max_length=12, choices=EvidenceStatus.choices)
    to_status = models.CharField(max_length=12, choices=EvidenceStatus.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    reason = models.TextField(blank=True)
    statement = models.TextField(blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.evidence}: {self.from_status} to {self.to_status} by {self.actor} at {self.at:%d/%m/%Y %H:%M}"
