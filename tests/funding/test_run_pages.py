"""Payment runs in the portal: finance creates a run for a pay date and cost centre, adds authorised releases, sees
the control totals, locks it, exports the schedule and marks it paid on the day the money left; every step is a
confirmation page, a refusal is answered in words, and a repeat is harmless. Commissioners read; others 403;
another CCG's run 404."""

import csv
import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from funding.evaluation import evaluate_milestones
from funding.models import Payment, PaymentRun, PaymentRunState, ReleaseState, ReleaseTransition, ScheduleLine
from funding.payment_runs import payment_run_add, payment_run_create, payment_run_lock, payment_run_mark_paid
from localities.models import LocalityVehicle, Practice
from onecare.accounts.roles import Role
from tests.localities.factories import LocalityFactory
from tests.onecare.factories import UserFactory

from .ledger import join, mark

JUNE = datetime.date(2018, 6, 29)


@pytest.fixture
def authorised(lts_rules, people):
    join(people.south_bristol, people.woodspring)
    LocalityVehicle.objects.filter(locality=people.south_bristol).update(
        kind="formal", legal_name="South Bristol Health Ltd", supplier_number="SUP-0042", bank_reference="LTS SBRIS"
    )
    return [mark(r, ReleaseState.AUTHORISED) for r in evaluate_milestones(datetime.date(2018, 6, 1)).proposed]


@pytest.fixture
def run(people, bnssg):
    return payment_run_create(
        bnssg, actor=people.finance, name="LTS, June 2018", cost_centre="CC100", pay_date=JUNE, subjective_code="5210"
    )


def step(run, name: str) -> str:
    return reverse("funding:run-step", args=[run.pk, name])


def text(response) -> str:
    return response.content.decode()


def date_parts(prefix: str, day) -> dict:
    return {f"{prefix}_day": day.day, f"{prefix}_month": day.month, f"{prefix}_year": day.year}


def test_finance_walks_a_run_from_creation_to_paid(client, people, authorised):
    client.force_login(people.finance)
    listing = client.get(reverse("funding:runs"))
    assert "Create a payment run" in text(listing)
    form = client.get(reverse("funding:run-create"))
    token = form.context["form"].initial["token"]
    assert form.context["form"].initial["subjective_code"] == "52190000"

    created = client.post(
        reverse("funding:run-create"),
        {"name": "LTS, June 2018", "cost_centre": "CC100", "subjective_code": "5210", "token": token}
        | date_parts("pay_date", JUNE),
    )
    run = PaymentRun.objects.get()
    assert created.url == reverse("funding:run", args=[run.pk])
    assert (run.pay_date, run.cost_centre, run.subjective_code, run.state) == (JUNE, "CC100", "5210", "draft")
    page = text(client.get(created.url))
    assert run.reference in page and "29 June 2018" in page
    assert all(release.reference in page for release in authorised)  # offered to add

    ids = [r.pk for r in authorised]
    confirm = client.get(step(run, "add"), {"release": ids})
    assert "£105,000.00" in text(confirm) and run.releases.count() == 0  # a GET changes nothing
    done = client.post(step(run, "add"), {"release": ids})
    assert done.url == reverse("funding:run", args=[run.pk])
    assert run.releases.filter(state=ReleaseState.SCHEDULED).count() == 2
    response = client.get(done.url)
    page = text(response)
    assert "£105,000.00" in page and "South Bristol Health Ltd" in page and "SUP-0042" in page
    for release in authorised:  # each reference leads to the release's page
        assert f'href="{reverse("funding:release", args=[release.pk])}"' in response.content.decode()

    assert "Locking makes the schedule final" in text(client.get(step(run, "lock")))
    client.post(step(run, "lock"))
    run.refresh_from_db()
    assert run.state == PaymentRunState.LOCKED
    assert ScheduleLine.objects.filter(payment_run=run).count() == 2

    pay = client.get(step(run, "pay"))
    assert pay.context["form"]["paid_on_day"].value() == timezone.localdate().day
    today = timezone.localdate()
    client.post(step(run, "pay"), date_parts("paid_on", today))
    run.refresh_from_db()
    assert (run.state, run.paid_on) == (PaymentRunState.PAID, today)
    assert Payment.objects.filter(payment_run=run).count() == 2
    assert "The money left on" in text(client.get(reverse("funding:run", args=[run.pk])))


