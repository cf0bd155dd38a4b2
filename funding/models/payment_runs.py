"""Payment runs: finance gathers authorised releases into a run, exports the schedule, locks it, then marks it paid."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from localities.models import Commissioner
from onecare import constraints as worded

# The finance ledger's expenditure (subjective) code a run is charged to unless finance gives another:
# settings.FUNDING_SUBJECTIVE_CODE when it is set, else this placeholder (funding/MONEY.md).
DEFAULT_SUBJECTIVE_CODE = "52190000"


def default_subjective_code() -> str:
    return str(getattr(settings, "FUNDING_SUBJECTIVE_CODE", "") or DEFAULT_SUBJECTIVE_CODE)


class PaymentRunState(models.TextChoices):
    DRAFT = "draft", "Draft"
    LOCKED = "locked", "Locked"
    PAID = "paid", "Paid"


class PaymentRun(models.Model):
    """A batch of releases paid together. Only funding.payment_runs changes its state or its releases.

    Locking freezes its schedule (funding.models.payments.ScheduleLine); marking it paid records a Payment per
    release. On PostgreSQL a trigger refuses to take a locked or paid run back, or to change its cost centre,
    subjective code or pay date once it is locked (migrations 0003 and 0006).
    """

    commissioner = models.ForeignKey(Commissioner, on_delete=models.PROTECT, related_name="payment_runs")
    name = models.CharField(max_length=200, help_text='E.g. "LTS payments, March 2018".')
    cost_centre = models.CharField(max_length=20, blank=True, help_text="Finance's cost centre for the schedule.")
    subjective_code = models.CharField(
        max_length=20,
        blank=True,
        default=default_subjective_code,
        help_text="The finance ledger's expenditure code the payments are charged to.",
    )
    pay_date = models.DateField(
        null=True, blank=True, help_text="The day the money is planned to leave (on the schedule)."
    )
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

    @property
    def reference(self) -> str:
        """The run's reference on its pages, schedules and remittances: the commissioner's code and the run's
        number, e.g. "15C-PR-0007" (neither changes once the run exists)."""
        return run_reference(self.commissioner.code, self.pk)


def run_reference(commissioner_code: str, pk: int | None) -> str:
    return f"{commissioner_code}-PR-{pk or 0:04d}".upper()
