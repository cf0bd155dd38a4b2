import datetime
import threading

import pytest
from django.db import connection

from funding.evaluation import evaluate_milestones
from funding.models import Release

from .ledger import join


@pytest.mark.django_db(transaction=True)
def test_it_proposes_each_release_once_when_two_run_at_once(lts_rules, two_localities):
    join(*two_localities)
    barrier = threading.Barrier(2)
    outcomes, errors = [], []

    def evaluate():
        try:
            barrier.wait(timeout=10)
            outcomes.append(evaluate_milestones(datetime.date(2018, 6, 1), trigger="thread"))
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=evaluate) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    assert sorted(len(outcome.proposed) for outcome in outcomes) == [0, 2]
    assert Release.objects.count() == 2
