"""Payments are final: a release is in one payment run and paid once, held by the database whatever code writes;
a locked run's schedule is frozen at locking; the paid date is finance's, never in the future.
"""

import csv
import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
import time_machine
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.utils import timezone

from funding.evaluation import evaluate_milestones
from funding.exports import schedule_csv, schedule_xlsx
from funding.models import Payment, PaymentRun, PaymentRunState, Release, ReleaseState, ScheduleLine
from funding.payment_runs import (
    PaymentRunNotAllowed,
    payment_run_add,
    payment_run_create,
    payment_run_lock,
    payment_run_mark_paid,
)
from localities.models import LocalityVehicle

from .ledger import join, mark

REFUSED = (IntegrityError,)


def refused(action) -> None:
    """The database refuses the write (in a savepoint, so the test's transaction goes on)."""
    with pytest.raises(REFUSED), transaction.atomic():
        action()


@pytest.fixture
def authorised(lts_rules, people):
    join(people.south_bristol, people.woodspring)
    LocalityVehicle.objects.filter(locality=people.south_bristol).update(kind="formal", legal_name="South Bristol Ltd")
    return [mark(r, ReleaseState.AUTHORISED) for r in evaluate_milestones(datetime.date(2018, 6, 1)).proposed]


@pytest.fixture
def paid_run(authorised, people, bnssg):
    run = payment_run_create(bnssg, actor=people.finance, name="June 2018", cost_centre="LTS001")
    payment_run_add(run, authorised, actor=people.finance)
    payment_run_lock(run, actor=people.finance)
    return payment_run_mark_paid(run, actor=people.finance, paid_on=timezone.localdate())


@pytest.fixture
def second_run(people, bnssg):
    return payment_run_create(bnssg, actor=people.finance, name="July 2018", cost_centre="LTS001")


def test_the_database_refuses_to_take_a_paid_release_back_by_update(paid_run, second_run):
    release = paid_run.releases.first()
    releases = Release.objects.filter(pk=release.pk)

    refused(lambda: releases.update(state=ReleaseState.AUTHORISED, payment_run=None, paid_on=None))
    refused(lambda: releases.update(state=ReleaseState.SCHEDULED, payment_run=second_run, paid_on=None))
    refused(lambda: releases.update(payment_run=second_run))
    refused(lambda: releases.update(paid_on=datetime.date(2018, 1, 1)))
    refused(lambda: releases.update(amount=Decimal("1.00")))
    refused(lambda: releases.delete())

    release.refresh_from_db()
    assert (release.state, release.payment_run_id) == (ReleaseState.PAID, paid_run.pk)


def test_the_database_refuses_to_take_a_paid_release_back_by_save(paid_run, second_run):
    release = paid_run.releases.first()
    release.state, release.payment_run, release.paid_on = ReleaseState.AUTHORISED, None, None

    refused(release.save)

    release.refresh_from_db()
    release.payment_run = second_run
    refused(release.save)


def test_the_database_refuses_a_second_payment_of_a_release(paid_run, second_run, people):
    release = paid_run.releases.first()

    refused(
        lambda: Payment.objects.create(
            release=release,
            payment_run=second_run,
            amount=release.amount,
            paid_on=timezone.localdate(),
            recorded_by=people.finance,
            recorded_at=timezone.now(),
        )
    )
    refused(lambda: Payment.objects.filter(release=release).update(payment_run=second_run))
    refused(lambda: Payment.objects.filter(release=release).delete())
    assert Payment.objects.filter(release=release).count() == 1


def test_a_paid_release_is_never_added_to_another_run(paid_run, second_run, people):
    release = paid_run.releases.first()

    with pytest.raises(PaymentRunNotAllowed, match="paid, not authorised|was paid on"):
        payment_run_add(second_run, [release], actor=people.finance)
    assert not second_run.releases.exists()


def test_a_release_with_a_payment_is_refused_a_run_and_a_payment_in_words(authorised, second_run, people):
    # A payment recorded however it came (an old import, a repair): the transitions see it before the constraint.
    release = authorised[0]
    old_run = payment_run_create(second_run.commissioner, actor=people.finance, name="Old")
    Payment.objects.create(
        release=release,
        payment_run=old_run,
        amount=release.amount,
        paid_on=datetime.date(2018, 3, 5),
        recorded_by=people.finance,
        recorded_at=timezone.now(),
    )

    with pytest.raises(PaymentRunNotAllowed, match=f"{release.reference} was paid on 05/03/2018 in payment run"):
        payment_run_add(second_run, [release], actor=people.finance)


