"""Payment runs: finance gathers authorised releases into a run, exports the schedule, locks it, then marks it paid."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from localities.models import Commissioner
from onecare import constraints as worded


class PaymentRunState(models.TextChoices):
    DRAFT = "draft", "Draft"
    LOCKED = "locked", "Locked"
    PAID = "paid", "Paid"


class PaymentRun(models.Model):
    """A batch of releases paid together. Only funding.payment_runs changes its state or its releases.

    Locking freezes its schedule (funding.models.payments.ScheduleLine); marking it paid records a Payment per
    release. On PostgreSQL a trigger refuses to take a locked or paid run back (migration 0003).
    """

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
    paid_on = models.DateField(null=True, blank=True, help_text="The day finance says the money left.")

    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            worded.CheckConstraint(
                condition=Q(state=PaymentRunState.DRAFT) | Q(locked_by__isnull=False, locked_at__isnull=False),
                name="locked_run_has_lock",
            ),
            worded.CheckConstraint(
                condition=~Q(state=PaymentRunState.PAID)
                | Q(paid_by__isnull=False, paid_at__isnull=False, paid_on__isnull=False),
                name="paid_run_has_paid_date",
            ),
        ]

    def __str__(self) -> str:
        return f"Payment run {self.pk}: {self.name} ({self.get_state_display().lower()})"
