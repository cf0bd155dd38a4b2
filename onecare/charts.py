"""Server-drawn SVG charts of money: horizontal stacked bars (one bar a row, one segment a series) and monthly
columns (stacked by series, with a running total drawn as a line).

Geometry only: templates/includes/chart_bars.html and chart_columns.html draw it with SVG presentation attributes
and the classes of static/portal.css (portal-svg__series--<key>), never a style attribute or a script (the CSP
allows neither); the many repeated marks, a bar chart's bars and segments and a column chart's columns, line and
points, are written by each chart's marks, and its ticks (grid lines and labels) by its grid. Each chart has a
<title> and a <desc> named by aria-labelledby, each segment its own <title> with its figure in the one money
format, and the page puts every figure in a table beside the chart.
"""

import datetime
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from html import escape

from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator

from onecare.formats import money

ZERO = Decimal(0)
WIDTH = 640


@dataclass(frozen=True)
class Series:
    key: str  # the CSS class's suffix: portal-svg__series--<key>, portal-svg-key--<key>
    name: str


@dataclass(frozen=True)
class Tick:
    at: float  # x for a bar chart's axis, y for a column chart's
    label: str


@dataclass(frozen=True)
class Segment:
    x: float
    y: float
    width: float
    height: float
    series: str
    label: str


@dataclass(frozen=True)
class Bar:
    label: str
    label_y: float
    segments: list[Segment]


LABEL_CHARACTERS = 28


def short_label(label: str) -> str:
    """A bar's label to 28 characters (Truncator's, with its ellipsis), without Truncator's work for one that fits."""
    if len(label) <= LABEL_CHARACTERS and unicodedata.is_normalized("NFC", label):
        return label
    return Truncator(label).chars(LABEL_CHARACTERS)


@dataclass(frozen=True)
class BarChart:
    chart_id: str
    title: str
    description: str
    width: int
    height: int
    left: int
    right_edge: int
    top: int
    axis_y: float
    tick_label_y: float
    bars: list[Bar]
    ticks: list[Tick]
    legend: list[Series]

    @property
    def grid(self) -> SafeString:
        """Each tick's grid line and label, as includes/chart_bars.html wrote them in a loop: drawn here like the marks
        below (a tenth of a millisecond a chart in the template, for a handful of ticks)."""
        return mark_safe(  # noqa: S308 - the labels escaped here, the rest numbers
            "".join(
                f'\n    <line class="portal-svg__grid" x1="{tick.at}" y1="{self.top}" x2="{tick.at}" '
                f'y2="{self.axis_y}"/>\n    <text class="portal-svg__axis" x="{tick.at}" y="{self.tick_label_y}" '
                f'text-anchor="middle">{escape(tick.label)}</text>\n    '
                for tick in self.ticks
            )
        )

    @property
    def marks(self) -> SafeString:
        """Each bar's label and segments, as includes/chart_bars.html wrote them in a loop: drawn here, once, because
        the loop looked up six figures for each of a hundred and more segments on the money page. The words are
        escaped as the template escaped them; the figures are numbers and the series keys the code's own."""
        parts = []
        for bar in self.bars:
            label = escape(short_label(bar.label))
            parts.append(
                f'\n    <text class="portal-svg__axis" x="{self.left - 8}" y="{bar.label_y}" text-anchor="end" '
                f'dominant-baseline="middle">{label}</text>\n    '
            )
            parts.extend(map(_segment, bar.segments))
            parts.append("\n    ")
        return mark_safe("".join(parts))  # noqa: S308 - the words escaped above, the rest numbers and keys


def _segment(segment) -> str:
    """A bar's or a column's segment (Segment) with its figure as its <title>, as the charts' templates wrote it."""
    return (
        f'\n    <rect class="portal-svg__series--{segment.series}" x="{segment.x}" y="{segment.y}" '
        f'width="{segment.width}" height="{segment.height}"><title>{escape(segment.label)}</title></rect>\n    '
    )


@dataclass(frozen=True)
class Column:
    label: str
    year: str  # under the month's name on the first column and each January, else ""
    x_centre: float
    segments: list[Segment]


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    label: str