def test_the_database_ties_state_to_run_and_paid_date(authorised, second_run):
    releases = Release.objects.filter(pk=authorised[0].pk)

    refused(lambda: releases.update(state=ReleaseState.PAID))  # no run, no paid date
    refused(lambda: releases.update(state=ReleaseState.SCHEDULED))  # no run
    refused(lambda: releases.update(state=ReleaseState.PAID, payment_run=second_run))  # no paid date
    refused(lambda: releases.update(payment_run=second_run))  # authorised, yet in a run
    refused(lambda: releases.update(paid_on=datetime.date(2018, 3, 5)))  # a paid date, yet not paid


def test_the_database_refuses_to_take_a_paid_or_locked_run_back(paid_run, authorised, people, bnssg):
    runs = PaymentRun.objects.filter(pk=paid_run.pk)
    refused(lambda: runs.update(state=PaymentRunState.LOCKED))
    refused(lambda: runs.update(state=PaymentRunState.DRAFT))
    refused(lambda: runs.update(paid_on=datetime.date(2018, 1, 1)))
    refused(lambda: runs.update(cost_centre="OTHER"))
    refused(lambda: runs.delete())
    refused(lambda: ScheduleLine.objects.filter(payment_run=paid_run).update(payee="Someone else"))
    refused(lambda: ScheduleLine.objects.filter(payment_run=paid_run).delete())


def test_the_database_refuses_to_change_a_locked_runs_releases(lts_rules, people, bnssg):
    join(people.south_bristol, people.woodspring)
    first, second = [mark(r, ReleaseState.AUTHORISED) for r in evaluate_milestones(datetime.date(2018, 6, 1)).proposed]
    run = payment_run_create(bnssg, actor=people.finance, name="June 2018")
    payment_run_add(run, [first], actor=people.finance)
    payment_run_lock(run, actor=people.finance)
    other = payment_run_create(bnssg, actor=people.finance, name="July 2018")
    payment_run_add(other, [second], actor=people.finance)

    refused(lambda: Release.objects.filter(pk=second.pk).update(payment_run=run))  # into a locked run
    refused(lambda: Release.objects.filter(pk=first.pk).update(state=ReleaseState.AUTHORISED, payment_run=None))
    refused(lambda: PaymentRun.objects.filter(pk=run.pk).update(state=PaymentRunState.DRAFT))


def test_marking_paid_records_the_paid_date_and_one_payment_per_release(authorised, people, bnssg):
    run = payment_run_create(bnssg, actor=people.finance, name="June 2018")
    payment_run_add(run, authorised, actor=people.finance)
    payment_run_lock(run, actor=people.finance)
    today = timezone.localdate()

    payment_run_mark_paid(run, actor=people.finance, paid_on=today.strftime("%d/%m/%Y"))

    run.refresh_from_db()
    assert (run.state, run.paid_on) == (PaymentRunState.PAID, today)
    assert {r.paid_on for r in run.releases.all()} == {today}
    payments = Payment.objects.filter(payment_run=run)
    assert sorted(p.release_id for p in payments) == sorted(r.pk for r in authorised)
    assert sum(p.amount for p in payments) == sum(r.amount for r in authorised)
    assert {p.recorded_by for p in payments} == {people.finance}


def test_the_paid_date_defaults_to_today(authorised, people, bnssg):
    run = payment_run_create(bnssg, actor=people.finance, name="June 2018")
    payment_run_add(run, authorised, actor=people.finance)
    payment_run_lock(run, actor=people.finance)

    payment_run_mark_paid(run, actor=people.finance)

    run.refresh_from_db()
    assert run.paid_on == timezone.localdate()


@pytest.mark.parametrize(
    ("paid_on", "says"),
    [
        (datetime.date(2099, 1, 1), "is in the future"),
        ("31/02/2018", "as DD/MM/YYYY"),
        ("soon", "as DD/MM/YYYY"),
        (datetime.date(2000, 1, 1), "before the run was locked"),
    ],
)
def test_it_refuses_a_paid_date_in_the_future_or_before_locking(authorised, people, bnssg, paid_on, says):
    run = payment_run_create(bnssg, actor=people.finance, name="June 2018")
    payment_run_add(run, authorised, actor=people.finance)
    payment_run_lock(run, actor=people.finance)

    with pytest.raises(PaymentRunNotAllowed, match=says):
        payment_run_mark_paid(run, actor=people.finance, paid_on=paid_on)

    run.refresh_from_db()
    assert run.state == PaymentRunState.LOCKED and not Payment.objects.exists()


