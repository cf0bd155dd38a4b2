"""One locality and one commissioner per practice at a time: the forms say which practice and dates clash,
and the database (PostgreSQL's exclusion constraints) refuses an overlap whatever code writes it."""

import datetime
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from localities.models import ImportStatus, LocalityMembership, PracticeCommissioner
from onecare.accounts.roles import Role
from tests.localities.factories import (
    CommissionerFactory,
    LocalityFactory,
    MembershipFactory,
    PracticeCommissionerFactory,
    PracticeFactory,
)
from tests.localities.test_import_support import database_state, run_import

APR_2013 = datetime.date(2013, 4, 1)
APR_2017 = datetime.date(2017, 4, 1)
MAR_2018 = datetime.date(2018, 3, 31)
APR_2018 = datetime.date(2018, 4, 1)


@pytest.fixture
def south_bristol(bristol):
    return LocalityFactory(code="sbris", name="South Bristol", commissioner=bristol)


@pytest.fixture
def woodspring(north_somerset):
    return LocalityFactory(code="wood", name="Woodspring", commissioner=north_somerset)


@pytest.fixture
def southville():
    return PracticeFactory(code="L81007", name="The Southville Surgery")


@pytest.fixture
def data_admin(user_factory, client):
    user = user_factory(role=Role.DATA_ADMIN)
    client.force_login(user)
    return user


SOUTHVILLE_IN_SOUTH_BRISTOL = (
    "The Southville Surgery (L81007) is already in South Bristol from 1 April 2017: "
    "two localities cannot hold it on the same day."
)


def iso(at: datetime.date | None) -> str:
    return at.isoformat() if at else ""


def practice_form(practice, memberships=(), links=()) -> dict:
    """The practice admin's change form as posted: the practice, then its commissioner and membership rows
    (dicts with the row's id for saved ones)."""
    data = {
        "code": practice.code,
        "name": practice.name,
        "postcode": practice.postcode,
        "opened_on": iso(practice.opened_on),
        "closed_on": iso(practice.closed_on),
        "status": practice.status,
        "_save": "Save",
    }
    for prefix, rows, holder in (
        ("commissioner_links", links, "commissioner"),
        ("memberships", memberships, "locality"),
    ):
        saved = [row for row in rows if row.get("id")]
        data.update(
            {
                f"{prefix}-TOTAL_FORMS": str(len(rows)),
                f"{prefix}-INITIAL_FORMS": str(len(saved)),
                f"{prefix}-MIN_NUM_FORMS": "0",
                f"{prefix}-MAX_NUM_FORMS": "1000",
            }
        )
        for i, row in enumerate(rows):
            data[f"{prefix}-{i}-id"] = str(row.get("id") or "")
            data[f"{prefix}-{i}-practice"] = str(practice.pk)
            data[f"{prefix}-{i}-{holder}"] = str(row[holder].pk)
            data[f"{prefix}-{i}-valid_from"] = iso(row["valid_from"])
            data[f"{prefix}-{i}-valid_to"] = iso(row.get("valid_to"))
            if prefix == "memberships":
                data[f"{prefix}-{i}-sub_locality"] = ""
    return data


def change_url(practice) -> str:
    return reverse("admin:localities_practice_change", args=[practice.pk])


# The practice admin's inlines.


def test_the_practice_admin_shows_memberships_but_saves_none(client, data_admin, southville, south_bristol, woodspring):
    """Which locality holds a practice changes through localities.governance (the governance pages) and the membership
    import: the practice admin's membership rows are read-only, and rows posted to it are ignored."""
    saved = MembershipFactory(practice=southville, locality=south_bristol, valid_from=APR_2017)
    page = client.get(change_url(southville)).content.decode()
    assert "South Bristol" in page and 'name="memberships-0-valid_from"' not in page

    rows = [
        {"id": saved.pk, "locality": south_bristol, "valid_from": APR_2017, "valid_to": MAR_2018},
        {"locality": woodspring, "valid_from": APR_2018},
    ]
    client.post(change_url(southville), practice_form(southville, memberships=rows))

    assert list(southville.memberships.all()) == [saved]
    saved.refresh_from_db()
    assert saved.valid_to is None


