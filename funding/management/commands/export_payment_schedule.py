"""Write a payment run's schedule to standard output, as the portal's and the admin's exports do:

python manage.py export_payment_schedule RUN_ID --format csv
python manage.py export_payment_schedule RUN_ID --format csv --breakdown   # the per-practice breakdown
python manage.py export_payment_schedule RUN_ID --format xlsx > schedule.xlsx   # both, as two sheets
"""

import sys

from django.core.management.base import BaseCommand, CommandError

from funding.exports import breakdown_csv, schedule_csv, schedule_xlsx
from funding.models import PaymentRun


class Command(BaseCommand):
    help = "Write a payment run's schedule (CSV or XLSX) to standard output."

    def add_arguments(self, parser):
        parser.add_argument("run_id", type=int)
        parser.add_argument("--format", choices=["csv", "xlsx"], default="csv")
        parser.add_argument(
            "--breakdown", action="store_true", help="CSV: the per-practice breakdown instead of the schedule."
        )

    def handle(self, *args, run_id: int, format: str, breakdown: bool = False, **options):
        run = PaymentRun.objects.select_related("commissioner").filter(pk=run_id).first()
        if run is None:
            raise CommandError(f"There is no payment run {run_id}.")
        if format == "csv":
            self.stdout.write((breakdown_csv if breakdown else schedule_csv)(run), ending="")
        else:
            stream = getattr(self.stdout, "buffer", None) or getattr(sys.stdout, "buffer", None)
            if stream is None:
                raise CommandError("XLSX is binary: redirect standard output to a file.")
            stream.write(schedule_xlsx(run))
