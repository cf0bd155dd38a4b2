"""Rows other work consumes: reminders already sent (sent at most once) and milestone evaluations to run."""

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from localities.models import Locality
from onecare import constraints as worded

from .checklist import Phase
from .evidence import Evidence


class ReminderKind(models.TextChoices):
    DAYS_14 = "14", "14 days before the deadline"
    DAYS_7 = "7", "7 days before the deadline"
    DAYS_1 = "1", "1 day before the deadline"
    OVERDUE = "overdue", "Overdue"


# Days before the deadline each advance reminder is due.
REMINDER_DAYS = {ReminderKind.DAYS_14: 14, ReminderKind.DAYS_7: 7, ReminderKind.DAYS_1: 1}


class SentReminder(models.Model):
    """A reminder sent to a locality about a phase; the unique constraint keeps it to one of each kind."""

    locality = models.ForeignKey(Locality, on_delete=models.PROTECT, related_name="+")
    phase = models.ForeignKey(Phase, on_delete=models.PROTECT, related_name="sent_reminders")
    kind = models.CharField(max_length=8, choices=ReminderKind.choices)
    sent_at = models.DateTimeField()
    recipients = models.TextField(blank=True)

    history = HistoricalRecords()

    class Meta:
        constraints = [
            worded.UniqueConstraint(fields=["locality", "phase", "kind"], name="one_reminder_per_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.locality}, {self.phase}: {self.get_kind_display()}"


class EvaluationRequest(models.Model):
    """Outbox: accepted evidence asks the payments work to evaluate the locality's milestones.

    Created in the same transaction as the acceptance, so acceptance and money move together; the
    payments work claims a row by setting consumed_at with a compare-and-set update.
    """

    locality = models.ForeignKey(Locality, on_delete=models.PROTECT, related_name="+")
    evidence = models.ForeignKey(Evidence, on_delete=models.PROTECT, related_name="evaluation_requests")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField()
    consumed_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["requested_at", "pk"]
        indexes = [models.Index(fields=["consumed_at"], name="evaluation_request_pending")]

    def __str__(self) -> str:
        return f"Evaluate {self.locality} after {self.evidence.item.number} accepted"
