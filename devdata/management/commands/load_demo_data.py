"""Load the BNSSG reference and demo data, create one demo user per role, and give it all history.

    python manage.py load_demo_data                   # reference + demo data + demo users
    python manage.py load_demo_data --reference-only  # the CCGs, practices, list sizes and localities only
    python manage.py load_demo_data --reload          # reset the fixture records to the files' values

The fixtures (in fixtures/, built by fixtures/build_bnssg.py) have fixed primary keys, so loading
is idempotent: a file whose records are all present already is skipped (so edits made in the
admin survive another `make run`), and --reload loads it again regardless. Fixture loads are raw
saves, which django-simple-history does not record, so every loaded record without history gets
one initial ("created") history record; running the command again adds none.
"""

from dataclasses import dataclass, field

from django.contrib.auth.hashers import check_password
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.models import Sum

from devdata.demo.funding import load_demo_evidence, load_demo_releases
from devdata.demo.improved_access import load_demo as load_ia_demo
from devdata.demo.onecare import DEMO_PEOPLE as ONECARE_DEMO_PEOPLE
from devdata.demo.onecare import load_demo as load_onecare_demo
from localities.models import (
    Commissioner,
    ListSizeSnapshot,
    Locality,
    LocalityMembership,
    LocalityVehicle,
    Practice,
    Representative,
    SubLocality,
)
from onecare.accounts.models import User
from onecare.accounts.roles import STAFF_ROLES, Role, sync_role_groups
from onecare.security.twofactor import demo_devices_seed
from portal.reference_data import REFERENCE_FIXTURES, load_fixtures

DEMO_FIXTURES = ["demo_governance.json"]


@dataclass(frozen=True)
class DemoUser:
    username: str
    password: str
    role: Role | None
    first_name: str
    last_name: str
    # The organisation that scopes the role: {"commissioner": "15C"}, {"practice": "L81007"}, {"locality": "sbris"}.
    organisation: dict[str, str] = field(default_factory=dict)
    superuser: bool = False


# Passwords for the demo only, documented in fixtures/README.md and README.md.
DEMO_USERS = [
    DemoUser(
        "commissioner", "demo-commissioner-2017", Role.COMMISSIONER, "Demo", "Commissioner", {"commissioner": "15C"}
    ),
    # A second commissioner: the first accepts the demo evidence, and nobody approves money
    # released by their own acceptance.
    DemoUser("approver", "demo-approver-2017", Role.COMMISSIONER, "Demo", "Approver", {"commissioner": "15C"}),
    DemoUser("finance", "demo-finance-2017", Role.FINANCE_APPROVER, "Demo", "Finance", {"commissioner": "15C"}),
    DemoUser(
        "practice.manager",
        "demo-practice-manager-2017",
        Role.PRACTICE_MANAGER,
        "Demo",
        "Practice Manager",
        {"practice": "L81007"},
    ),
    DemoUser("locality.lead", "demo-locality-lead-2017", Role.LOCALITY_LEAD, "Dr C.", "Demo", {"locality": "sbris"}),
    DemoUser("data.admin", "demo-data-admin-2017", Role.DATA_ADMIN, "Demo", "Data Admin"),
    DemoUser("admin", "demo-admin-2017", None, "Demo", "Administrator", superuser=True),
]
# The demo locality lead is this representative of their locality.
LEAD_REPRESENTATIVE = {"username": "locality.lead", "locality": "sbris", "role": "lead", "name": "Dr C. Demo"}

ORGANISATION_MODELS = {"commissioner": Commissioner, "practice": Practice, "locality": Locality}


