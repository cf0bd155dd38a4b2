"""List sizes: a practice's registered and weighted patients at an extract date, never overwritten."""

from django.db import models
from django.db.models import F, Func, IntegerField
from simple_history.models import HistoricalRecords

from onecare import constraints as worded

from .organisations import Practice


class SourceKind(models.TextChoices):
    NHS_DIGITAL = "nhs_digital", "NHS Digital: Patients Registered at a GP Practice"
    NHS_PAYMENTS = "nhs_payments", "NHS Payments to General Practice"
    MANUAL = "manual", "Entered by hand"


class Basis(models.TextChoices):
    """Which figure of a list size counts: registered patients, or weighted (the Carr-Hill formula's)."""

    REGISTERED = "registered", "Registered patients"
    WEIGHTED = "weighted", "Weighted patients"


# Where two sources give a figure for the same date, the earlier in this list is used.
SOURCE_PREFERENCE = [SourceKind.NHS_DIGITAL, SourceKind.NHS_PAYMENTS, SourceKind.MANUAL]


class SourceRank(Func):
    """A snapshot's place in SOURCE_PREFERENCE (0 first; a kind not in it after them all), to order by: `CASE
    source_kind WHEN 'nhs_digital' THEN 0 ... END`, written out here. The population queries order each of their
    latest-snapshot subqueries by it, and a Case of When(source_kind=...) cost them a filter's work to build each time:
    a third of the locality page's query building."""

    output_field = IntegerField()

    def __init__(self):
        super().__init__(F("source_kind"))

    def as_sql(self, compiler, connection, **extra_context):
        column, params = compiler.compile(self.source_expressions[0])
        whens = " ".join(f"WHEN %s THEN {rank}" for rank in range(len(SOURCE_PREFERENCE)))
        return f"CASE {column} {whens} ELSE {len(SOURCE_PREFERENCE)} END", [
            *params,
            *(kind.value for kind in SOURCE_PREFERENCE),
        ]


def source_rank() -> SourceRank:
    return SourceRank()


class ListSizeSnapshot(models.Model):
    """One practice's list size at one extract date from one kind of source.

    A new extract date is a new row; a revised figure for the same date and source kind
    updates the row, and its history keeps the figure it replaced.
    """

    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="list_sizes")
    extract_date = models.DateField()
    registered_patients = models.PositiveIntegerField()
    weighted_patients = models.DecimalField(max_digits=12, decimal_places=3, null=True, blank=True)
    source_kind = models.CharField(max_length=20, choices=SourceKind.choices)
    source = models.CharField(max_length=200, blank=True, help_text="The file or import this figure came from.")
    created_at = models.DateTimeField(auto_now_add=True)
    import_record = models.ForeignKey(
        "localities.ImportRecord",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="list_sizes",
        editable=False,
        help_text="The import that last set this figure.",
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["practice__code", "-extract_date"]
        get_latest_by = "extract_date"
        constraints = [
            worded.UniqueConstraint(
                fields=["practice", "extract_date", "source_kind"], name="one_list_size_per_practice_date_source"
            ),
            worded.CheckConstraint(
                condition=models.Q(weighted_patients__isnull=True) | models.Q(weighted_patients__gte=0),
                name="weighted_patients_not_negative",
            ),
        ]
        indexes = [models.Index(fields=["practice", "-extract_date"], name="list_size_practice_latest")]

    def __str__(self) -> str:
        return f"{self.practice_id}: {self.registered_patients} on {self.extract_date:%d/%m/%Y}"
