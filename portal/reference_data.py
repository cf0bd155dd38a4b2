"""The BNSSG reference data: CCGs, practices, list sizes and localities, and the LTS checklist and tranches.

    python manage.py load_reference_data            # what a new service starts from (production included)
    python manage.py load_reference_data --reload   # reset the fixture records to the files' values

The fixtures (in fixtures/, built by fixtures/build_bnssg.py) have fixed primary keys, so loading is idempotent: a
file whose records are all present already is skipped (so edits made in the admin survive), and reload loads it
again regardless. Fixture loads are raw saves, which django-simple-history does not record, so every loaded record
without history gets one initial ("created") history record; loading again adds none. The demo loader
(devdata's `load_demo_data`, development only) loads these first.
"""

import json
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db import transaction
from django.db.models import Model
from django.utils import timezone
from simple_history.utils import get_history_model_for_model

FIXTURES_DIR = Path(settings.BASE_DIR) / "fixtures"
REFERENCE_FIXTURES = [
    "commissioners.json",
    "bnssg_practices.json",
    "bnssg_localities.json",
    "lts_checklist.json",
    "lts_tranches.json",
]
HISTORY_REASON = "Initial record: loaded from the BNSSG fixtures"


def fixture_records(path: Path) -> dict[type[Model], set]:
    """The primary keys a fixture file holds, per model."""
    records: dict[type[Model], set] = {}
    for item in json.loads(path.read_text(encoding="utf-8")):
        records.setdefault(apps.get_model(item["model"]), set()).add(item["pk"])
    return records


def all_present(records: dict[type[Model], set]) -> bool:
    return all(model._default_manager.filter(pk__in=pks).count() == len(pks) for model, pks in records.items())


def add_initial_history(records: dict[type[Model], set]) -> int:
    """Give each record without any history one "created" history record; returns how many were written."""
    written = 0
    now = timezone.now()
    for model, pks in records.items():
        history_model = get_history_model_for_model(model)
        pk_name = model._meta.pk.attname
        has_history = history_model.objects.filter(**{f"{pk_name}__in": pks}).values_list(pk_name, flat=True)
        missing = list(model._default_manager.filter(pk__in=pks).exclude(pk__in=has_history).order_by("pk"))
        if missing:
            model.history.bulk_history_create(
                missing, batch_size=500, default_change_reason=HISTORY_REASON, default_date=now
            )
            written += len(missing)
    return written


def load_fixtures(names: list[str], *, reload: bool = False) -> tuple[list[str], list[str], int]:
    """Load the fixture files (in one transaction); what was loaded, what was skipped, history records written."""
    with transaction.atomic():
        loaded, skipped, all_records = [], [], {}
        for name in names:
            records = fixture_records(FIXTURES_DIR / name)
            for model, pks in records.items():
                all_records.setdefault(model, set()).update(pks)
            if not reload and all_present(records):
                skipped.append(name)
                continue
            call_command("loaddata", str(FIXTURES_DIR / name), verbosity=0)
            loaded.append(name)
        return loaded, skipped, add_initial_history(all_records)
