"""Twenty commissioners approve one release at the same moment: one approval is recorded, once."""

import datetime
import threading

import pytest
from django.db import connection

from funding.evaluation import evaluate_milestones
from funding.models import Release, ReleaseState, ReleaseTransition
from funding.permissions import can_approve_release
from funding.release_transitions import ReleaseTransitionNotAllowed, release_approve
from onecare.accounts.roles import Role
from tests.funding.ledger import join
from tests.onecare.factories import UserFactory

APPROVERS = 20


@pytest.mark.django_db(transaction=True)
def test_twenty_approvals_at_once_leave_one(lts_rules, people, bnssg):
    join(people.south_bristol)
    release = evaluate_milestones(datetime.date(2018, 6, 1), triggered_by=people.commissioner).proposed[0]
    # Above the delegated limit, so the approval does not authorise it too.
    assert release.state == ReleaseState.PROPOSED
    lineage = [people.south_bristol.commissioner, bnssg]
    approvers = [UserFactory(role=Role.COMMISSIONER, commissioner=lineage[n % 2]) for n in range(APPROVERS)]
    assert all(can_approve_release(user, release)[0] for user in approvers)

    barrier = threading.Barrier(APPROVERS)
    returned, refused, errors = [], [], []

    def approve(actor):
        try:
            barrier.wait(timeout=10)
            returned.append(release_approve(Release(pk=release.pk), actor=actor))
        except ReleaseTransitionNotAllowed as refusal:
            refused.append(refusal)
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=approve, args=(user,)) for user in approvers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert not any(thread.is_alive() for thread in threads)
    assert errors == []
    assert len(returned) + len(refused) == APPROVERS
    release.refresh_from_db()
    assert release.state == ReleaseState.APPROVED
    assert release.approved_by in approvers
    approvals = ReleaseTransition.objects.filter(release=release, to_state=ReleaseState.APPROVED)
    assert approvals.count() == 1
    assert approvals.get().actor == release.approved_by
    assert release.history.filter(state=ReleaseState.APPROVED).count() == 1
    assert {r.approved_by_id for r in returned} == {release.approved_by_id}
