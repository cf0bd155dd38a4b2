"""One Care's 2016 business plan as a tracker: areas of work and activities, the risk register, the income forecast."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from onecare import constraints as worded
from onecare.formats import money

# The plan's years: Year One is 2016-17.
PLAN_YEARS = {1: "Year One (2016-17)", 2: "Year Two (2017-18)", 3: "Year Three (2018-19)"}
FORECAST_YEARS = ["2016/17", "2017/18", "2018/19", "2019/20"]


class Area(models.Model):
    letter = models.CharField(max_length=1, unique=True)
    title = models.CharField(max_length=200)

    history = HistoricalRecords()

    class Meta:
        ordering = ["letter"]
        verbose_name = "area of work"
        verbose_name_plural = "areas of work"

    def __str__(self) -> str:
        return f"{self.letter}. {self.title}"


class ActivityStatus(models.TextChoices):
    NOT_STARTED = "not_started", "Not started"
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"
    ON_HOLD = "on_hold", "On hold"
    DROPPED = "dropped", "Dropped"


class Activity(models.Model):
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="activities")
    number = models.PositiveSmallIntegerField()
    text = models.TextField()
    planned_start_year = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        choices=PLAN_YEARS.items(),
        help_text="The year the plan scheduled it to start; blank where the plan did not say.",
    )
    continues_all_years = models.BooleanField(default=False, help_text="The plan marks it in every year.")
    owner = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=12, choices=ActivityStatus.choices, default=ActivityStatus.NOT_STARTED)
    notes = models.TextField(blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["area__letter", "number"]
        verbose_name_plural = "activities"
        constraints = [worded.UniqueConstraint(fields=["area", "number"], name="activity_number_unique_in_area")]

    def __str__(self) -> str:
        return f"{self.area.letter}{self.number}"


LEVEL = [MinValueValidator(1), MaxValueValidator(5)]


class Risk(models.Model):
    number = models.PositiveSmallIntegerField(unique=True)
    description = models.TextField()
    mitigation = models.TextField("mitigating actions")
    likelihood = models.PositiveSmallIntegerField(validators=LEVEL, help_text="1 (rare) to 5 (almost certain).")
    impact = models.PositiveSmallIntegerField(validators=LEVEL, help_text="1 (negligible) to 5 (severe).")
    owner = models.CharField(max_length=200)
    review_date = models.DateField()

    history = HistoricalRecords()

    class Meta:
        ordering = ["number"]
        constraints = [
            worded.CheckConstraint(
                condition=Q(likelihood__gte=1, likelihood__lte=5, impact__gte=1, impact__lte=5),
                name="risk_levels_one_to_five",
            )
        ]

    def __str__(self) -> str:
        return f"Risk {self.number}"

    @property
    def score(self) -> int:
        return self.likelihood * self.impact

    @property
    def rating(self) -> str:
        return "High" if self.score >= 15 else "Medium" if self.score >= 8 else "Low"


class IncomeSource(models.Model):
    order = models.PositiveSmallIntegerField(unique=True)
    name = models.CharField(max_length=200, unique=True)
    note = models.CharField(max_length=300, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["order"]

    def __str__(self) -> str:
        return self.name


class IncomeFigure(models.Model):
    """A source's forecast income in one year, in pounds. A year with no figure has no row (shown as a dash)."""

    source = models.ForeignKey(IncomeSource, on_delete=models.CASCADE, related_name="figures")
    year = models.CharField(max_length=7, choices=[(y, y) for y in FORECAST_YEARS])
    amount = models.DecimalField("amount (£)", max_digits=12, decimal_places=2)

    history = HistoricalRecords()

    class Meta:
        ordering = ["source__order", "year"]
        constraints = [
            worded.UniqueConstraint(fields=["source", "year"], name="one_income_figure_per_source_year"),
            worded.CheckConstraint(condition=Q(amount__gte=0), name="income_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.source}, {self.year}: {money(self.amount)}"
