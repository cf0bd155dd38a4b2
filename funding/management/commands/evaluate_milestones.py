"""Propose the LTS releases now due, as the nightly task does:

    python manage.py evaluate_milestones [--date YYYY-MM-DD]

Prints one line per release or adjustment proposed, then exactly
`summary: proposed=N adjustments=N amount=POUNDS.PENCE`.
"""

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from funding.evaluation import evaluate_milestones
from onecare.formats import money, patients


def iso_date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--date wants YYYY-MM-DD, not {value!r}.") from None


class Command(BaseCommand):
    help = "Propose every LTS release whose gate is met, and adjustments of paid releases whose list sizes changed."

    def add_arguments(self, parser):
        parser.add_argument(
            "--date", type=iso_date, help="Judge gates on evidence accepted by this day (default today)."
        )

    def handle(self, *args, date: datetime.date | None = None, **options):
        outcome = evaluate_milestones(date or timezone.localdate(), trigger="command")
        for release in outcome.proposed + outcome.adjustments:
            kind = "adjustment" if release.adjusts_id else "release"
            self.stdout.write(
                f"{kind} {release.pk}: {release.tranche.code} {release.locality.name} "
                f"{money(release.rate)} x {patients(release.population)} = {money(release.amount)}"
            )
        self.stdout.write(outcome.summary_line())
