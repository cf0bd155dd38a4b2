"""A real Celery worker for tests/faults, whose milestone evaluation pauses after it commits.

Run as a script by test_worker_killed.py. FAULTS_MARKER names a file it appends a line to each time an
evaluation has committed; FAULTS_SLEEP is how long it then waits before the task returns (and the message
is acknowledged). Unacknowledged messages go back to the queue after FAULTS_VISIBILITY seconds.
"""

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onecare.settings.test")

import django  # noqa: E402

django.setup()

from funding import evaluation  # noqa: E402
from onecare.celery import app  # noqa: E402

evaluate = evaluation.evaluate_milestones_by_ids


def slow_evaluate(*args, **kwargs):
    summary = evaluate(*args, **kwargs)
    with open(os.environ["FAULTS_MARKER"], "a") as marker:
        marker.write(summary + "\n")
    time.sleep(float(os.environ.get("FAULTS_SLEEP", "0")))
    return summary


evaluation.evaluate_milestones_by_ids = slow_evaluate
app.conf.update(
    task_always_eager=False,
    broker_url=os.environ["FAULTS_BROKER_URL"],
    # Look for unacknowledged messages every second (kombu's defaults make it about every 100 s).
    broker_transport_options={
        "visibility_timeout": float(os.environ.get("FAULTS_VISIBILITY", "2")),
        "unacked_restore_interval": 1,
        "unacked_restore_throttle": 1,
    },
)

if __name__ == "__main__":
    app.worker_main(
        ["worker", "--pool=solo", "--without-heartbeat", "--without-gossip", "--without-mingle", "--loglevel=INFO"]
    )
