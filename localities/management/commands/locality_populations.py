"""Print every locality's population at a date as CSV.

    python manage.py locality_populations --at 2018-01-01 [--weighted]

Columns: locality_code, locality_name, ccg_code (the commissioner the locality was formed under),
practices (members on the date, opted-out practices included), population (registered patients;
with --weighted the weighted population, printed with the three decimal places it is stored to).
One row per locality, ordered by code; the whole table comes from one query.
"""

import csv
import datetime
import re
from decimal import Decimal

from django.core.management.base import BaseCommand, CommandError

from localities.models import Locality
from localities.population import with_population

HEADER = ["locality_code", "locality_name", "ccg_code", "practices", "population"]
WEIGHTED_PLACES = Decimal("0.001")


ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_date(value: str) -> datetime.date:
    try:
        if not ISO_DATE.match(value):
            raise ValueError(value)
        return datetime.date.fromisoformat(value)
    except (TypeError, ValueError):
        raise CommandError(f"--at must be a date written YYYY-MM-DD, e.g. 2018-01-01; got {value!r}.") from None


class Command(BaseCommand):
    help = "Print each locality's registered (or --weighted) population at a date as CSV."

    def add_arguments(self, parser):
        parser.add_argument("--at", required=True, metavar="YYYY-MM-DD", help="The date of the populations.")
        parser.add_argument(
            "--weighted", action="store_true", help="The weighted population instead of registered patients."
        )

    def handle(self, *args, at: str, weighted: bool = False, **options):
        date = parse_date(at)
        localities = with_population(Locality.objects.select_related("commissioner"), date).order_by("code")
        writer = csv.writer(self.stdout, lineterminator="\n")
        writer.writerow(HEADER)
        for locality in localities:
            if weighted:
                population = Decimal(locality.weighted_population).quantize(WEIGHTED_PLACES)
            else:
                population = locality.population
            writer.writerow(
                [locality.code, locality.name, locality.commissioner.code, locality.practice_count, population]
            )