def test_the_practice_admin_refuses_two_new_commissioner_links_that_overlap(
    client, data_admin, southville, bristol, bnssg
):
    rows = [
        {"commissioner": bristol, "valid_from": APR_2013},
        {"commissioner": bnssg, "valid_from": APR_2018},
    ]

    response = client.post(change_url(southville), practice_form(southville, links=rows))

    assert response.status_code == 200
    assert (
        "The Southville Surgery (L81007) already belongs to NHS Bristol CCG (11H) from 1 April 2013: "
        "two commissioners cannot hold it on the same day."
    ) in response.content.decode()
    assert not PracticeCommissioner.objects.exists()


def test_the_practice_admin_moves_the_boundary_between_two_commissioner_links_in_one_save(
    client, data_admin, southville, bristol, bnssg
):
    # Saved one row at a time, the first (Bristol) would overlap the second's old dates for a moment.
    first = PracticeCommissionerFactory(
        practice=southville, commissioner=bristol, valid_from=APR_2013, valid_to=MAR_2018
    )
    second = PracticeCommissionerFactory(practice=southville, commissioner=bnssg, valid_from=APR_2018)
    end_of_june, july = datetime.date(2018, 6, 30), datetime.date(2018, 7, 1)
    rows = [
        {"id": first.pk, "commissioner": bristol, "valid_from": APR_2013, "valid_to": end_of_june},
        {"id": second.pk, "commissioner": bnssg, "valid_from": july},
    ]

    response = client.post(change_url(southville), practice_form(southville, links=rows))

    assert response.status_code == 302, response.content.decode()
    second.refresh_from_db()
    assert second.valid_from == july


def test_the_practice_admin_saves_commissioner_links_that_meet_at_the_merger(
    client, data_admin, southville, bristol, bnssg
):
    rows = [
        {"commissioner": bristol, "valid_from": APR_2013, "valid_to": MAR_2018},
        {"commissioner": bnssg, "valid_from": APR_2018},
    ]

    response = client.post(change_url(southville), practice_form(southville, links=rows))

    assert response.status_code == 302, response.content.decode()
    assert southville.commissioner_links.count() == 2


def test_a_clash_saved_by_someone_else_meanwhile_is_answered_in_words(client, data_admin, southville, bristol, bnssg):
    """The forms passed, then the database refused (another person's row arrived in between): nothing is
    saved and the page names the clash as the forms would have."""
    from localities.admin import periods as admin_periods

    PracticeCommissionerFactory(practice=southville, commissioner=bristol, valid_from=APR_2013)
    real_clean = admin_periods.OneAtATimeFormSet.clean
    calls = []

    def clean_that_misses_it_once(formset):
        calls.append(formset.prefix)
        if len(calls) > 1:  # the first page was checked before the other row was saved
            real_clean(formset)

    # The saved row is left out of the formset, as if it had been saved after the page was checked.
    rows = [{"commissioner": bnssg, "valid_from": APR_2018}]
    with mock.patch.object(admin_periods.OneAtATimeFormSet, "clean", clean_that_misses_it_once):
        response = client.post(change_url(southville), practice_form(southville, links=rows))

    page = response.content.decode()
    assert response.status_code == 200
    assert (
        "The Southville Surgery (L81007) already belongs to NHS Bristol CCG (11H) from 1 April 2013: "
        "two commissioners cannot hold it on the same day."
    ) in page
    assert "exclusion" not in page and "violates" not in page
    assert southville.commissioner_links.count() == 1


# The standalone admins.


def test_the_membership_admin_adds_none(client, data_admin, southville, south_bristol, woodspring):
    """Memberships are added through localities.governance (by the locality's commissioners) and the import."""
    MembershipFactory(practice=southville, locality=south_bristol, valid_from=APR_2017, valid_to=MAR_2018)

    response = client.post(
        reverse("admin:localities_localitymembership_add"),
        {"practice": southville.pk, "locality": woodspring.pk, "valid_from": "2018-04-01", "valid_to": ""},
    )

    assert response.status_code == 403
    assert southville.memberships.count() == 1


def test_the_commissioner_link_admin_names_the_clash(client, data_admin, southville, bristol, bnssg):
    PracticeCommissionerFactory(practice=southville, commissioner=bristol, valid_from=APR_2013, valid_to=MAR_2018)

    response = client.post(
        reverse("admin:localities_practicecommissioner_add"),
        {"practice": southville.pk, "commissioner": bnssg.pk, "valid_from": "2018-03-01", "valid_to": ""},
    )

    assert (
        "The Southville Surgery (L81007) already belongs to NHS Bristol CCG (11H) from 1 April 2013 to "
        "31 March 2018: two commissioners cannot hold it on the same day."
    ) in response.content.decode()
    assert southville.commissioner_links.count() == 1


