import datetime
import io

import pytest
from django.core.management import call_command

from funding.evaluation import evaluate_milestones
from funding.models import PaymentRun, PaymentRunState, ReleaseState, ReleaseTransition
from funding.payment_runs import (
    PaymentRunNotAllowed,
    payment_run_add,
    payment_run_create,
    payment_run_lock,
    payment_run_mark_paid,
    payment_run_remove,
)
from funding.release_transitions import ReleaseTransitionNotAllowed

from .ledger import join, mark


@pytest.fixture
def authorised(lts_rules, people):
    join(people.south_bristol, people.woodspring)
    return [mark(r, ReleaseState.AUTHORISED) for r in evaluate_milestones(datetime.date(2018, 6, 1)).proposed]


@pytest.fixture
def run(people, bnssg):
    return payment_run_create(bnssg, actor=people.finance, name="LTS, June 2018", cost_centre="=CC1")


def test_it_walks_a_run_from_draft_to_paid(authorised, run, people):
    payment_run_add(run, authorised, actor=people.finance)
    assert {r.state for r in run.releases.all()} == {ReleaseState.SCHEDULED}

    payment_run_lock(run, actor=people.finance)
    payment_run_mark_paid(run, actor=people.finance)

    run.refresh_from_db()
    assert (run.state, run.paid_by) == (PaymentRunState.PAID, people.finance)
    assert {r.state for r in run.releases.all()} == {ReleaseState.PAID}
    steps = ReleaseTransition.objects.filter(release=authorised[0]).values_list("to_state", flat=True)
    assert list(steps)[-2:] == ["scheduled", "paid"]


def test_it_adds_only_authorised_releases(authorised, run, people):
    mark(authorised[0], ReleaseState.APPROVED)

    with pytest.raises(ReleaseTransitionNotAllowed, match="approved, not authorised"):
        payment_run_add(run, authorised, actor=people.finance)
    assert not run.releases.exists()  # all or nothing


def test_it_takes_releases_out_of_a_draft_run(authorised, run, people):
    payment_run_add(run, authorised, actor=people.finance)

    payment_run_remove(run, authorised[:1], actor=people.finance)

    authorised[0].refresh_from_db()
    assert (authorised[0].state, authorised[0].payment_run) == (ReleaseState.AUTHORISED, None)


def test_it_freezes_a_locked_run(authorised, run, people):
    payment_run_add(run, authorised[:1], actor=people.finance)
    payment_run_lock(run, actor=people.finance)

    with pytest.raises(PaymentRunNotAllowed, match="locked"):
        payment_run_add(run, authorised[1:], actor=people.finance)
    with pytest.raises(PaymentRunNotAllowed):
        payment_run_remove(run, authorised[:1], actor=people.finance)


def test_it_refuses_to_pay_a_draft_or_lock_an_empty_run(run, people):
    with pytest.raises(PaymentRunNotAllowed, match="Lock the run"):
        payment_run_mark_paid(run, actor=people.finance)
    with pytest.raises(PaymentRunNotAllowed, match="Add releases"):
        payment_run_lock(run, actor=people.finance)


@pytest.mark.parametrize("who", ["commissioner", "bnssg_commissioner", "manager", "data_admin"])
def test_it_refuses_anyone_but_finance(authorised, run, people, who):
    with pytest.raises(PaymentRunNotAllowed):
        payment_run_add(run, authorised, actor=getattr(people, who))


def test_it_does_nothing_on_repeats(authorised, run, people):
    payment_run_add(run, authorised, actor=people.finance)
    payment_run_add(run, authorised, actor=people.finance)
    payment_run_lock(run, actor=people.finance)
    payment_run_lock(run, actor=people.finance)
    payment_run_mark_paid(run, actor=people.finance)
    payment_run_mark_paid(run, actor=people.finance)

    assert ReleaseTransition.objects.filter(to_state="paid").count() == 2
    assert ReleaseTransition.objects.filter(to_state="scheduled").count() == 2


