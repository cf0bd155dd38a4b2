"""Write a payment run's schedule to standard output, as the admin's export does:

python manage.py export_payment_schedule RUN_ID --format csv
python manage.py export_payment_schedule RUN_ID --format xlsx > schedule.xlsx
"""

import sys

from django.core.management.base import BaseCommand, CommandError

from funding.exports import schedule_csv, schedule_xlsx
from funding.models import PaymentRun


class Command(BaseCommand):
    help = "Write a payment run's schedule (CSV or XLSX) to standard output."

    def add_arguments(self, parser):
        parser.add_argument("run_id", type=int)
        parser.add_argument("--format", choices=["csv", "xlsx"], default="csv")

    def handle(self, *args, run_id: int, format: str, **options):
        run = PaymentRun.objects.filter(pk=run_id).first()
        if run is None:
            raise CommandError(f"There is no payment run {run_id}.")
        if format == "csv":
            self.stdout.write(schedule_csv(run), ending="")
        else:
            stream = getattr(self.stdout, "buffer", None) or getattr(sys.stdout, "buffer", None)
            if stream is None:
                raise CommandError("XLSX is binary: redirect standard output to a file.")
            stream.write(schedule_xlsx(run))
