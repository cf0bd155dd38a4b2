"""A worker killed mid-task (acks late): the message goes back to the queue, runs again, and changes nothing twice.

The worker (tests/faults/slow_worker.py, a real `celery worker` in its own process) commits the evaluation,
then pauses before the task returns; it is killed (SIGKILL) in that pause, so the message is never
acknowledged. A second worker receives it again and runs it: the evaluation is idempotent.
"""

import datetime
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.db import connection

from funding.evaluation import evaluate_milestones
from funding.models import MilestoneEvaluation, Release, ReleaseState
from funding.tasks import evaluate_milestones as evaluate_task
from tests.funding.ledger import join

ROOT = Path(__file__).resolve().parents[2]


def worker_database_url() -> str:
    url = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(url._replace(path="/" + connection.settings_dict["NAME"]))


def start_worker(broker, marker: Path, sleep: float, log: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "onecare.settings.test",
        "DATABASE_URL": worker_database_url(),
        "REDIS_URL": broker.url,
        "FAULTS_BROKER_URL": broker.url,
        "FAULTS_MARKER": str(marker),
        "FAULTS_SLEEP": str(sleep),
        "FAULTS_VISIBILITY": "2",
    }
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, str(ROOT / "tests" / "faults" / "slow_worker.py")],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def wait_for_lines(marker: Path, count: int, worker: subprocess.Popen, log: Path, seconds: float = 90) -> list[str]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        lines = marker.read_text().splitlines() if marker.exists() else []
        if len(lines) >= count:
            return lines
        assert worker.poll() is None, f"the worker exited:\n{log.read_text()[-3000:]}"
        time.sleep(0.2)
    raise AssertionError(f"{count} evaluation(s) not run in {seconds}s:\n{log.read_text()[-3000:]}")


def stop(worker: subprocess.Popen, sig=signal.SIGTERM) -> None:
    if worker.poll() is None:
        worker.send_signal(sig)
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait(timeout=10)


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_killed_worker_s_evaluation_runs_again_and_proposes_nothing_twice(people, lts_rules, broker, tmp_path):
    join(people.south_bristol, people.woodspring)
    broker.start()
    marker, log = tmp_path / "evaluations.txt", tmp_path / "worker.log"
    first = start_worker(broker, marker, sleep=300, log=log)
    second = None
    try:
        evaluate_task.delay(at="2018-06-01", trigger="killed worker")
        assert wait_for_lines(marker, 1, first, log) == ["summary: proposed=2 adjustments=0 amount=105000.00"]
        assert Release.objects.filter(state=ReleaseState.PROPOSED).count() == 2

        stop(first, signal.SIGKILL)  # committed, not yet acknowledged
        assert first.returncode == -signal.SIGKILL

        second = start_worker(broker, marker, sleep=0, log=log)
        lines = wait_for_lines(marker, 2, second, log)
    finally:
        stop(first, signal.SIGKILL)
        if second is not None:
            stop(second)

    assert lines[1] == "summary: proposed=0 adjustments=0 amount=0.00"
    assert MilestoneEvaluation.objects.count() == 2  # it ran twice
    assert Release.objects.count() == 2  # and proposed each release once
    assert evaluate_milestones(datetime.date(2018, 6, 1)).proposed == []
