"""Payments are final on the embedded SQLite demo too: its triggers (funding/sqlite_triggers.py, written after every
migrate) refuse to take the demo's paid release back, whatever code writes."""

import os
import subprocess
import sys
from pathlib import Path

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


def test_the_demo_database_refuses_to_take_a_paid_release_back(tmp_path):
    database = tmp_path / "demo.sqlite3"
    manage("migrate", "--noinput", database=database)
    manage("load_demo_data", database=database)

    output = manage("shell", "-c", ATTEMPTS, database=database).splitlines()
    said = [line for line in output if line.startswith(("refused:", "allowed:"))]

    assert said == [
        "refused: back to authorised",
        "refused: into another run",
        "refused: run back to locked",
        "refused: payment changed",
        "refused: schedule line changed",
        "refused: paid twice",
    ]
