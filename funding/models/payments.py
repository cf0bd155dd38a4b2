"""What finance paid and what it was asked to pay: one Payment per paid release, and a locked run's frozen schedule.

Both are written once, by funding.payment_runs (the lines when a run is locked, the payments when it is
marked paid), and never changed. On PostgreSQL a trigger (migration 0003) refuses any update or delete of
either table; the unique constraints below hold on every database: a release is on one locked schedule
and is paid once.
"""

from django.conf import settings
from django.db import models

from onecare import constraints as worded
from onecare.formats import money

from .ledger import Release
from .payment_runs import PaymentRun


class Payment(models.Model):
    """A release paid in a payment run, on the day finance says the money left."""

    release = models.ForeignKey(Release, on_delete=models.PROTECT, related_name="payments")
    payment_run = models.ForeignKey(PaymentRun, on_delete=models.PROTECT, related_name="payments")
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    paid_on = models.DateField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["paid_on", "pk"]
        constraints = [worded.UniqueConstraint(fields=["release"], name="release_paid_once")]

    def __str__(self) -> str:
        paid = f"paid {money(self.amount)} on {self.paid_on:%d/%m/%Y}"
        return f"Release {self.release_id} {paid} (run {self.payment_run_id})"


class ScheduleLine(models.Model):
    """One line of a locked run's schedule, as exported at locking, with its per-practice breakdown: the export of
    a locked run reads only these."""

    payment_run = models.ForeignKey(PaymentRun, on_delete=models.PROTECT, related_name="schedule_lines")
    release = models.ForeignKey(Release, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveIntegerField()
    locality = models.TextField()
    vehicle = models.TextField(blank=True, help_text="The kind of Locality Vehicle at locking.")
    payee = models.TextField()
    ccg = models.CharField(max_length=20)
    tranche = models.CharField(max_length=20)
    kind = models.CharField(max_length=40)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    reference = models.CharField(max_length=100)
    cost_centre = models.CharField(max_length=20, blank=True)
    run_reference = models.CharField(max_length=40, blank=True, help_text="The run's reference, e.g. 15C-PR-0007.")
    pay_date = models.DateField(null=True, blank=True, help_text="The run's planned pay date at locking.")
    supplier_number = models.CharField(max_length=30, blank=True, help_text="The payee's supplier number at locking.")
    bank_reference = models.CharField(max_length=18, blank=True, help_text="The payee's bank reference at locking.")
    subjective_code = models.CharField(max_length=20, blank=True)
    # The release's per-practice breakdown at locking, in practice-code order: a list of {"practice_code",
    # "practice_name", "patients", "opted_out", "amount"}, the figures as decimal strings ("1234.50"). Kept on
    # the line (not in a table of its own) so it is written in the same row, by the same INSERT, and held by the
    # same write-once triggers: a line and its breakdown cannot disagree, and neither ever changes.
    breakdown = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["payment_run", "position"]
        constraints = [
            worded.UniqueConstraint(fields=["release"], name="release_on_one_schedule"),
            worded.UniqueConstraint(fields=["payment_run", "position"], name="one_schedule_line_per_position"),
        ]

    def __str__(self) -> str:
        return f"{self.reference}: {money(self.amount)} to {self.payee}"
