"""Migration 0003_payments_are_final on PostgreSQL: runs paid before it get their payments, paid dates and frozen
schedule lines; its reverse removes the triggers, and applying it again puts them back."""

import datetime

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from funding.evaluation import evaluate_milestones
from funding.models import Payment, PaymentRun, Release, ReleaseState, ScheduleLine
from funding.payment_runs import payment_run_add, payment_run_create, payment_run_lock, payment_run_mark_paid

from .ledger import join, mark

TRIGGERS = [
    "funding_release_payments_final",
    "funding_paymentrun_payments_final",
    "funding_payment_written_once",
    "funding_scheduleline_written_once",
    "funding_scheduleline_while_draft",
]


def triggers() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT tgname FROM pg_trigger WHERE tgname LIKE 'funding_%%' AND NOT tgisinternal")
        return sorted(row[0] for row in cursor.fetchall())


@pytest.mark.django_db(transaction=True)
def test_it_backfills_paid_runs_and_reverses(lts_rules, people, bnssg):
    join(people.south_bristol, people.woodspring)
    releases = [mark(r, ReleaseState.AUTHORISED) for r in evaluate_milestones(datetime.date(2018, 6, 1)).proposed]
    run = payment_run_create(bnssg, actor=people.finance, name="June 2018", cost_centre="LTS001")
    payment_run_add(run, releases, actor=people.finance)
    payment_run_lock(run, actor=people.finance)
    run = payment_run_mark_paid(run, actor=people.finance)
    assert triggers() == sorted(TRIGGERS)

    call_command("migrate", "funding", "0002", verbosity=0)
    assert triggers() == []
    call_command("migrate", verbosity=0)

    assert triggers() == sorted(TRIGGERS)
    run = PaymentRun.objects.get(pk=run.pk)
    assert run.paid_on == timezone.localdate(run.paid_at)
    assert ScheduleLine.objects.filter(payment_run=run).count() == 2
    assert sorted(Payment.objects.values_list("release_id", flat=True)) == sorted(r.pk for r in releases)
    assert set(Release.objects.values_list("paid_on", flat=True)) == {run.paid_on}
    assert ScheduleLine.objects.get(release=releases[0]).reference == releases[0].reference