# The database.


def test_the_database_refuses_an_overlapping_membership_written_through_the_orm(southville, south_bristol, woodspring):
    MembershipFactory(practice=southville, locality=south_bristol, valid_from=APR_2017, valid_to=MAR_2018)

    with pytest.raises(IntegrityError, match="membership_one_locality_at_a_time"), transaction.atomic():
        LocalityMembership.objects.create(practice=southville, locality=woodspring, valid_from=MAR_2018)
    with pytest.raises(IntegrityError), transaction.atomic():
        LocalityMembership.objects.bulk_create(
            [LocalityMembership(practice=southville, locality=woodspring, valid_from=datetime.date(2016, 4, 1))]
        )
    # The same locality twice is an overlap too.
    with pytest.raises(IntegrityError), transaction.atomic():
        LocalityMembership.objects.create(practice=southville, locality=south_bristol, valid_from=MAR_2018)

    LocalityMembership.objects.create(practice=southville, locality=woodspring, valid_from=APR_2018)  # adjacent
    assert southville.memberships.count() == 2


def test_the_database_refuses_stretching_a_membership_over_the_next(southville, south_bristol, woodspring):
    first = MembershipFactory(practice=southville, locality=south_bristol, valid_from=APR_2017, valid_to=MAR_2018)
    MembershipFactory(practice=southville, locality=woodspring, valid_from=APR_2018)

    with pytest.raises(IntegrityError), transaction.atomic():
        LocalityMembership.objects.filter(pk=first.pk).update(valid_to=None)


def test_the_database_refuses_an_overlapping_commissioner_link(southville, bristol, bnssg):
    PracticeCommissionerFactory(practice=southville, commissioner=bristol, valid_from=APR_2013)

    with pytest.raises(IntegrityError, match="practice_one_commissioner_at_a_time"), transaction.atomic():
        PracticeCommissioner.objects.create(practice=southville, commissioner=bnssg, valid_from=APR_2018)

    PracticeCommissioner.objects.filter(practice=southville).update(valid_to=MAR_2018)
    PracticeCommissioner.objects.create(practice=southville, commissioner=bnssg, valid_from=APR_2018)  # adjacent
    assert southville.commissioner_links.count() == 2


def test_other_practices_may_share_dates(south_bristol):
    for _ in range(2):
        MembershipFactory(practice=PracticeFactory(), locality=south_bristol, valid_from=APR_2017)
    assert south_bristol.memberships.count() == 2


# The imports.

HEADER = "practice_code,locality_code,sub_locality,valid_from,valid_to,opted_out_on,opt_out_reason"


def template(*rows: str) -> bytes:
    return ("\n".join([HEADER, *rows]) + "\n").encode()


def test_the_membership_import_names_each_clashing_line_and_writes_nothing(southville, south_bristol, woodspring):
    MembershipFactory(practice=southville, locality=south_bristol, valid_from=APR_2017)
    before = database_state()

    record = run_import(
        template(
            "L81007,wood,,2018-04-01,2018-06-30,,",
            "L81007,wood,,2018-09-01,,,",  # clashes with South Bristol too, not with the line before
        )
    )

    assert record.status == ImportStatus.REJECTED
    assert record.problems == [
        {"line": 2, "column": "valid_from", "reason": SOUTHVILLE_IN_SOUTH_BRISTOL},
        {"line": 3, "column": "valid_from", "reason": SOUTHVILLE_IN_SOUTH_BRISTOL},
    ]
    assert database_state() == before


def test_the_membership_import_ends_one_membership_and_starts_the_next_in_one_file(
    southville, south_bristol, woodspring
):
    MembershipFactory(practice=southville, locality=south_bristol, valid_from=APR_2017)

    record = run_import(template("L81007,wood,,2018-04-01,,,", "L81007,sbris,,2017-04-01,2018-03-31,,"))

    assert record.status == ImportStatus.IMPORTED, record.problems
    assert [(m.locality, m.valid_to) for m in southville.memberships.order_by("valid_from")] == [
        (south_bristol, MAR_2018),
        (woodspring, None),
    ]


