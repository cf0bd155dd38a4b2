"""The BNSSG reference and demo data that `load_demo_data` loads, checked against its source file."""

import csv
import datetime
from collections import Counter
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db.models import Sum

from localities.models import (
    Commissioner,
    ListSizeSnapshot,
    Locality,
    LocalityMembership,
    LocalityVehicle,
    Practice,
    PracticeCommissioner,
    Representative,
    SubLocality,
)
from localities.population import with_population
from onecare.accounts.models import User
from onecare.accounts.roles import Role

# A copy of fixtures/source/nhspaymentsgp_17-18_BNSSG.csv, so the test checks the fixtures independently.
SOURCE = Path(__file__).parent / "data" / "nhspaymentsgp_17-18_BNSSG.csv"
JAN_2018 = datetime.date(2018, 1, 1)
MERGER = datetime.date(2018, 4, 1)

DEMO_LOGINS = [
    ("commissioner", "demo-commissioner-2017", Role.COMMISSIONER, "commissioner", "15C"),
    ("finance", "demo-finance-2017", Role.FINANCE_APPROVER, "commissioner", "15C"),
    ("practice.manager", "demo-practice-manager-2017", Role.PRACTICE_MANAGER, "practice", "L81007"),
    ("locality.lead", "demo-locality-lead-2017", Role.LOCALITY_LEAD, "locality", "sbris"),
    ("data.admin", "demo-data-admin-2017", Role.DATA_ADMIN, None, None),
]


