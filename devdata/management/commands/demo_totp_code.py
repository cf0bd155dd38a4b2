"""Print the current security code for the demo accounts' published TOTP secret (the demo only)."""

from django.core.management.base import BaseCommand

from onecare.security.twofactor import DEMO_TOTP_SECRET, demo_token


class Command(BaseCommand):
    help = "Print the security code an authenticator app would show now for the demo secret " + DEMO_TOTP_SECRET

    def handle(self, *args, **options):
        self.stdout.write(demo_token())
