"""The list-size import on the embedded SQLite default (`make run`) takes the same path as on PostgreSQL: the
same file, imported with the command on a fresh SQLite database and here on the test PostgreSQL, gives the
same counts, the same rows and the same history records (importer, reason, one time for the import)."""

import json
import os
import subprocess
import sys
from pathlib import Path

from django.core.management import call_command

from tests.localities.test_import_support import BNSSG_2021

ROOT = Path(__file__).resolve().parent.parent.parent

# The four commissioners of the default area, the importing user, and one practice whose figure the file changes.
SETUP = """
import datetime
from django.contrib.auth import get_user_model
from localities.models import Commissioner, ListSizeSnapshot, Practice, PracticeCommissioner

for code in ("11H", "11T", "12A", "15C"):
    Commissioner.objects.create(code=code, name=f"Commissioner {code}", valid_from=datetime.date(2013, 4, 1))
get_user_model().objects.create_user(username="importer")
practice = Practice.objects.create(code="L81004", name="Tyntesfield Medical Group", postcode="BS20 6AQ")
PracticeCommissioner.objects.create(
    practice=practice, commissioner=Commissioner.objects.get(code="15C"), valid_from=datetime.date(2013, 4, 1)
)
ListSizeSnapshot.objects.create(
    practice=practice, extract_date=datetime.date(2021, 1, 1), source_kind="nhs_digital", registered_patients=18000
)
"""

# What the imports did, in terms that do not depend on the database's ids.
STATE = """
import json
from collections import Counter
from localities.models import ImportRecord, ListSizeSnapshot, Practice, PracticeCommissioner

records = list(ImportRecord.objects.order_by("pk"))
history = {}
for model in (Practice, PracticeCommissioner, ListSizeSnapshot):
    for record in records:
        items = list(model.history.filter(history_change_reason=record.change_reason))
        dates = {item.history_date for item in items}
        history[f"{model.__name__} by import {records.index(record) + 1}"] = {
            "types": dict(Counter(item.history_type for item in items)),
            "users": sorted({item.history_user.username for item in items}),
            "one time, during the import": len(dates) <= 1 and all(
                record.started_at <= date <= record.finished_at for date in dates
            ),
        }
print(json.dumps({
    "summaries": [record.summary_line() for record in records],
    "new practices": [record.new_practices for record in records],
    "practices": Practice.objects.count(),
    "links": PracticeCommissioner.objects.count(),
    "patients": sum(ListSizeSnapshot.objects.values_list("registered_patients", flat=True)),
    "history": history,
}, sort_keys=True))
"""

EXPECTED = {
    "summaries": [
        "summary: format=nhs_digital new=78 changed=1 unchanged=0 skipped=0 invalid=0 patients=1042287",
        "summary: format=nhs_digital new=0 changed=0 unchanged=79 skipped=0 invalid=0 patients=1042287",
    ],
    "new practices": [78, 0],
    "practices": 79,
    "links": 79,
    "patients": 1_042_287,
    "history": {
        "Practice by import 1": {"types": {"+": 78}, "users": ["importer"], "one time, during the import": True},
        "PracticeCommissioner by import 1": {
            "types": {"+": 78},
            "users": ["importer"],
            "one time, during the import": True,
        },
        "ListSizeSnapshot by import 1": {
            "types": {"+": 78, "~": 1},
            "users": ["importer"],
            "one time, during the import": True,
        },
        "Practice by import 2": {"types": {}, "users": [], "one time, during the import": True},
        "PracticeCommissioner by import 2": {"types": {}, "users": [], "one time, during the import": True},
        "ListSizeSnapshot by import 2": {"types": {}, "users": [], "one time, during the import": True},
    },
}


def manage(*args: str, database: Path) -> str:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "onecare.settings.local", "DATABASE_URL": f"sqlite:///{database}"}
    env.pop("REDIS_URL", None)
    done = subprocess.run(  # noqa: S603 (fixed arguments, no shell)
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def test_a_list_size_file_imports_the_same_on_sqlite_as_on_postgresql(tmp_path, db, capsys):
    database = tmp_path / "demo.sqlite3"
    manage("migrate", "--noinput", database=database)
    manage("shell", "-c", SETUP, database=database)
    for _ in range(2):
        manage("import_practice_data", str(BNSSG_2021), "--user", "importer", database=database)
    on_sqlite = json.loads(manage("shell", "-c", STATE, database=database).splitlines()[-1])

    exec(SETUP, {})  # noqa: S102 (the fixed text above)
    for _ in range(2):
        call_command("import_practice_data", str(BNSSG_2021), "--user", "importer")
    capsys.readouterr()
    exec(STATE, {})  # noqa: S102 (the fixed text above)
    on_postgresql = json.loads(capsys.readouterr().out.splitlines()[-1])

    assert on_sqlite == EXPECTED
    assert on_postgresql == EXPECTED