def test_a_membership_saved_while_the_import_runs_is_named_and_nothing_is_written(
    southville, south_bristol, woodspring
):
    from localities.importing import write_membership

    real_plan = write_membership.MembershipWriter._plan
    calls = []

    def plan_then_someone_saves(writer):
        planned = real_plan(writer)
        if not calls:  # between the check and the write, another person puts the practice in South Bristol
            MembershipFactory(practice=southville, locality=south_bristol, valid_from=APR_2017)
        calls.append(1)
        return planned

    with mock.patch.object(write_membership.MembershipWriter, "_plan", plan_then_someone_saves):
        record = run_import(template("L81007,wood,,2018-04-01,,,"))

    assert record.status == ImportStatus.REJECTED
    assert record.problems == [{"line": 2, "column": "valid_from", "reason": SOUTHVILLE_IN_SOUTH_BRISTOL}]
    assert not southville.memberships.filter(locality=woodspring).exists()


def test_the_register_import_refuses_stretching_a_link_over_the_next(bristol, bnssg):
    from tests.localities.test_import_epraccur import register, register_line

    practice = PracticeFactory(code="L81018")
    PracticeCommissionerFactory(practice=practice, commissioner=bristol, valid_from=APR_2013, valid_to=MAR_2018)
    PracticeCommissionerFactory(practice=practice, commissioner=bnssg, valid_from=APR_2018)
    CommissionerFactory(code="12A", name="NHS South Gloucestershire CCG", valid_to=MAR_2018)
    before = database_state()

    # The register says the practice has belonged to 11H since 2013 and never left.
    record = run_import(register(register_line(code="L81018", commissioner="11H", joined="20130401")))

    assert record.status == ImportStatus.REJECTED
    assert "a practice belongs to one commissioner at a time" in record.problems[0]["reason"]
    assert database_state() == before


# The governance pages: a locality's commissioners add a practice or end its membership.


@pytest.fixture
def commissioner(user_factory, client, bnssg):
    user = user_factory(role=Role.COMMISSIONER, commissioner=bnssg)
    client.force_login(user)
    return user


@pytest.fixture
def southville_in_south_bristol(southville, south_bristol, bristol):
    PracticeCommissionerFactory(practice=southville, commissioner=bristol)
    return MembershipFactory(practice=southville, locality=south_bristol, valid_from=APR_2017)


def test_the_governance_page_names_the_clash_and_adds_nothing(
    client, commissioner, southville_in_south_bristol, southville, woodspring
):
    url = reverse("localities:membership-add", args=[woodspring.code])
    assert "The Southville Surgery (L81007)" in client.get(url).content.decode()

    response = client.post(url, {"practice": southville.pk, "valid_from": "2018-04-01", "valid_to": ""})

    assert response.status_code == 200
    assert SOUTHVILLE_IN_SOUTH_BRISTOL in response.content.decode()
    assert list(southville.memberships.all()) == [southville_in_south_bristol]


def test_the_governance_pages_move_a_practice_from_one_locality_to_the_next(
    client, commissioner, southville_in_south_bristol, southville, south_bristol, woodspring
):
    end = reverse("localities:membership-end", args=[south_bristol.code, southville_in_south_bristol.pk])
    assert client.post(end, {"valid_to": "2018-03-31"}).status_code == 302

    add = reverse("localities:membership-add", args=[woodspring.code])
    response = client.post(add, {"practice": southville.pk, "valid_from": "2018-04-01", "valid_to": ""})

    assert response.status_code == 302, response.content.decode()
    assert [(m.locality, m.valid_to) for m in southville.memberships.order_by("valid_from")] == [
        (south_bristol, MAR_2018),
        (woodspring, None),
    ]
    assert southville.memberships.get(locality=woodspring).history.get().history_user == commissioner


def test_a_clash_saved_meanwhile_on_the_governance_page_is_named(
    southville_in_south_bristol, southville, woodspring, commissioner
):
    from localities import governance

    # The check sees no other membership (as if it ran before the other was saved); the database does.
    with (
        mock.patch.object(LocalityMembership, "overlaps_checked_elsewhere", True),
        pytest.raises(ValidationError) as refused,
    ):
        governance.membership_add(woodspring, actor=commissioner, practice=southville, valid_from=APR_2018)

    assert refused.value.messages == [SOUTHVILLE_IN_SOUTH_BRISTOL]
    assert southville.memberships.count() == 1


