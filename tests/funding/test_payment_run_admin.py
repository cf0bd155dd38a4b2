import datetime

import pytest
from django.urls import reverse

from funding.evaluation import evaluate_milestones
from funding.models import PaymentRun, PaymentRunState, ReleaseState
from funding.payment_runs import payment_run_create

from .ledger import join, mark


@pytest.fixture
def authorised(lts_rules, people):
    join(people.south_bristol, people.woodspring)
    return [mark(r, ReleaseState.AUTHORISED) for r in evaluate_milestones(datetime.date(2018, 6, 1)).proposed]


def test_it_adds_releases_to_a_run_locks_exports_and_pays(client, people, bnssg, authorised):
    run = payment_run_create(bnssg, actor=people.finance, name="June 2018", cost_centre="CC1")
    client.force_login(people.finance)
    changelist = reverse("admin:funding_release_changelist")
    ids = [r.pk for r in authorised]

    confirm = client.post(changelist, {"action": "add_to_payment_run", "_selected_action": ids})
    assert "£105,000.00" in confirm.content.decode()
    client.post(changelist, {"action": "add_to_payment_run", "_selected_action": ids, "confirm": "yes", "run": run.pk})
    assert run.releases.filter(state=ReleaseState.SCHEDULED).count() == 2

    page = client.get(reverse("admin:funding_paymentrun_change", args=[run.pk])).content.decode()
    assert 'id="run-releases"' in page and "£105,000.00" in page
    csv = client.get(reverse("admin:funding_paymentrun_export", args=[run.pk, "csv"]))
    assert csv["Content-Type"].startswith("text/csv") and b"105000.00" in csv.content
    xlsx = client.get(reverse("admin:funding_paymentrun_export", args=[run.pk, "xlsx"]))
    assert xlsx.content[:2] == b"PK"

    # Locking and marking paid are offered through the portal's confirmation pages (the paid date asked for there).
    assert reverse("funding:run-step", args=[run.pk, "lock"]) in page
    client.post(reverse("admin:funding_paymentrun_step", args=[run.pk, "lock"]))
    page = client.get(reverse("admin:funding_paymentrun_change", args=[run.pk])).content.decode()
    assert reverse("funding:run-step", args=[run.pk, "pay"]) in page
    assert reverse("funding:run-step", args=[run.pk, "lock"]) not in page
    client.post(reverse("admin:funding_paymentrun_step", args=[run.pk, "pay"]))
    run.refresh_from_db()
    assert run.state == PaymentRunState.PAID
    assert run.releases.filter(state=ReleaseState.PAID).count() == 2


def test_it_hides_runs_of_other_ccgs(client, people, north_somerset, authorised, user_factory):
    from onecare.accounts.roles import Role

    ns_finance = user_factory(role=Role.FINANCE_APPROVER, commissioner=north_somerset)
    run = payment_run_create(north_somerset, actor=ns_finance, name="NS")
    outsider = user_factory(role=Role.FINANCE_APPROVER, commissioner=people.south_bristol.commissioner)
    client.force_login(outsider)

    assert client.get(reverse("admin:funding_paymentrun_export", args=[run.pk, "csv"])).status_code == 404
    assert PaymentRun.objects.count() == 1


def test_it_creates_a_run_in_the_admin_for_finance_only(client, people, bnssg, north_somerset):
    client.force_login(people.finance)
    add = reverse("admin:funding_paymentrun_add")

    refused = client.post(add, {"commissioner": bnssg.pk, "name": "July 2018", "cost_centre": "CC2"})
    assert refused.status_code == 200 and not PaymentRun.objects.exists()  # a pay date is needed
    client.post(
        add,
        {
            "commissioner": bnssg.pk,
            "name": "July 2018",
            "pay_date": "2018-07-31",
            "cost_centre": "CC2",
            "subjective_code": "5210",
        },
    )

    run = PaymentRun.objects.get()
    assert (run.name, run.created_by, run.state) == ("July 2018", people.finance, PaymentRunState.DRAFT)
    assert (run.pay_date, run.subjective_code) == (datetime.date(2018, 7, 31), "5210")
    assert run.history.first().history_user == people.finance
    page = client.get(reverse("admin:funding_paymentrun_change", args=[run.pk])).content.decode()
    assert run.reference in page and reverse("funding:run", args=[run.pk]) in page


def test_the_vehicle_admin_keeps_the_payee_record(client, people):
    from localities.models import LocalityVehicle
    from tests.localities.factories import VehicleFactory

    vehicle = VehicleFactory(locality=people.south_bristol, supplier_number="SUP-1")
    url = reverse("admin:localities_localityvehicle_change", args=[vehicle.pk])
    client.force_login(people.finance)
    page = client.get(url).content.decode()
    assert "Payee record" in page and "SUP-1" in page
    assert client.post(url, {"supplier_number": "SUP-2"}).status_code == 403  # finance reads it

    form = {
        "locality": people.south_bristol.pk,
        "kind": "formal",
        "governance_notes": "Reviewed.",
        "supplier_number": "SUP-2",
        "bank_reference": "LTS SBRIS",
    }
    # A commissioner approves the locality's releases: they record its governance on the portal's governance pages,
    # and only read where its money is paid.
    client.force_login(people.commissioner)
    page = client.get(url).content.decode()
    assert "SUP-1" in page and reverse("localities:governance", args=[people.south_bristol.code]) in page
    assert client.post(url, form).status_code == 403
    vehicle = LocalityVehicle.objects.get(pk=vehicle.pk)
    assert (vehicle.governance_notes, vehicle.supplier_number, vehicle.bank_reference) == ("", "SUP-1", "")

    client.force_login(people.data_admin)  # the data admins keep the payee record, and only that
    assert client.post(url, form).status_code == 302
    vehicle = LocalityVehicle.objects.get(pk=vehicle.pk)
    assert (vehicle.supplier_number, vehicle.bank_reference) == ("SUP-2", "LTS SBRIS")
    assert (vehicle.kind, vehicle.governance_notes) == ("informal", "")
    latest = vehicle.history.first()
    assert (latest.history_user, latest.history_change_reason) == (people.data_admin, "Payee record changed")