@dataclass(frozen=True)
class ColumnChart:
    chart_id: str
    title: str
    description: str
    width: int
    height: int
    left: int
    right_edge: int
    baseline: float
    month_label_y: float
    year_label_y: float
    tick_label_x: int
    columns: list[Column]
    ticks: list[Tick]
    legend: list[Series]
    line: list[Point]
    line_name: str

    @property
    def grid(self) -> SafeString:
        """Each tick's grid line and label, as includes/chart_columns.html wrote them in a loop (BarChart.grid)."""
        return mark_safe(  # noqa: S308 - the labels escaped here, the rest numbers
            "".join(
                f'\n    <line class="portal-svg__grid" x1="{self.left}" y1="{tick.at}" x2="{self.right_edge}" '
                f'y2="{tick.at}"/>\n    <text class="portal-svg__axis" x="{self.tick_label_x}" y="{tick.at}" '
                f'text-anchor="end" dominant-baseline="middle">{escape(tick.label)}</text>\n    '
                for tick in self.ticks
            )
        )

    @property
    def line_points(self) -> str:
        return " ".join(f"{p.x},{p.y}" for p in self.line)

    @property
    def marks(self) -> SafeString:
        """Each column's segments and month (and year) labels, then the running total's line and its points, as
        includes/chart_columns.html wrote them in loops: drawn here like BarChart.marks (the loops cost a tenth of a
        millisecond a month). The words are escaped as the template escaped them; the rest are numbers and keys."""
        parts = []
        for column in self.columns:
            parts.append("\n    ")
            parts.extend(map(_segment, column.segments))
            parts.append(
                f'\n    <text class="portal-svg__axis" x="{column.x_centre}" y="{self.month_label_y}" '
                f'text-anchor="middle">{escape(column.label)}</text>\n    '
            )
            if column.year:
                parts.append(
                    f'<text class="portal-svg__axis" x="{column.x_centre}" y="{self.year_label_y}" '
                    f'text-anchor="middle">{escape(column.year)}</text>'
                )
            parts.append("\n    ")
        parts.append("\n    ")
        if self.line:
            parts.append(f'\n    <polyline class="portal-svg__line" points="{escape(self.line_points)}"/>\n    ')
            parts.extend(
                f'\n    <circle class="portal-svg__point" cx="{point.x}" cy="{point.y}" r="4">'
                f"<title>{escape(point.label)}</title></circle>\n    "
                for point in self.line
            )
            parts.append("\n    ")
        return mark_safe("".join(parts))  # noqa: S308 - the words escaped above, the rest numbers and keys


def short_money(amount: Decimal) -> str:
    """An axis label: £0, £500, £50k, £1.5m (the figures themselves are in the table, as £1,234.50)."""
    amount = Decimal(amount)
    for size, suffix in ((Decimal(1_000_000), "m"), (Decimal(1_000), "k")):
        if abs(amount) >= size:
            text = f"{amount / size:.2f}".rstrip("0").rstrip(".")
            return f"£{text}{suffix}"
    return f"£{amount:.0f}"


def nice_axis(largest: Decimal, most_steps: int = 5) -> tuple[Decimal, Decimal]:
    """A round top for the axis and its step: at most `most_steps` steps of 1, 2, 2.5 or 5 times a power of ten."""
    largest = max(Decimal(largest), ZERO)
    if not largest:
        return Decimal(1), Decimal(1)
    power = Decimal(10) ** (largest.adjusted() - 1)
    for unit in (power, power * 10, power * 100):
        for factor in (Decimal(1), Decimal(2), Decimal("2.5"), Decimal(5)):
            step = unit * factor
            steps = (largest / step).to_integral_value(rounding="ROUND_CEILING")
            if steps <= most_steps:
                return step * max(steps, 1), step
    raise AssertionError("unreachable: a step of 100 times the largest figure's power of ten fits")


def _ticks(top: Decimal, step: Decimal, place) -> list[Tick]:
    count = int(top / step)
    return [Tick(round(place(step * i), 1), short_money(step * i)) for i in range(count + 1)]


BAR_LEFT, BAR_RIGHT, BAR_TOP, BAR_HEIGHT, BAR_GAP, BAR_BOTTOM = 200, 24, 8, 24, 14, 32


