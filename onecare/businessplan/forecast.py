"""Table One: each source's income by year, and the totals, computed from the figures (never typed)."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import DecimalField, Sum, Value
from django.db.models.functions import Coalesce

from .models import FORECAST_YEARS, IncomeFigure, IncomeSource

ZERO = Value(Decimal("0"), output_field=DecimalField(max_digits=14, decimal_places=2))


@dataclass(frozen=True)
class ForecastRow:
    source: IncomeSource
    amounts: list[Decimal | None]  # one per FORECAST_YEARS; None where the plan gives no figure


@dataclass(frozen=True)
class Forecast:
    years: list[str]
    rows: list[ForecastRow]
    totals: list[Decimal]


def year_totals() -> dict[str, Decimal]:
    summed = IncomeFigure.objects.values("year").annotate(total=Coalesce(Sum("amount"), ZERO))
    found = {row["year"]: row["total"] for row in summed}
    return {year: found.get(year, Decimal("0.00")) for year in FORECAST_YEARS}


def income_forecast() -> Forecast:
    figures = {(f.source_id, f.year): f.amount for f in IncomeFigure.objects.all()}
    rows = [
        ForecastRow(source, [figures.get((source.pk, year)) for year in FORECAST_YEARS])
        for source in IncomeSource.objects.order_by("order")
    ]
    totals = year_totals()
    return Forecast(FORECAST_YEARS, rows, [totals[year] for year in FORECAST_YEARS])
