"""The `make run` path on the embedded default: SQLite, tasks in-process, demo data loaded twice."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def manage(*args: str, database: Path) -> str:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "onecare.settings.local", "DATABASE_URL": f"sqlite:///{database}"}
    env.pop("REDIS_URL", None)  # no broker: tasks run in-process, as in the demo
    done = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def test_it_sets_up_the_demo_on_sqlite_and_again_without_change(tmp_path):
    database = tmp_path / "demo.sqlite3"
    manage("migrate", "--noinput", database=database)

    first = manage("load_demo_data", database=database)
    second = manage("load_demo_data", database=database)

    assert "96 practices" in first and "Initial history records written: 0" not in first
    assert "Fixtures loaded: none" in second and "Initial history records written: 0" in second
    populations = manage("locality_populations", "--at", "2018-01-01", database=database).splitlines()
    assert populations[0] == "locality_code,locality_name,ccg_code,practices,population"
    assert len(populations) == 7
    assert manage("evaluate_milestones", "--date", "2018-08-01", database=database).splitlines()[-1] == (
        "summary: proposed=0 adjustments=0 amount=0.00"
    )