def test_it_writes_the_schedule_to_standard_output(authorised, run, people):
    payment_run_add(run, authorised, actor=people.finance)
    out = io.StringIO()

    call_command("export_payment_schedule", str(run.pk), "--format", "csv", stdout=out)

    lines = out.getvalue().splitlines()
    assert lines[0] == (
        "Locality,Locality vehicle,Payee,CCG,Tranche,Kind,Amount,Reference,Cost centre,"
        "Subjective code,Supplier number,Bank reference,Run reference,Pay date"
    )
    assert lines[-1] == (
        f"Draft total (run not locked: may change),,,,,,105000.00,2 payments,'=CC1,52190000,,,{run.reference},"
    )


def test_it_writes_the_breakdown_to_standard_output(authorised, run, people):
    payment_run_add(run, authorised, actor=people.finance)
    out = io.StringIO()

    call_command("export_payment_schedule", str(run.pk), "--format", "csv", "--breakdown", stdout=out)

    lines = out.getvalue().splitlines()
    assert lines[0].startswith("Run reference,Pay date,Reference,Payee,Locality,Practice code")
    assert len(lines) == 6 and lines[-1].endswith(",105000.00")


def test_it_creates_a_run_with_a_pay_date_and_the_default_subjective_code(people, bnssg, settings):
    dated = payment_run_create(bnssg, actor=people.finance, name="June", pay_date=datetime.date(2018, 6, 29))
    assert (dated.pay_date, dated.subjective_code) == (datetime.date(2018, 6, 29), "52190000")
    settings.FUNDING_SUBJECTIVE_CODE = "5999"
    assert payment_run_create(bnssg, actor=people.finance, name="July").subjective_code == "5999"


def test_the_database_keeps_a_locked_runs_pay_date_and_subjective_code(authorised, run, people):
    from django.db import IntegrityError, transaction

    payment_run_add(run, authorised, actor=people.finance)
    payment_run_lock(run, actor=people.finance)
    runs = PaymentRun.objects.filter(pk=run.pk)

    for change in ({"pay_date": datetime.date(2018, 1, 1)}, {"subjective_code": "OTHER"}):
        with pytest.raises(IntegrityError), transaction.atomic():
            runs.update(**change)
    draft = payment_run_create(run.commissioner, actor=people.finance, name="Draft")
    PaymentRun.objects.filter(pk=draft.pk).update(pay_date=datetime.date(2018, 7, 31), subjective_code="5999")


@pytest.mark.django_db(transaction=True)
def test_the_migration_gives_lines_locked_before_it_their_new_columns(lts_rules, people, bnssg):
    from decimal import Decimal

    from django.db import IntegrityError

    from funding.models import ScheduleLine

    join(people.south_bristol, people.woodspring)
    releases = [mark(r, ReleaseState.AUTHORISED) for r in evaluate_milestones(datetime.date(2018, 6, 1)).proposed]
    run = payment_run_create(bnssg, actor=people.finance, name="June 2018", pay_date=datetime.date(2018, 6, 29))
    payment_run_add(run, releases, actor=people.finance)
    payment_run_lock(run, actor=people.finance)
    payment_run_mark_paid(run, actor=people.finance)

    call_command("migrate", "funding", "0005", verbosity=0)
    call_command("migrate", verbosity=0)

    lines = list(ScheduleLine.objects.filter(payment_run=run))
    assert {line.run_reference for line in lines} == {run.reference}
    # A run made before the subjective code existed was charged to no code the portal knows: blank, not a guess.
    assert PaymentRun.objects.get(pk=run.pk).subjective_code == ""
    assert {line.subjective_code for line in lines} == {""}
    assert all(sum(Decimal(part["amount"]) for part in line.breakdown) == line.amount for line in lines)
    assert all(len(line.breakdown) == 2 for line in lines)
    with pytest.raises(IntegrityError, match="written once"):
        ScheduleLine.objects.filter(payment_run=run).update(payee="Someone else")


def test_the_schedule_backfill_runs_after_the_payee_record_exists():
    """Migration 0006 reads each vehicle's supplier number and bank reference: it must come after they are added."""
    from django.db import connection
    from django.db.migrations.loader import MigrationLoader

    plan = MigrationLoader(connection).graph.forwards_plan(("funding", "0006_payment_run_pay_date_schedule_payee"))
    assert ("localities", "0007_vehicle_payee_record") in plan
