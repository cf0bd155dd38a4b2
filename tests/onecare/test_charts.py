"""The shared money charts (onecare.charts): stacked bars and monthly columns drawn to scale, with a title, a
description of every figure, a title on every segment, classes for the colours and no style attribute or script."""

import datetime
import re
from decimal import Decimal

import pytest
from django.template.loader import render_to_string

from onecare.charts import Series, bar_chart, column_chart, months_between, nice_axis, short_money

STAGES = [Series("paid", "Paid"), Series("proposed", "Proposed")]
SCHEMES = [Series("lts", "LTS"), Series("ia", "Improved Access")]


@pytest.mark.parametrize(
    ("largest", "top", "step"),
    [
        (Decimal("315000"), Decimal("400000"), Decimal("100000")),
        (Decimal("81753.00"), Decimal("100000"), Decimal("20000")),
        (Decimal("240414.59"), Decimal("250000"), Decimal("50000")),
        (Decimal("1"), Decimal("1"), Decimal("0.2")),
        (Decimal("0"), Decimal("1"), Decimal("1")),
    ],
)
def test_the_axis_has_a_round_top_in_at_most_five_steps(largest, top, step):
    assert nice_axis(largest) == (top, step)
    assert top >= largest and top / step <= 5


@pytest.mark.parametrize(
    ("amount", "label"),
    [(Decimal(0), "£0"), (Decimal(500), "£500"), (Decimal(50_000), "£50k"), (Decimal(1_500_000), "£1.5m")],
)
def test_axis_labels_are_short(amount, label):
    assert short_money(amount) == label


def test_a_bar_is_as_long_as_its_figures_stacked_in_the_series_order():
    chart = bar_chart(
        "c",
        "Money",
        [("South Bristol", [Decimal(100), Decimal(300)]), ("Woodspring", [Decimal(0), Decimal(50)])],
        STAGES,
    )
    south, wood = chart.bars
    paid, proposed = south.segments
    plot = chart.right_edge - chart.left
    # The axis runs to £400: 100 is a quarter of the plot, 300 three quarters, one after the other.
    assert (paid.series, proposed.series) == ("paid", "proposed")
    assert paid.x == chart.left and paid.width == pytest.approx(plot / 4, abs=0.1)
    assert proposed.x == pytest.approx(chart.left + plot / 4, abs=0.1)
    assert proposed.width == pytest.approx(plot * 3 / 4, abs=0.1)
    assert [s.series for s in wood.segments] == ["proposed"]  # nothing paid draws nothing
    assert paid.label == "South Bristol, Paid: £100.00"
    assert chart.ticks[-1].label == "£400" and chart.ticks[-1].at == chart.right_edge
    assert "South Bristol: Paid £100.00, Proposed £300.00." in chart.description
    assert "Woodspring: Proposed £50.00." in chart.description


def test_a_negative_figure_draws_nothing_and_an_empty_chart_still_draws():
    chart = bar_chart("c", "Money", [("Claw-back", [Decimal(-20), Decimal(0)])], STAGES)
    # A claw-back is said in the description (and the table), but draws no bar.
    assert chart.bars[0].segments == [] and "Claw-back: Paid -£20.00." in chart.description
    assert bar_chart("e", "Nothing", [], STAGES).bars == []


def test_columns_stack_each_month_and_the_line_runs_to_date():
    months = [
        (datetime.date(2018, 4, 1), [Decimal(100), Decimal(0)]),
        (datetime.date(2018, 5, 1), [Decimal(0), Decimal(0)]),
        (datetime.date(2018, 6, 1), [Decimal(50), Decimal(50)]),
    ]
    chart = column_chart("p", "Paid", months, SCHEMES)
    april, may, june = chart.columns
    assert [s.series for s in april.segments] == ["lts"] and may.segments == []
    assert [s.series for s in june.segments] == ["lts", "ia"]
    assert (april.year, may.year, april.label) == ("2018", "", "Apr")
    # The running total is £100, £100, £200: flat in May, up in June, on an axis to £200.
    assert chart.line[0].y == chart.line[1].y > chart.line[2].y
    assert chart.line[2].y == pytest.approx(chart.ticks[-1].at, abs=0.1) and chart.ticks[-1].label == "£200"
    assert chart.line[2].label == "Paid to date, end of June 2018: £200.00"
    assert [s.key for s in chart.legend] == ["lts", "ia"]