def load(*args) -> str:
    out = StringIO()
    call_command("load_demo_data", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def source_rows() -> list[dict]:
    with SOURCE.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


@pytest.fixture
def demo_data() -> str:
    return load()


def row_counts() -> dict[str, int]:
    """Rows in every table the command can touch, history tables included."""
    models = [
        *apps.get_app_config("localities").get_models(),
        *apps.get_app_config("accounts").get_models(),
        Group,
        User.groups.through,
    ]
    return {model._meta.label: model._default_manager.count() for model in models}


def test_it_loads_six_localities_each_of_at_least_100000_registered_patients(demo_data):
    localities = {loc.name: loc for loc in with_population(Locality.objects.all(), JAN_2018)}

    assert set(localities) == {
        "Inner City & East Bristol",
        "North & West Bristol",
        "South Bristol",
        "Weston, Worle & Villages",
        "Woodspring",
        "South Gloucestershire",
    }
    for name, locality in localities.items():
        assert locality.population >= 100_000, name
    assert {name: loc.commissioner.code for name, loc in localities.items()} == {
        "Inner City & East Bristol": "11H",
        "North & West Bristol": "11H",
        "South Bristol": "11H",
        "Weston, Worle & Villages": "11T",
        "Woodspring": "11T",
        "South Gloucestershire": "12A",
    }


def test_it_loads_every_list_size_of_the_source_file(demo_data, source_rows):
    registered = sum(int(row["Number of Registered Patients (Last Known Figure)"]) for row in source_rows)
    weighted = sum(Decimal(row["Number of Weighted Patients (Last Known Figure)"]) for row in source_rows)

    totals = ListSizeSnapshot.objects.aggregate(
        registered=Sum("registered_patients"), weighted=Sum("weighted_patients")
    )
    assert len(source_rows) == 96
    assert Practice.objects.count() == ListSizeSnapshot.objects.count() == 96
    assert totals == {"registered": registered, "weighted": weighted}
    by_code = {
        s.practice.code: (s.registered_patients, s.weighted_patients)
        for s in ListSizeSnapshot.objects.select_related("practice")
    }
    assert by_code == {
        row["Practice Code"]: (
            int(row["Number of Registered Patients (Last Known Figure)"]),
            Decimal(row["Number of Weighted Patients (Last Known Figure)"]),
        )
        for row in source_rows
    }


def test_it_dates_the_q4_list_sizes_1_january_2018(demo_data, source_rows):
    q4 = {row["Practice Code"] for row in source_rows if row["Quarter used for patient data"] == "Q4"}
    snapshots = ListSizeSnapshot.objects.filter(practice__code__in=q4)

    assert len(q4) == snapshots.count() == 90
    assert set(snapshots.values_list("extract_date", "source_kind", "source")) == {
        (JAN_2018, "nhs_payments", "NHS Payments to General Practice 2017/18, Q4")
    }


def test_it_links_each_practice_to_its_ccg_then_to_15c(demo_data, source_rows):
    ccg_of = {row["Practice Code"]: row["CCG Code"] for row in source_rows}
    first_links = PracticeCommissioner.objects.exclude(commissioner__code="15C").select_related("practice")

    assert Counter(ccg_of.values()) == {"11H": 50, "11T": 21, "12A": 25}
    assert {link.practice.code: link.commissioner.code for link in first_links.select_related("commissioner")} == ccg_of
    assert Counter(link.commissioner.code for link in first_links.select_related("commissioner")) == {
        "11H": 50,
        "11T": 21,
        "12A": 25,
    }
    open_at_merger = Practice.objects.exclude(closed_on__lt=MERGER)
    assert {p.commissioner_on(MERGER).code for p in open_at_merger} == {"15C"}
    assert {p.commissioner_on(JAN_2018) for p in Practice.objects.filter(closed_on__lt=JAN_2018)} == {None}
    assert Commissioner.objects.get(code="15C").lineage_ids() == set(Commissioner.objects.values_list("pk", flat=True))


def test_it_puts_every_practice_in_exactly_one_locality(demo_data):
    memberships = Counter(LocalityMembership.objects.values_list("practice__code", flat=True))

    assert set(memberships) == set(Practice.objects.values_list("code", flat=True))
    assert set(memberships.values()) == {1}
    for membership in LocalityMembership.objects.select_related("practice", "locality__commissioner"):
        link = membership.practice.commissioner_links.order_by("valid_from").first()
        assert link.commissioner == membership.locality.commissioner, membership


def test_it_loads_demo_governance_that_holds_together(demo_data):
    opted_out = LocalityMembership.objects.exclude(opted_out_on=None)

    assert LocalityVehicle.objects.count() == 6
    assert LocalityVehicle.objects.filter(kind="formal").exclude(legal_name="").count() >= 1
    # Every vehicle has a payee record, so its schedules and remittance advice name how it is paid.
    assert not LocalityVehicle.objects.filter(supplier_number="").exists()
    assert not LocalityVehicle.objects.filter(bank_reference="").exists()
    assert len(opted_out) == 1 and opted_out[0].opt_out_reason
    for sub_locality in SubLocality.objects.all():
        assert sub_locality.memberships.exists()
        assert set(sub_locality.memberships.values_list("locality", flat=True)) == {sub_locality.locality_id}
    for locality in Locality.objects.all():
        roles = Counter(Representative.objects.on(JAN_2018).filter(locality=locality).values_list("role", flat=True))
        assert roles == {"lead": 1, "deputy": 1}, locality
    assert Representative.objects.get(user__username="locality.lead").locality.code == "sbris"


def test_it_gives_every_loaded_record_an_initial_history_record(demo_data):
    for model in [Commissioner, Practice, PracticeCommissioner, ListSizeSnapshot, Locality, LocalityMembership]:
        history = model.history.model
        assert history.objects.filter(history_type="+").count() == model.objects.count(), model
        assert not model.objects.exclude(pk__in=history.objects.values("id")).exists(), model


def test_it_changes_nothing_when_run_again(demo_data):
    before = row_counts()

    second = load()

    assert row_counts() == before
    assert "Initial history records written: 0." in second
    assert "0 created, 0 brought up to date" in second


def test_it_puts_back_a_changed_demo_password(demo_data, client):
    user = User.objects.get(username="finance")
    user.set_password("something-else-entirely")
    user.save()

    load()

    assert client.login(username="finance", password="demo-finance-2017")


@pytest.mark.parametrize(("username", "password", "role", "scope", "code"), DEMO_LOGINS)
def test_it_creates_demo_users_who_can_log_in(demo_data, client, username, password, role, scope, code):
    user = User.objects.get(username=username)

    assert client.login(username=username, password=password)
    assert user.role == role
    assert user.is_staff == (role in {Role.COMMISSIONER, Role.FINANCE_APPROVER, Role.DATA_ADMIN})
    assert not user.is_superuser
    if scope:
        assert getattr(user, scope).code == code
    user.full_clean()


def test_it_creates_a_demo_superuser(demo_data, client):
    assert client.login(username="admin", password="demo-admin-2017")
    assert User.objects.get(username="admin").is_superuser


def test_it_loads_only_the_reference_data_when_asked():
    load("--reference-only")

    assert Locality.objects.count() == 6
    assert LocalityMembership.objects.count() == 96
    assert not LocalityVehicle.objects.exists()
    assert not User.objects.exists()


def test_the_reference_data_loads_without_the_demo_the_way_production_loads_it():
    out = StringIO()
    call_command("load_reference_data", stdout=out)

    assert "lts_tranches.json" in out.getvalue()
    assert Locality.objects.count() == 6
    assert LocalityMembership.objects.count() == 96
    assert apps.get_model("funding", "Tranche").objects.count() == 4
    assert not LocalityVehicle.objects.exists()
    assert not User.objects.exists()
    call_command("load_reference_data", stdout=(again := StringIO()))
    assert "Reference data loaded: none;" in again.getvalue()