class Command(BaseCommand):
    help = "Load the BNSSG reference data (CCGs, practices, list sizes, localities) and the demo data and users."

    def add_arguments(self, parser):
        parser.add_argument(
            "--reference-only",
            action="store_true",
            help="Load only the reference data: no demo governance records and no demo users.",
        )
        parser.add_argument(
            "--reload",
            action="store_true",
            help="Load every fixture file even if its records are present, resetting them to the files' values.",
        )

    def handle(self, *args, reference_only: bool = False, reload: bool = False, **options):
        files = REFERENCE_FIXTURES + ([] if reference_only else DEMO_FIXTURES)
        with transaction.atomic():
            loaded, skipped, history_written = load_fixtures(files, reload=reload)
            created = updated = 0
            if not reference_only:
                created, updated = self.demo_users()
        if not reference_only:
            # Outside the block above: the demo evidence goes through the real transitions, whose
            # notifications are queued on commit.
            load_demo_evidence()
            load_demo_releases()
            load_onecare_demo()
            load_ia_demo()
            # The demo staff sign in with the published demo TOTP secret (README, "Demo logins").
            demo_usernames = [spec.username for spec in DEMO_USERS] + [person[0] for person in ONECARE_DEMO_PEOPLE]
            demo_devices_seed(User.objects.filter(username__in=demo_usernames))
        self.stdout.write(self.summary(loaded, skipped, history_written, created, updated, reference_only))

    def demo_users(self) -> tuple[int, int]:
        """Create or bring up to date one demo user per role (and the superuser); only what differs is saved."""
        if Group.objects.filter(name__in=[role.value for role in Role]).count() < len(Role):
            sync_role_groups()
        created = updated = 0
        for spec in DEMO_USERS:
            wanted = {
                "first_name": spec.first_name,
                "last_name": spec.last_name,
                "email": f"{spec.username}@example.org",
                "is_active": True,
                "is_staff": spec.superuser or spec.role in STAFF_ROLES,
                "is_superuser": spec.superuser,
                "commissioner": None,
                "practice": None,
                "locality": None,
            }
            for attr, key in spec.organisation.items():
                model = ORGANISATION_MODELS[attr]
                wanted[attr] = model._default_manager.get(code=key)
            user = User.objects.filter(username=spec.username).first()
            if user is None:
                user = User(username=spec.username, **wanted)
                user.set_password(spec.password)
                user.save()
                created += 1
            else:
                changed = [attr for attr, value in wanted.items() if getattr(user, attr) != value]
                for attr in changed:
                    setattr(user, attr, wanted[attr])
                if not check_password(spec.password, user.password):
                    user.set_password(spec.password)
                    changed.append("password")
                if changed:
                    user.save()
                    updated += 1
            groups = [Group.objects.get(name=spec.role.value)] if spec.role else []
            if set(user.groups.all()) != set(groups):
                user.groups.set(groups)
        self.link_lead_representative()
        return created, updated

    def link_lead_representative(self) -> None:
        spec = LEAD_REPRESENTATIVE
        representative = Representative.objects.filter(
            locality__code=spec["locality"], role=spec["role"], name=spec["name"]
        ).first()
        user = User.objects.get(username=spec["username"])
        if representative and representative.user_id != user.pk:
            representative.user = user
            representative.save()

    def summary(self, loaded, skipped, history_written, created, updated, reference_only) -> str:
        totals = ListSizeSnapshot.objects.aggregate(registered=Sum("registered_patients"))
        parts = [
            f"BNSSG data: {Commissioner.objects.count()} commissioners, {Practice.objects.count()} practices with "
            f"{ListSizeSnapshot.objects.count()} list-size snapshots ({totals['registered'] or 0:,} registered "
            f"patients in all), {Locality.objects.count()} localities with {LocalityMembership.objects.count()} "
            f"memberships, {LocalityVehicle.objects.count()} Locality Vehicles, {SubLocality.objects.count()} "
            f"sub-localities and {Representative.objects.count()} representatives.",
            f"Fixtures loaded: {', '.join(loaded) or 'none'}; "
            f"already present, so skipped: {', '.join(skipped) or 'none'}.",
            f"Initial history records written: {history_written}.",
        ]
        if not reference_only:
            parts.append(
                f"Demo users ({created} created, {updated} brought up to date): "
                + ", ".join(spec.username for spec in DEMO_USERS)
                + "; their demo passwords are in fixtures/README.md. Never load demo data into a live service."
            )
        return " ".join(parts)