def exports(run) -> tuple:
    out = io.StringIO()
    call_command("export_payment_schedule", str(run.pk), "--format", "csv", stdout=out)
    sheet = openpyxl.load_workbook(io.BytesIO(schedule_xlsx(run))).active
    return schedule_csv(run), out.getvalue(), [list(row) for row in sheet.iter_rows(values_only=True)]


def test_a_locked_runs_schedule_is_frozen_at_locking(authorised, people, bnssg):
    run = payment_run_create(bnssg, actor=people.finance, name="June 2018", cost_centre="LTS001")
    payment_run_add(run, authorised, actor=people.finance)
    run = payment_run_lock(run, actor=people.finance)
    before = exports(run)
    rows = list(csv.reader(io.StringIO(before[0])))
    assert [row[2] for row in rows[1:-1]] == ["South Bristol Ltd", "Woodspring partnership"]
    assert rows[-1][0] == "Total" and rows[-1][8] == "LTS001"

    # The payee, the vehicle, the locality's name change after locking; the cost centre cannot change at all.
    LocalityVehicle.objects.filter(locality=people.south_bristol).update(legal_name="Someone Else Ltd")
    LocalityVehicle.objects.filter(locality=people.woodspring).update(kind="formal", legal_name="Woodspring Ltd")
    people.south_bristol.name = "Renamed"
    people.south_bristol.save()
    refused(lambda: PaymentRun.objects.filter(pk=run.pk).update(cost_centre="OTHER"))

    assert exports(run) == before
    payment_run_mark_paid(run, actor=people.finance)
    run.refresh_from_db()
    assert exports(run) == before


@time_machine.travel(datetime.datetime(2018, 7, 2, 12, 0, tzinfo=datetime.UTC))
def test_a_draft_runs_schedule_is_live_and_says_it_is_a_draft(authorised, people, bnssg):
    run = payment_run_create(bnssg, actor=people.finance, name="June 2018", cost_centre="LTS001")
    payment_run_add(run, authorised, actor=people.finance)
    LocalityVehicle.objects.filter(locality=people.south_bristol).update(legal_name="New Name Ltd")

    rows = list(csv.reader(io.StringIO(schedule_csv(run))))

    assert rows[1][2] == "New Name Ltd"
    assert rows[-1][0].startswith("Draft total")
    assert openpyxl.load_workbook(io.BytesIO(schedule_xlsx(run))).active.title == f"Payment run {run.pk} (draft)"
    assert not ScheduleLine.objects.exists()


def test_finance_gives_the_paid_date_in_the_admin(client, authorised, people, bnssg):
    from django.contrib.messages import get_messages
    from django.urls import reverse

    run = payment_run_create(bnssg, actor=people.finance, name="June 2018")
    payment_run_add(run, authorised, actor=people.finance)
    payment_run_lock(run, actor=people.finance)
    client.force_login(people.finance)
    url = reverse("admin:funding_paymentrun_step", args=[run.pk, "pay"])
    page = client.get(reverse("admin:funding_paymentrun_change", args=[run.pk])).content.decode()
    # The admin page sends finance to the portal's confirmation, which asks for the paid date; its own step still
    # takes one.
    assert reverse("funding:run-step", args=[run.pk, "pay"]) in page
    pay = client.get(reverse("funding:run-step", args=[run.pk, "pay"])).content.decode()
    assert 'name="paid_on_day"' in pay and 'name="paid_on_year"' in pay

    response = client.post(url, {"paid_on": "01/01/2099"})
    assert response.status_code == 302
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "The paid date 01/01/2099 is in the future: mark the run paid once the money has left."
    ]
    assert PaymentRun.objects.get(pk=run.pk).state == PaymentRunState.LOCKED

    today = timezone.localdate()
    assert client.post(url, {"paid_on": today.strftime("%d/%m/%Y")}).status_code == 302
    run.refresh_from_db()
    assert (run.state, run.paid_on) == (PaymentRunState.PAID, today)
