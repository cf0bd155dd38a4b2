"""Payments are final on the embedded SQLite demo too: its triggers (funding/sqlite_triggers.py, written after every
migrate) refuse to take the demo's paid release back, whatever code writes. And the ledger service writes there as
on PostgreSQL: every release the demo's evaluations proposed (LTS and Improved Access) has the history record,
transition and lines tests/funding/ledger.proposal_record_problems asks for."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent

ATTEMPTS = """
from django.db import IntegrityError, transaction
from funding.models import Payment, PaymentRun, Release, ScheduleLine

paid = Release.objects.filter(state="paid").first()
run = paid.payment_run
other = PaymentRun.objects.create(
    commissioner=run.commissioner, name="Second", created_by=run.created_by, created_at=run.created_at
)
attempts = {
    "back to authorised": lambda: Release.objects.filter(pk=paid.pk).update(
        state="authorised", payment_run=None, paid_on=None
    ),
    "into another run": lambda: Release.objects.filter(pk=paid.pk).update(
        state="scheduled", payment_run=other, paid_on=None
    ),
    "run back to locked": lambda: PaymentRun.objects.filter(pk=run.pk).update(state="locked"),
    "payment changed": lambda: Payment.objects.filter(release=paid).update(payment_run=other),
    "schedule line changed": lambda: ScheduleLine.objects.filter(release=paid).update(payee="Someone else"),
    "paid twice": lambda: Payment.objects.create(
        release=paid, payment_run=other, amount=paid.amount, paid_on=paid.paid_on,
        recorded_by=run.created_by, recorded_at=run.created_at,
    ),
}
for name, attempt in attempts.items():
    try:
        with transaction.atomic():
            attempt()
        print("allowed:", name)
    except IntegrityError:
        print("refused:", name)
"""


def manage(*args: str, database: Path) -> str:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "onecare.settings.local", "DATABASE_URL": f"sqlite:///{database}"}
    env.pop("REDIS_URL", None)
    done = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


@pytest.fixture(scope="module")
def demo_database(tmp_path_factory) -> Path:
    """The demo, loaded into a SQLite database once for the tests of this module."""
    database = tmp_path_factory.mktemp("sqlite") / "demo.sqlite3"
    manage("migrate", "--noinput", database=database)
    manage("load_demo_data", database=database)
    return database


WRITTEN = """
from funding.models import Release
from tests.funding.ledger import proposal_record_problems

for problem in proposal_record_problems():
    print("problem:", problem)
for scheme in ("lts", "ia"):
    print(f"{scheme}:", Release.objects.filter(tranche__scheme__code=scheme).count())
"""


def test_the_demo_database_refuses_to_take_a_paid_release_back(demo_database):
    output = manage("shell", "-c", ATTEMPTS, database=demo_database).splitlines()
    said = [line for line in output if line.startswith(("refused:", "allowed:"))]

    assert said == [
        "refused: back to authorised",
        "refused: into another run",
        "refused: run back to locked",
        "refused: payment changed",
        "refused: schedule line changed",
        "refused: paid twice",
    ]


def test_the_ledger_writes_history_transitions_and_lines_on_sqlite_as_on_postgresql(demo_database):
    output = manage("shell", "-c", WRITTEN, database=demo_database).splitlines()

    assert [line for line in output if line.startswith("problem:")] == []
    counts = dict(line.split(": ") for line in output if line.startswith(("lts:", "ia:")))
    assert int(counts["lts"]) > 0 and int(counts["ia"]) > 0, counts
