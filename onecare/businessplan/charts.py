"""Server-drawn SVG charts of the business plan: the income forecast by year and the risk register's grid.

Geometry only: the templates (templates/onecare/_income_chart.svg.html, _risk_grid.svg.html) draw it with SVG
attributes and classes from static/portal.css, never a style attribute or a script (the CSP allows neither).
The figures are always in a table beside each chart.
"""

from dataclasses import dataclass
from decimal import Decimal

from .forecast import Forecast
from .models import Risk

# The income chart's drawing area, in SVG user units (the SVG scales to the page's width).
WIDTH, HEIGHT = 640, 300
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 24, 40
SERIES = 4  # colours, in the order of the plan's sources (portal-svg__series--1 to --4, then again)


@dataclass(frozen=True)
class Segment:
    x: float
    y: float
    width: float
    height: float
    series: int
    label: str


@dataclass(frozen=True)
class Tick:
    y: float
    label: str


@dataclass(frozen=True)
class Column:
    year: str
    x_centre: float
    total_label: str
    total_y: float
    segments: list[Segment]


@dataclass(frozen=True)
class IncomeChart:
    width: int
    height: int
    left: int
    right_edge: int
    baseline: float
    year_label_y: float
    tick_label_x: int
    columns: list[Column]
    ticks: list[Tick]
    legend: list[tuple[int, str]]


def _millions(amount: Decimal) -> str:
    return f"£{(amount / Decimal(1_000_000)).quantize(Decimal('0.01'))}m"


def _axis(largest: Decimal) -> tuple[Decimal, Decimal]:
    """A round top for the axis and the step between its lines, in pounds: at most five steps of 1, 2, 5, 10 or 20
    million (at least one step of a million)."""
    millions = largest / Decimal(1_000_000)
    for step in (1, 2, 5, 10, 20, 50):
        if millions <= step * 5:
            break
    top = max((millions / step).to_integral_value(rounding="ROUND_CEILING"), Decimal(1)) * step
    return top * Decimal(1_000_000), Decimal(step) * Decimal(1_000_000)


def income_chart(forecast: Forecast) -> IncomeChart:
    """A stacked column per year: each source's income, with the year's total above it."""
    plot_height = HEIGHT - TOP - BOTTOM
    plot_width = WIDTH - LEFT - RIGHT
    top, step = _axis(max(forecast.totals, default=Decimal(0)))
    slot = plot_width / max(len(forecast.years), 1)
    bar = slot * 0.55
    baseline = TOP + plot_height
    series_of = {row.source.pk: index % SERIES + 1 for index, row in enumerate(forecast.rows)}
    columns = []
    for position, year in enumerate(forecast.years):
        x = LEFT + slot * position + (slot - bar) / 2
        y = baseline
        segments = []
        for row in forecast.rows:
            amount = row.amounts[position]
            if not amount:
                continue
            height = float(amount / top) * plot_height
            y -= height
            segments.append(
                Segment(
                    round(x, 1),
                    round(y, 1),
                    round(bar, 1),
                    round(height, 1),
                    series_of[row.source.pk],
                    f"{row.source.name}, {year}: {_millions(amount)}",
                )
            )
        total = forecast.totals[position]
        columns.append(Column(year, round(x + bar / 2, 1), _millions(total), round(y - 6, 1), segments))
    steps = int(top / step)
    ticks = [
        Tick(round(baseline - plot_height * i / steps, 1), f"£{int(step * i / 1_000_000):,}m") for i in range(steps + 1)
    ]
    shown = {row.source.pk for row in forecast.rows if any(row.amounts)}
    legend = [(series_of[row.source.pk], row.source.name) for row in forecast.rows if row.source.pk in shown]
    return IncomeChart(WIDTH, HEIGHT, LEFT, WIDTH - RIGHT, baseline, baseline + 24, LEFT - 8, columns, ticks, legend)


# The risk grid: likelihood 1 to 5 across, impact 1 to 5 up.
CELL, GRID_LEFT, GRID_TOP = 56, 72, 16


@dataclass(frozen=True)
class Cell:
    x: int
    y: int
    size: int
    rating: str  # low, medium, high: the colour
    likelihood: int
    impact: int
    risks: list[int]


@dataclass(frozen=True)
class RiskGrid:
    width: int
    height: int
    cells: list[Cell]
    axis_likelihood: list[tuple[int, int]]  # (x centre, level)
    axis_impact: list[tuple[int, int]]  # (y centre, level)
    grid_left: int
    grid_bottom: int
    cell: int
    likelihood_label_y: int
    likelihood_title_y: int
    impact_label_x: int
    impact_title_x: int
    impact_title_y: int
    grid_centre_x: int


def rating_of(score: int) -> str:
    """The same bands as Risk.rating."""
    return "high" if score >= 15 else "medium" if score >= 8 else "low"


def risk_grid(risks: list[Risk]) -> RiskGrid:
    placed: dict[tuple[int, int], list[int]] = {}
    for risk in risks:
        placed.setdefault((risk.likelihood, risk.impact), []).append(risk.number)
    cells = []
    for impact in range(5, 0, -1):
        for likelihood in range(1, 6):
            cells.append(
                Cell(
                    GRID_LEFT + (likelihood - 1) * CELL,
                    GRID_TOP + (5 - impact) * CELL,
                    CELL,
                    rating_of(likelihood * impact),
                    likelihood,
                    impact,
                    placed.get((likelihood, impact), []),
                )
            )
    bottom = GRID_TOP + 5 * CELL
    return RiskGrid(
        width=GRID_LEFT + 5 * CELL + 16,
        height=bottom + 48,
        cells=cells,
        axis_likelihood=[(GRID_LEFT + (level - 1) * CELL + CELL // 2, level) for level in range(1, 6)],
        axis_impact=[(GRID_TOP + (5 - level) * CELL + CELL // 2, level) for level in range(1, 6)],
        grid_left=GRID_LEFT,
        grid_bottom=bottom,
        cell=CELL,
        likelihood_label_y=bottom + 18,
        likelihood_title_y=bottom + 40,
        impact_label_x=GRID_LEFT - 10,
        impact_title_x=18,
        impact_title_y=GRID_TOP + 5 * CELL // 2,
        grid_centre_x=GRID_LEFT + 5 * CELL // 2,
    )
