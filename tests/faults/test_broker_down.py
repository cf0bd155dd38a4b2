"""Redis down: a commissioner's acceptance still commits and shows success; the sweep evaluates it later.

The broker is a real redis-server of this test's own, stopped while the commissioner accepts the evidence
and started again (same port) before the periodic sweep runs.
"""

import datetime
import json

import pytest
import redis
from django.urls import reverse
from django.utils import timezone

from funding.evaluation import SWEEP_AFTER, evaluate_milestones, evaluation_requests_sweep
from funding.models import EvaluationRequest, EvidenceStatus, Release, ReleaseState
from onecare.celery import app
from onecare.outbox.models import UnsentTask
from onecare.outbox.tasks import unsent_tasks_sweep
from tests.funding.factories import EvidenceFactory
from tests.funding.ledger import join


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_an_acceptance_commits_while_redis_is_down_and_the_sweep_evaluates_it(
    client, people, lts_rules, broker, caplog
):
    broker.start()
    broker.stop()  # down: nothing listens on its port
    evidence = EvidenceFactory(locality=people.south_bristol, item=lts_rules.items["2.1"], submitted=True)
    client.force_login(people.commissioner)

    response = client.post(reverse("funding:review", args=[evidence.pk]), {"decision": "accept"}, follow=True)

    assert response.redirect_chain == [(reverse("funding:review-queue"), 302)]
    assert [str(m) for m in response.context["messages"]] == ["Evidence for 2.1 from South Bristol accepted."]
    evidence.refresh_from_db()
    assert (evidence.status, evidence.reviewed_by) == (EvidenceStatus.ACCEPTED, people.commissioner)
    request = EvaluationRequest.objects.get(evidence=evidence)
    assert request.consumed_at is None
    assert not Release.objects.exists()
    unsent = [r.getMessage() for r in caplog.records if r.name == "onecare.tasks_queue"]
    assert [m.split(" (")[0] for m in unsent] == [
        "Could not queue funding.evidence_reviewed_notify",
        "Could not queue funding.evaluate_milestones",
    ]

    broker.start()  # back, on the same port
    app.send_task("funding.noop_probe_never_consumed")  # the broker takes messages again
    with pytest.MonkeyPatch.context() as patch:
        later = timezone.now() + SWEEP_AFTER + datetime.timedelta(minutes=1)
        patch.setattr(timezone, "now", lambda: later)
        assert "proposed=1" in evaluation_requests_sweep()

    request.refresh_from_db()
    assert request.consumed_at is not None
    release = Release.objects.get()
    assert (release.locality, release.tranche.code, release.state) == (
        people.south_bristol,
        "T2a",
        ReleaseState.PROPOSED,
    )


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_an_approval_commits_while_redis_is_down(client, people, lts_rules, broker):
    join(people.south_bristol)
    release = evaluate_milestones(datetime.date(2018, 6, 1)).proposed[0]
    broker.start()
    broker.stop()
    client.force_login(people.commissioner)

    response = client.post(reverse("admin:funding_release_step", args=[release.pk, "approve"]), follow=True)

    assert response.redirect_chain[0][1] == 302
    assert response.status_code == 200
    assert any("approved" in str(m).lower() for m in response.context["messages"])
    release.refresh_from_db()
    assert (release.state, release.approved_by) == (ReleaseState.APPROVED, people.commissioner)


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_tasks_the_broker_could_not_take_are_kept_and_sent_when_it_is_back(client, people, lts_rules, broker):
    broker.start()
    broker.stop()
    evidence = EvidenceFactory(locality=people.south_bristol, item=lts_rules.items["3.1"], submitted=True)
    client.force_login(people.commissioner)
    client.post(reverse("funding:review", args=[evidence.pk]), {"decision": "accept"})

    waiting = list(UnsentTask.objects.values_list("task_name", "args", "kwargs"))
    assert waiting == [
        ("funding.evidence_reviewed_notify", [evidence.pk], {}),
        (
            "funding.evaluate_milestones",
            [],
            {
                "triggered_by_id": people.commissioner.pk,
                "trigger": f"evidence {evidence.pk} accepted",
                "evidence_id": evidence.pk,
            },
        ),
    ]
    assert unsent_tasks_sweep() == "sent=0 waiting=2"  # still down: kept, the attempt counted
    assert list(UnsentTask.objects.values_list("attempts", flat=True)) == [2, 1]

    broker.start()
    assert unsent_tasks_sweep() == "sent=2 waiting=0"
    assert not UnsentTask.objects.exists()
    queued = [json.loads(m)["headers"]["task"] for m in redis.Redis(port=broker.port).lrange("celery", 0, -1)]
    assert sorted(queued) == ["funding.evaluate_milestones", "funding.evidence_reviewed_notify"]
    assert unsent_tasks_sweep() == "sent=0 waiting=0"  # a repeat sends nothing twice
