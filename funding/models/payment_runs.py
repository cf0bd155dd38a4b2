"""Payment runs: finance gathers authorised releases into a run, exports the schedule, locks it, then marks it paid."""

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from localities.models import Commissioner


class PaymentRunState(models.TextChoices):
    DRAFT = "draft", "Draft"
    LOCKED = "locked", "Locked"
    PAID = "paid", "Paid"


class PaymentRun(models.Model):
    """A batch of releases paid together. Only funding.payment_runs changes its state or its releases."""

    commissioner = models.ForeignKey(Commissioner, on_delete=models.PROTECT, related_name="payment_runs")
    name = models.CharField(max_length=200, help_text='E.g. "LTS payments, March 2018".')
    cost_centre = models.CharField(max_length=20, blank=True, help_text="Finance's cost centre for the schedule.")
    state = models.CharField(max_length=8, choices=PaymentRunState.choices, default=PaymentRunState.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    locked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    locked_at = models.DateTimeField(null=True, blank=True)
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    paid_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Payment run {self.pk}: {self.name} ({self.get_state_display().lower()})"