def test_the_locality_lead_cannot_change_which_practices_are_in_it(
    client, user_factory, southville_in_south_bristol, south_bristol
):
    client.force_login(user_factory(role=Role.LOCALITY_LEAD, locality=south_bristol))

    assert client.get(reverse("localities:membership-add", args=[south_bristol.code])).status_code == 403
    assert (
        "Add a practice" not in client.get(reverse("localities:governance", args=[south_bristol.code])).content.decode()
    )


def test_the_migration_names_the_overlaps_a_database_already_holds(southville, south_bristol, woodspring):
    import importlib

    from django.apps import apps
    from django.db import connection

    migration = importlib.import_module("localities.migrations.0005_one_locality_at_a_time")
    expected = "L81007: South Bristol from 2017-04-01 and Woodspring from 2018-04-01"
    with pytest.raises(RuntimeError, match=expected), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS membership_one_locality_at_a_time DEFERRED")
        MembershipFactory(practice=southville, locality=south_bristol, valid_from=APR_2017)
        MembershipFactory(practice=southville, locality=woodspring, valid_from=APR_2018)
        migration.refuse_existing_overlaps(apps, None)


# The embedded SQLite demo: triggers instead of the exclusion constraints.

SQLITE_ATTEMPTS = """
import datetime
from django.db import IntegrityError, connection, transaction
from localities.models import Commissioner, Locality, LocalityMembership, Practice, PracticeCommissioner

ccg = Commissioner.objects.create(code="11H", name="NHS Bristol CCG", valid_from=datetime.date(2013, 4, 1))
merged = Commissioner.objects.create(code="15C", name="NHS BNSSG CCG", valid_from=datetime.date(2018, 4, 1))
south, wood = (Locality.objects.create(code=c, name=n, commissioner=ccg) for c, n in [("sb", "S"), ("wd", "W")])
practice = Practice.objects.create(code="L81007", name="The Southville Surgery")
first = LocalityMembership.objects.create(
    practice=practice, locality=south, valid_from=datetime.date(2017, 4, 1), valid_to=datetime.date(2018, 3, 31)
)
PracticeCommissioner.objects.create(practice=practice, commissioner=ccg, valid_from=datetime.date(2013, 4, 1))
attempts = {
    "overlapping membership": lambda: LocalityMembership.objects.create(
        practice=practice, locality=wood, valid_from=datetime.date(2018, 3, 31)
    ),
    "overlapping link": lambda: PracticeCommissioner.objects.create(
        practice=practice, commissioner=merged, valid_from=datetime.date(2018, 4, 1)
    ),
    "adjacent membership": lambda: LocalityMembership.objects.create(
        practice=practice, locality=wood, valid_from=datetime.date(2018, 4, 1)
    ),
    "stretched membership": lambda: LocalityMembership.objects.filter(pk=first.pk).update(valid_to=None),
}
for name, attempt in attempts.items():
    try:
        with transaction.atomic():
            attempt()
        print("allowed:", name)
    except IntegrityError:
        print("refused:", name)
"""


def test_the_sqlite_demo_database_refuses_overlaps_even_after_its_triggers_were_dropped(tmp_path):
    import os
    import sqlite3
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent.parent
    database = tmp_path / "demo.sqlite3"

    def manage(*args: str) -> str:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "onecare.settings.local",
            "DATABASE_URL": f"sqlite:///{database}",
        }
        env.pop("REDIS_URL", None)
        done = subprocess.run(
            [sys.executable, "manage.py", *args], cwd=root, env=env, capture_output=True, text=True, timeout=600
        )
        assert done.returncode == 0, done.stderr[-3000:]
        return done.stdout

    manage("migrate", "--noinput")
    with sqlite3.connect(database) as db:  # as a later migration's table rebuild would
        db.execute("DROP TRIGGER membership_one_locality_at_a_time_insert")
    manage("migrate", "--noinput")

    output = [line for line in manage("shell", "-c", SQLITE_ATTEMPTS).splitlines() if ": " in line]

    assert output == [
        "refused: overlapping membership",
        "refused: overlapping link",
        "allowed: adjacent membership",
        "refused: stretched membership",
    ]
