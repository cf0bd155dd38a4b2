"""onecare.tasks_queue.held(): tasks queued inside it are named and never sent; outside it they are sent again."""

import pytest
from django.db import transaction

from onecare import tasks_queue
from onecare.celery import app

CALLS: list[str] = []


@app.task(name="tests.held_probe")
def probe(word):
    CALLS.append(word)


@pytest.mark.django_db(transaction=True)
def test_tasks_queued_inside_held_are_named_not_sent_and_sending_resumes_after():
    CALLS.clear()  # the test settings run tasks eagerly: a task sent runs here
    with tasks_queue.held() as held:
        with transaction.atomic():
            tasks_queue.enqueue_on_commit(probe, "ran")
        assert held == ["tests.held_probe"]
        assert CALLS == []

    with transaction.atomic():
        tasks_queue.enqueue_on_commit(probe, "ran")
    assert CALLS == ["ran"]
    assert held == ["tests.held_probe"]