def test_months_between_counts_every_month_across_a_year_end():
    months = months_between(datetime.date(2018, 11, 20), datetime.date(2019, 2, 1))
    assert months == [datetime.date(2018, 11, 1), datetime.date(2018, 12, 1), datetime.date(2019, 1, 1)] + [
        datetime.date(2019, 2, 1)
    ]


@pytest.mark.parametrize("template", ["includes/chart_bars.html", "includes/chart_columns.html"])
def test_the_charts_render_as_accessible_svg_without_inline_style_or_script(template):
    if "bars" in template:
        chart = bar_chart("money-chart-1", "Money & more", [("South Bristol", [Decimal(5), Decimal(7)])], STAGES)
    else:
        chart = column_chart(
            "paid-chart", "Paid & more", [(datetime.date(2018, 4, 1), [Decimal(5), Decimal(7)])], SCHEMES
        )
    svg = render_to_string(template, {"chart": chart})
    assert re.search(r'<svg [^>]*role="img"', svg)
    assert f'aria-labelledby="{chart.chart_id}-title {chart.chart_id}-desc"' in svg
    assert f'<title id="{chart.chart_id}-title">' in svg and "&amp; more</title>" in svg
    assert f'<desc id="{chart.chart_id}-desc">' in svg
    assert "style=" not in svg and "<script" not in svg
    rects = re.findall(r'<rect class="portal-svg__series--(\w+)"[^>]*><title>([^<]+)</title>', svg)
    assert len(rects) == 2 and all("£" in title for _, title in rects)
    assert 'class="portal-svg-legend"' in svg


@pytest.mark.parametrize("template", ["includes/chart_bars.html", "includes/chart_columns.html"])
def test_every_tick_has_its_grid_line_and_label(template):
    """The ticks are drawn by the chart's grid: one grid line and one label a tick, at the tick's place."""
    if "bars" in template:
        chart = bar_chart("c", "t", [("South Bristol", [Decimal(1_234_567), Decimal(7)])], STAGES)
    else:
        chart = column_chart("c", "t", [(datetime.date(2018, 4, 1), [Decimal(1_234_567), Decimal(7)])], SCHEMES)
    svg = render_to_string(template, {"chart": chart})
    assert svg.count('class="portal-svg__grid"') == len(chart.ticks) > 2
    for tick in chart.ticks:
        assert f'"{tick.at}"' in svg and f">{tick.label}</text>" in svg


def test_a_column_chart_draws_each_month_with_its_year_under_the_first_and_each_january():
    months = [
        (datetime.date(2018, 11, 1), [Decimal(5), Decimal(0)]),
        (datetime.date(2018, 12, 1), [Decimal(0), Decimal(0)]),
        (datetime.date(2019, 1, 1), [Decimal(2), Decimal("3.50")]),
    ]
    chart = column_chart("paid-chart", "Paid", months, SCHEMES)
    svg = render_to_string("includes/chart_columns.html", {"chart": chart})
    assert len(re.findall(r"<rect ", svg)) == 3  # a month's nothing draws nothing
    assert re.findall(r'text-anchor="middle">(\w+)</text>', svg) == ["Nov", "2018", "Dec", "Jan", "2019"]
    assert f'<polyline class="portal-svg__line" points="{chart.line_points}"/>' in svg
    assert svg.count('<circle class="portal-svg__point"') == 3 and "Paid to date, end of January 2019: £10.50" in svg
