"""Load the BNSSG reference data (portal.reference_data): what a new service, production included, starts from.

    python manage.py load_reference_data            # CCGs, practices, list sizes, localities, checklist, tranches
    python manage.py load_reference_data --reload   # reset the fixture records to the files' values

No demo records and no users: the demo (`load_demo_data`) is development only (devdata/apps.py).
"""

from django.core.management.base import BaseCommand

from portal.reference_data import REFERENCE_FIXTURES, load_fixtures


class Command(BaseCommand):
    help = "Load the BNSSG reference data (CCGs, practices, list sizes, localities, the LTS checklist and tranches)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--reload",
            action="store_true",
            help="Load every fixture file even if its records are present, resetting them to the files' values.",
        )

    def handle(self, *args, reload: bool = False, **options):
        loaded, skipped, history_written = load_fixtures(REFERENCE_FIXTURES, reload=reload)
        self.stdout.write(
            f"Reference data loaded: {', '.join(loaded) or 'none'}; "
            f"already present, so skipped: {', '.join(skipped) or 'none'}. "
            f"Initial history records written: {history_written}."
        )