def test_the_exports_carry_the_run_payee_record_and_breakdown(client, people, authorised, run):
    payment_run_add(run, authorised, actor=people.finance)
    payment_run_lock(run, actor=people.finance)
    client.force_login(people.finance)

    schedule = client.get(reverse("funding:run-export", args=[run.pk, "schedule.csv"]))
    assert schedule["Content-Disposition"] == f'attachment; filename="{run.reference}-schedule.csv"'
    rows = list(csv.DictReader(io.StringIO(schedule.content.decode())))
    south = next(row for row in rows if row["Locality"] == "South Bristol")
    assert (south["Run reference"], south["Pay date"], south["Supplier number"], south["Bank reference"]) == (
        run.reference,
        "29/06/2018",
        "SUP-0042",
        "LTS SBRIS",
    )
    assert (south["Cost centre"], south["Subjective code"]) == ("CC100", "5210")
    breakdown = client.get(reverse("funding:run-export", args=[run.pk, "breakdown.csv"]))
    parts = list(csv.DictReader(io.StringIO(breakdown.content.decode())))
    assert len(parts) == 5  # two practices a release, and the total
    book = openpyxl.load_workbook(
        io.BytesIO(client.get(reverse("funding:run-export", args=[run.pk, "schedule.xlsx"])).content)
    )
    assert book.sheetnames == [f"Payment run {run.pk}", "Practice breakdown"]
    assert client.get(reverse("funding:run-export", args=[run.pk, "schedule.pdf"])).status_code == 404


@pytest.mark.parametrize(
    ("parts", "says"),
    [
        ({}, "Enter the pay date"),
        ({"pay_date_day": "29", "pay_date_year": "2018"}, "Pay date must include a month"),
        ({"pay_date_day": "31", "pay_date_month": "2", "pay_date_year": "2018"}, "Pay date must be a real date"),
        ({"pay_date_day": "1", "pay_date_month": "99999", "pay_date_year": "2018"}, "Pay date must be a real date"),
        ({"pay_date_day": "x", "pay_date_month": "6", "pay_date_year": "18"}, "Pay date must be a real date"),
    ],
)
def test_creating_a_run_needs_a_real_pay_date(client, people, bnssg, parts, says):
    client.force_login(people.finance)

    page = client.post(
        reverse("funding:run-create"), {"name": "June", "cost_centre": "CC1", "subjective_code": "5210"} | parts
    )

    assert page.status_code == 200 and says in text(page) and "nhsuk-error-summary" in text(page)
    assert not PaymentRun.objects.exists()


def test_creating_a_run_twice_from_one_form_makes_one_run(client, people, bnssg):
    client.force_login(people.finance)
    token = client.get(reverse("funding:run-create")).context["form"].initial["token"]
    data = {"name": "June", "cost_centre": "CC1", "subjective_code": "5210", "token": token}
    data |= date_parts("pay_date", JUNE)

    first, second = (client.post(reverse("funding:run-create"), data) for _ in range(2))

    assert PaymentRun.objects.count() == 1
    assert first.url == second.url == reverse("funding:run", args=[PaymentRun.objects.get().pk])


def test_a_commissioner_reads_runs_and_changes_nothing(client, people, authorised, run):
    payment_run_add(run, authorised, actor=people.finance)
    client.force_login(people.bnssg_commissioner)

    listing = text(client.get(reverse("funding:runs")))
    assert run.reference in listing and "Create a payment run" not in listing
    page = text(client.get(reverse("funding:run", args=[run.pk])))
    assert "£105,000.00" in page and "Lock the run" not in page and 'name="release"' not in page
    assert client.get(reverse("funding:run-export", args=[run.pk, "schedule.csv"])).status_code == 200
    assert client.get(reverse("funding:run-create")).status_code == 403
    for name in ("add", "remove", "lock", "pay"):
        assert client.get(step(run, name)).status_code == 403
        assert client.post(step(run, name), {"release": [r.pk for r in authorised]}).status_code == 403
    run.refresh_from_db()
    assert run.state == PaymentRunState.DRAFT and run.releases.count() == 2


