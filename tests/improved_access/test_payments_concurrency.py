import datetime
import threading

import pytest
from django.db import connection

from funding.models import Release
from improved_access.models import QuarterAssessment, defaults_ensure
from improved_access.payments import evaluate_improved_access
from improved_access.quarters import Quarter

from .factories import compliant_plan


@pytest.mark.django_db(transaction=True)
def test_it_proposes_each_quarters_release_once_when_two_run_at_once(locality):
    defaults_ensure()  # a transaction=True test may start after another's flush
    compliant_plan(locality)
    barrier = threading.Barrier(2)
    outcomes, errors = [], []

    def evaluate():
        try:
            barrier.wait(timeout=10)
            outcomes.append(
                evaluate_improved_access(Quarter(2018, 1), today=datetime.date(2018, 4, 2), trigger="thread")
            )
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
    assert sorted(len(outcome.proposed) for outcome in outcomes) == [0, 1]
    assert Release.objects.count() == 1
    assert QuarterAssessment.objects.filter(reason__startswith="Already proposed").count() == 1


def test_it_refuses_a_second_live_release_in_the_database(locality):
    from django.db import IntegrityError

    compliant_plan(locality)
    (release,) = evaluate_improved_access(Quarter(2018, 1), today=datetime.date(2018, 4, 2)).proposed
    copy = Release.objects.get(pk=release.pk)
    copy.pk = None
    with pytest.raises(IntegrityError, match="one_live_release_per_locality_tranche"):
        copy.save()
