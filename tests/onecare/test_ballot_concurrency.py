import datetime
import threading

import pytest
import time_machine
from django.db import connection

from onecare.ballots.models import Answer, Vote
from onecare.ballots.transitions import AlreadyVoted, vote_cast
from tests.localities.factories import PracticeFactory

from .onecare_factories import OPENS, open_ballot, practice_manager


@pytest.mark.django_db(transaction=True)
@time_machine.travel(datetime.datetime(2016, 6, 10, 12, 0, tzinfo=OPENS.tzinfo), tick=False)
def test_it_records_one_vote_when_a_practice_votes_twice_at_once():
    ballot, _, practices = open_ballot(practices=2)
    practice = practices[0]
    manager = practice_manager(practice)
    lead = practice_manager(PracticeFactory())
    practice.onecare_member.lead_user = lead
    practice.onecare_member.save()
    barrier = threading.Barrier(2)
    recorded, refused, errors = [], [], []

    def vote(actor, answer):
        try:
            barrier.wait(timeout=10)
            recorded.append(vote_cast(ballot, practice, actor=actor, answer=answer))
        except AlreadyVoted as refusal:
            refused.append(str(refusal))
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=vote, args=(manager, Answer.YES)),
        threading.Thread(target=vote, args=(lead, Answer.NO)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    assert len(recorded) == 1
    assert len(refused) == 1
    assert "has already voted in this ballot" in refused[0]
    assert Vote.objects.filter(ballot=ballot, practice=practice).count() == 1
    assert Vote.objects.get().answer == recorded[0].answer