@pytest.mark.parametrize("who", ["manager", "lead", "data_admin"])
def test_other_roles_may_not_use_the_run_pages(client, people, run, who):
    client.force_login(getattr(people, who))

    for url in (
        reverse("funding:runs"),
        reverse("funding:run-create"),
        reverse("funding:run", args=[run.pk]),
        step(run, "lock"),
        reverse("funding:run-export", args=[run.pk, "schedule.csv"]),
    ):
        assert client.get(url).status_code == 403, url
    assert client.post(step(run, "lock")).status_code == 403


def test_another_ccgs_run_is_not_found(client, people, bristol, north_somerset):
    ns_finance = UserFactory(role=Role.FINANCE_APPROVER, commissioner=north_somerset)
    theirs = payment_run_create(north_somerset, actor=ns_finance, name="NS", pay_date=JUNE)
    client.force_login(UserFactory(role=Role.FINANCE_APPROVER, commissioner=bristol))

    assert theirs.reference not in text(client.get(reverse("funding:runs")))
    for url in (
        reverse("funding:run", args=[theirs.pk]),
        step(theirs, "lock"),
        reverse("funding:run-export", args=[theirs.pk, "schedule.csv"]),
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(step(theirs, "lock")).status_code == 404
    assert client.get(step(theirs, "nonsense")).status_code == 404


def test_a_refused_step_is_answered_in_words_and_changes_nothing(client, people, authorised, run):
    payment_run_add(run, authorised[:1], actor=people.finance)
    payment_run_lock(run, actor=people.finance)
    client.force_login(people.finance)

    added = client.post(step(run, "add"), {"release": [authorised[1].pk]})
    assert added.status_code == 200
    assert f"Payment run {run.reference} is locked: nothing can be added." in text(added)
    assert run.releases.count() == 1
    locked_again = client.get(step(run, "lock"))
    assert f"Payment run {run.reference} is already locked." in text(locked_again)
    assert '<form method="post"' not in text(locked_again)

    future = timezone.localdate() + datetime.timedelta(days=3)
    refused = client.post(step(run, "pay"), date_parts("paid_on", future))
    assert "is in the future" in text(refused)
    run.refresh_from_db()
    assert run.state == PaymentRunState.LOCKED and not Payment.objects.exists()


def test_paying_a_draft_is_refused(client, people, authorised, run):
    payment_run_add(run, authorised, actor=people.finance)
    client.force_login(people.finance)

    assert "Lock the run (and send its schedule) before marking it paid." in text(client.get(step(run, "pay")))
    refused = client.post(step(run, "pay"), date_parts("paid_on", timezone.localdate()))
    assert "Lock the run (and send its schedule) before marking it paid." in text(refused)
    assert PaymentRun.objects.get(pk=run.pk).state == PaymentRunState.DRAFT


def test_nothing_ticked_is_answered_in_words(client, people, authorised, run):
    client.force_login(people.finance)

    page = client.post(step(run, "add"), {"release": ["not-a-number"]})

    assert "Select at least one release to add" in text(page)
    assert not run.releases.exists()


def test_repeats_are_harmless(client, people, authorised, run):
    client.force_login(people.finance)
    ids = [r.pk for r in authorised]

    said = [client.post(step(run, "add"), {"release": ids}, follow=True) for _ in range(2)]
    assert "2 releases added to" in text(said[0])
    assert f"Those releases were already in payment run {run.reference}." in text(said[1])
    for _ in range(2):
        assert client.post(step(run, "lock")).status_code == 302
    for _ in range(2):
        assert client.post(step(run, "pay"), date_parts("paid_on", timezone.localdate())).status_code == 302

    assert ReleaseTransition.objects.filter(to_state="scheduled").count() == 2
    assert ScheduleLine.objects.filter(payment_run=run).count() == 2
    assert Payment.objects.filter(payment_run=run).count() == 2


def test_finance_takes_a_release_out_of_a_draft(client, people, authorised, run):
    payment_run_add(run, authorised, actor=people.finance)
    client.force_login(people.finance)

    assert authorised[0].reference in text(client.get(step(run, "remove"), {"release": [authorised[0].pk]}))
    client.post(step(run, "remove"), {"release": [authorised[0].pk]})

    authorised[0].refresh_from_db()
    assert (authorised[0].state, authorised[0].payment_run) == (ReleaseState.AUTHORISED, None)
    assert list(run.releases.all()) == [authorised[1]]


def test_a_paid_runs_page_shows_its_frozen_schedule(client, people, authorised, run):
    payment_run_add(run, authorised, actor=people.finance)
    payment_run_lock(run, actor=people.finance)
    payment_run_mark_paid(run, actor=people.finance)
    LocalityVehicle.objects.filter(locality=people.south_bristol).update(legal_name="Renamed Ltd")
    Practice.objects.update(name="Renamed practice")
    client.force_login(people.finance)

    page = text(client.get(reverse("funding:run", args=[run.pk])))

    assert "South Bristol Health Ltd" in page and "Renamed Ltd" not in page
    assert "Per-practice breakdown (4 practice lines)" in page and "Renamed practice" not in page
    assert "60,000" in page and "£30,000.00" in page
    assert "None" not in page and "Mark the run paid" not in page


def grow(bristol, make_member_practice, n: int) -> list:
    """n more localities of Bristol, each with its vehicle and its T1 release authorised."""
    localities = []
    for i in range(n):
        locality = LocalityFactory(code=f"grow{i}", name=f"Locality {i}", commissioner=bristol)
        for patients in (60_000, 45_000):
            make_member_practice(locality, patients=patients)
        localities.append(locality)
    join(*localities)
    return [mark(r, ReleaseState.AUTHORISED) for r in evaluate_milestones(datetime.date(2018, 6, 1)).proposed]


def queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_run_pages_use_a_fixed_number_of_queries(
    client, people, bristol, make_member_practice, authorised, run, django_assert_max_num_queries
):
    payment_run_add(run, authorised[:1], actor=people.finance)
    client.force_login(people.finance)
    pages = [
        reverse("funding:runs"),
        reverse("funding:run", args=[run.pk]),
        step(run, "lock"),
        reverse("funding:run-export", args=[run.pk, "schedule.xlsx"]),
    ]
    for url in pages:
        client.get(url)
    few = {url: queries(client, url) for url in pages}

    more = grow(bristol, make_member_practice, 12)
    payment_run_add(run, more[:8], actor=people.finance)
    assert run.releases.count() == 9 and len(more) == 12

    for url in pages:
        with django_assert_max_num_queries(few[url]):
            assert client.get(url).status_code == 200
    assert max(few.values()) <= 20
    page = text(client.get(reverse("funding:run", args=[run.pk])))
    assert page.count('name="release"') == 9 + 5  # in the run, and not in a run yet
    assert Decimal("52500.00") * 9 == sum(r.amount for r in run.releases.all())


def test_taking_a_release_out_twice_is_harmless(client, people, authorised, run):
    payment_run_add(run, authorised, actor=people.finance)
    client.force_login(people.finance)

    for _ in range(2):
        assert client.post(step(run, "remove"), {"release": [authorised[0].pk]}).status_code == 302

    assert list(run.releases.all()) == [authorised[1]]
    assert ReleaseTransition.objects.filter(release=authorised[0], from_state="scheduled").count() == 1


def test_a_form_sent_back_without_its_token_still_creates_one_run(client, people, bnssg):
    client.force_login(people.finance)
    data = {"name": "June", "cost_centre": "CC1", "subjective_code": "5210", "token": "\x00<not a token>"}

    response = client.post(reverse("funding:run-create"), data | date_parts("pay_date", JUNE))

    assert response.status_code == 302 and PaymentRun.objects.count() == 1


def test_an_empty_run_is_not_offered_to_lock(client, people, run):
    client.force_login(people.finance)

    page = text(client.get(step(run, "lock")))

    assert "Add releases to the run before locking it." in page and '<form method="post"' not in page
    assert "Add releases to the run before locking it." in text(client.post(step(run, "lock")))
    assert PaymentRun.objects.get(pk=run.pk).state == PaymentRunState.DRAFT
