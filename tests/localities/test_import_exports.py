"""Exports of practices and list sizes: no text cell can be run as a spreadsheet formula."""

import csv
import io

import openpyxl
import pytest
from django.urls import reverse
from import_export.formats.base_formats import CSV, XLSX

from localities.importing.exports import ListSizeResource, PracticeResource
from tests.localities.factories import ListSizeFactory, PracticeFactory

DANGEROUS = ['=HYPERLINK("http://evil.example")', "+44 117", "-2+3", "@SUM(A1)", "\tTabbed", "\rReturned"]


@pytest.mark.parametrize("name", DANGEROUS)
def test_it_neutralises_formulae_in_practice_exports(name):
    PracticeFactory(code="L81004", name=name)

    rows = list(csv.reader(io.StringIO(CSV().export_data(PracticeResource().export()))))

    assert rows[1][:2] == ["L81004", "'" + name]


def test_it_neutralises_formulae_in_list_size_exports_as_xlsx():
    ListSizeFactory(practice=PracticeFactory(code="L81004", name="=1+1"), source="@import.csv")

    workbook = openpyxl.load_workbook(io.BytesIO(XLSX().export_data(ListSizeResource().export())))

    header, row = list(workbook.active.iter_rows(values_only=True))
    assert header[:3] == ("practice_code", "practice_name", "extract_date")
    assert (row[0], row[1], row[-1]) == ("L81004", "'=1+1", "'@import.csv")


def test_it_leaves_ordinary_cells_alone():
    PracticeFactory(code="L81004", name="The Southville Surgery", postcode="BS3 1AS")

    rows = list(csv.reader(io.StringIO(CSV().export_data(PracticeResource().export()))))

    assert rows[1][:3] == ["L81004", "The Southville Surgery", "BS3 1AS"]


def test_it_offers_csv_and_xlsx_exports_in_the_admin(client, user_factory):
    client.force_login(user_factory(is_superuser=True, is_staff=True))

    page = client.get(reverse("admin:localities_practice_export")).content.decode()

    assert ">csv<" in page and ">xlsx<" in page
    changelist = client.get(reverse("admin:localities_practice_changelist")).content.decode()
    assert reverse("admin:localities_practice_import") in changelist