def bar_chart(
    chart_id: str,
    title: str,
    rows: list[tuple[str, list[Decimal]]],
    series: list[Series],
    description: str = "",
) -> BarChart:
    """One horizontal bar a row (label, one value per series, stacked in the series' order); negative values
    draw as nothing (a claw-back is in the table). The axis runs from £0 to a round figure above the longest bar."""
    plot = WIDTH - BAR_LEFT - BAR_RIGHT
    totals = [sum((max(v, ZERO) for v in values), ZERO) for _, values in rows]
    top, step = nice_axis(max(totals, default=ZERO))
    bars, described = [], []
    for position, (label, values) in enumerate(rows):
        y = BAR_TOP + position * (BAR_HEIGHT + BAR_GAP)
        x = float(BAR_LEFT)
        segments = []
        # Each figure in the money format once, for its segment's title and the description alike.
        figures = [money(value) if value else "" for value in values]
        for kind, value, figure in zip(series, values, figures, strict=True):
            if value <= 0:
                continue
            width = float(value / top) * plot
            segments.append(
                Segment(round(x, 1), y, round(width, 1), BAR_HEIGHT, kind.key, f"{label}, {kind.name}: {figure}")
            )
            x += width
        bars.append(Bar(label, y + BAR_HEIGHT / 2, segments))
        named = ", ".join(f"{kind.name} {figure}" for kind, figure in zip(series, figures, strict=True) if figure)
        described.append(f"{label}: {named or 'nothing'}.")
    axis_y = BAR_TOP + len(rows) * (BAR_HEIGHT + BAR_GAP) - BAR_GAP / 2
    shown = {s.series for bar in bars for s in bar.segments}
    return BarChart(
        chart_id=chart_id,
        title=title,
        description=" ".join([*described, description or "Every figure is in the table beside the chart."]),
        width=WIDTH,
        height=int(axis_y + BAR_BOTTOM),
        left=BAR_LEFT,
        right_edge=WIDTH - BAR_RIGHT,
        top=BAR_TOP,
        axis_y=axis_y,
        tick_label_y=axis_y + 20,
        bars=bars,
        ticks=_ticks(top, step, lambda v: BAR_LEFT + float(v / top) * plot),
        legend=[s for s in series if s.key in shown],
    )


COL_LEFT, COL_RIGHT, COL_TOP, COL_BOTTOM, COL_HEIGHT = 72, 16, 16, 48, 300


def months_between(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    """The first day of every month from first's to last's, both included."""
    months, month = [], first.replace(day=1)
    while month <= last:
        months.append(month)
        month = (month + datetime.timedelta(days=32)).replace(day=1)
    return months


def column_chart(
    chart_id: str,
    title: str,
    months: list[tuple[datetime.date, list[Decimal]]],
    series: list[Series],
    line_name: str = "Paid to date",
    description: str = "",
) -> ColumnChart:
    """A column a month, stacked by series, and the running total of every series as a line with a point a month.
    The axis runs from £0 to a round figure above the running total's peak."""
    plot_height = COL_HEIGHT - COL_TOP - COL_BOTTOM
    plot_width = WIDTH - COL_LEFT - COL_RIGHT
    running, cumulative = ZERO, []
    for _, values in months:
        running += sum(values, ZERO)
        cumulative.append(running)
    peak = max([*cumulative, *(sum((max(v, ZERO) for v in vs), ZERO) for _, vs in months)], default=ZERO)
    top, step = nice_axis(peak)
    baseline = COL_TOP + plot_height
    slot = plot_width / max(len(months), 1)
    bar = min(slot * 0.6, 48)

    def height_of(value: Decimal) -> float:
        return float(value / top) * plot_height

    columns, line = [], []
    for position, (month, values) in enumerate(months):
        x = COL_LEFT + slot * position + (slot - bar) / 2
        y = baseline
        segments = []
        for kind, value in zip(series, values, strict=True):
            if value <= 0:
                continue
            height = height_of(value)
            y -= height
            segments.append(
                Segment(
                    round(x, 1),
                    round(y, 1),
                    round(bar, 1),
                    round(height, 1),
                    kind.key,
                    f"{kind.name}, {month:%B %Y}: {money(value)}",
                )
            )
        centre = round(x + bar / 2, 1)
        year = f"{month:%Y}" if position == 0 or month.month == 1 else ""
        columns.append(Column(f"{month:%b}", year, centre, segments))
        line.append(
            Point(
                centre,
                round(baseline - height_of(max(cumulative[position], ZERO)), 1),
                f"{line_name}, end of {month:%B %Y}: {money(cumulative[position])}",
            )
        )
    shown = {s.series for column in columns for s in column.segments}
    return ColumnChart(
        chart_id=chart_id,
        title=title,
        description=" ".join(
            [
                *(point.label + "." for point in line),
                description or "Every figure is in the table beside the chart.",
            ]
        ),
        width=WIDTH,
        height=COL_HEIGHT,
        left=COL_LEFT,
        right_edge=WIDTH - COL_RIGHT,
        baseline=baseline,
        month_label_y=baseline + 20,
        year_label_y=baseline + 38,
        tick_label_x=COL_LEFT - 8,
        columns=columns,
        ticks=_ticks(top, step, lambda v: baseline - float(v / top) * plot_height),
        legend=[s for s in series if s.key in shown],
        line=line,
        line_name=line_name,
    )
