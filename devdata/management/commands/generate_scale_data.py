"""Add a synthetic, seeded, England-sized data set for performance work (see devdata/scale.py).

    python manage.py generate_scale_data --practices 6500 --localities 1250 --quarters 20 --seed 1

Run it on an empty (migrated) database: it adds to what is there. Not for production data.
"""

import time

from django.core.management.base import BaseCommand

from devdata.scale import generate_scale_data


class Command(BaseCommand):
    help = "Add synthetic commissioners, practices, list sizes, localities, evidence and releases (seeded)."

    def add_arguments(self, parser):
        parser.add_argument("--practices", type=int, default=6_500)
        parser.add_argument("--localities", type=int, default=1_250)
        parser.add_argument("--quarters", type=int, default=20, help="Quarterly list-size snapshots per practice.")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--commissioners", type=int, default=42, help="How many the localities are spread over.")

    def handle(self, *args, **options):
        start = time.perf_counter()
        added = generate_scale_data(
            practices=options["practices"],
            localities=options["localities"],
            quarters=options["quarters"],
            seed=options["seed"],
            commissioners=options["commissioners"],
        )
        for name, count in sorted(added.items()):
            self.stdout.write(f"{name}: {count:,}")
        self.stdout.write(f"generated in {time.perf_counter() - start:.1f} s")
