"""Propose the quarter's Improved Access releases, as the quarterly task does:

    python manage.py evaluate_improved_access [--quarter 2018Q1] [--date YYYY-MM-DD]

Prints one line per release or adjustment proposed and per locality left without a release (with
the reason), then exactly `summary: proposed=N adjustments=N amount=POUNDS.PENCE`.
"""

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from funding.management.commands.evaluate_milestones import iso_date
from improved_access.payments import IAPaymentError, evaluate_improved_access
from improved_access.quarters import Quarter
from onecare.formats import money, patients


def quarter_arg(value: str) -> Quarter:
    try:
        return Quarter.parse(value)
    except ValueError as error:
        raise CommandError(str(error)) from None


class Command(BaseCommand):
    help = "Propose an Improved Access release for each compliant locality for a financial-year quarter."

    def add_arguments(self, parser):
        parser.add_argument(
            "--quarter", type=quarter_arg, help="E.g. 2018Q1 = April-June 2018 (default: this quarter)."
        )
        parser.add_argument("--date", type=iso_date, help="Evaluate as on this day (default today).")

    def handle(self, *args, quarter: Quarter | None = None, date: datetime.date | None = None, **options):
        today = date or timezone.localdate()
        try:
            outcome = evaluate_improved_access(quarter or Quarter.of(today), today=today, trigger="command")
        except IAPaymentError as error:
            raise CommandError(str(error)) from None
        for release in outcome.proposed + outcome.adjustments:
            kind = "adjustment" if release.adjusts_id else "release"
            self.stdout.write(
                f"{kind} {release.pk}: IA {outcome.quarter} {release.locality.name} "
                f"{money(release.rate)} x {patients(release.population)} = {money(release.amount)}"
            )
        for record in outcome.assessments:
            if record.reason:
                self.stdout.write(f"no release: {record.locality.name}: {record.reason}")
        self.stdout.write(outcome.summary_line())
