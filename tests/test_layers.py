"""The apps depend in one direction: the import-linter contracts in pyproject.toml ([tool.importlinter]) are kept.

Bottom to top: the shared helpers in onecare (formats, races, tasks_queue, charts, constraints, quarters); the
organisations and their people (localities and onecare.accounts, bound both ways); funding; improved_access;
the pages that combine them (portal); the development data (devdata); the project's settings and URLs. One Care's
apps (membership, ballots, businessplan) sit above the organisations and apart from the money schemes. import-linter
follows indirect imports too, so a chain through a third module breaks a contract as a direct import does.
"""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_import_contracts_are_kept():
    run = subprocess.run(
        [str(Path(sys.executable).with_name("lint-imports")), "--no-cache", "--no-logo", str(ROOT / "pyproject.toml")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, f"A wrong-way import (lint-imports says):\n{run.stdout}\n{run.stderr}"
    assert "0 broken" in run.stdout, run.stdout
