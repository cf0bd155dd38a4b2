"""The business plan's charts: server-drawn SVG (no style attribute, no script) with the figures in a table beside
each, and the risk scores the 2016 plan does not give labelled illustrative."""

import re

import pytest
from django.core.management import call_command
from django.urls import reverse

from onecare.businessplan.charts import income_chart, rating_of, risk_grid
from onecare.businessplan.forecast import income_forecast
from onecare.businessplan.models import Risk
from tests.onecare.factories import PASSWORD

from .onecare_factories import onecare_staff

SVG = re.compile(r"<svg\b.*?</svg>", re.DOTALL)


@pytest.fixture
def page(client):
    call_command("loaddata", "fixtures/onecare_businessplan.json", verbosity=0)
    staff = onecare_staff()
    client.login(username=staff.username, password=PASSWORD)
    return client.get(reverse("businessplan:plan")).content.decode()


def test_the_income_forecast_is_drawn_with_its_totals_and_its_table(page):
    svgs = SVG.findall(page)
    income = next(svg for svg in svgs if "income-chart-title" in svg)
    assert 'role="img"' in income and "<title" in income
    for total in ("£12.59m", "£6.59m", "£9.59m"):
        assert total in income
    assert "Table One: potential income" in page  # the figures, beside the chart


def test_the_risk_register_is_a_likelihood_by_impact_grid_with_its_table(page):
    grid = next(svg for svg in SVG.findall(page) if "risk-grid-title" in svg)
    assert grid.count("<rect") == 25
    assert "Risk scores (illustrative)" in page
    assert "are illustrative, for the demo: they are not from the plan" in page


def test_the_charts_need_nothing_the_content_security_policy_forbids(page):
    for svg in SVG.findall(page):
        assert not re.search(r"\sstyle=|<script|<style|\son[a-z]+=", svg, re.IGNORECASE)


def test_the_charts_place_every_figure():
    call_command("loaddata", "fixtures/onecare_businessplan.json", verbosity=0)
    risks = list(Risk.objects.all())
    grid = risk_grid(risks)
    placed = sorted(n for cell in grid.cells for n in cell.risks)
    assert placed == [r.number for r in risks]
    for cell in grid.cells:
        assert cell.rating == rating_of(cell.likelihood * cell.impact)
    chart = income_chart(income_forecast())
    assert [c.year for c in chart.columns] == ["2016/17", "2017/18", "2018/19", "2019/20"]
    tallest = min(s.y for c in chart.columns for s in c.segments)
    assert tallest >= 16  # within the drawing area
