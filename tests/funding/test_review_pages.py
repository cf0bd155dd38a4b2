"""The review queue (oldest first, filters) and the review page (accept, or return with a reason)."""

import datetime

from django.urls import reverse

from funding.models import EvaluationRequest, EvidenceStatus

from .factories import EvidenceFactory

OCT = datetime.datetime(2017, 10, 1, 9, tzinfo=datetime.UTC)


def queue_rows(page: str, *names: str) -> list[str]:
    return sorted(names, key=page.index)


def test_it_lists_submitted_evidence_oldest_first(client, people, checklist):
    late = EvidenceFactory(locality=people.south_bristol, item=checklist.items[0], submitted=True)
    early = EvidenceFactory(locality=people.south_bristol, item=checklist.items[1], submitted=True)
    late.submitted_at, early.submitted_at = OCT + datetime.timedelta(days=9), OCT
    late.save(), early.save()
    EvidenceFactory(locality=people.south_bristol, item=checklist.items[2], draft=True)
    client.force_login(people.commissioner)
    page = client.get(reverse("funding:review-queue")).content.decode()
    assert page.index(early.item.title) < page.index(late.item.title)
    assert checklist.items[2].title not in page
    assert "2 items" in page


def test_it_filters_by_locality_phase_and_status(client, people, checklist):
    EvidenceFactory(locality=people.south_bristol, item=checklist.items[0], accepted=True)
    EvidenceFactory(locality=people.woodspring, item=checklist.items[1], submitted=True)
    EvidenceFactory(locality=people.south_bristol, item=checklist.items[3], submitted=True)
    client.force_login(people.bnssg_commissioner)
    queue = reverse("funding:review-queue")
    by_locality = client.get(queue, {"locality": "wood"}).context["queue"]
    assert [e.item for e in by_locality] == [checklist.items[1]]
    by_phase = client.get(queue, {"phase": checklist.phase2.pk}).context["queue"]
    assert [e.item for e in by_phase] == [checklist.items[3]]
    accepted = client.get(queue, {"status": "accepted"}).context["queue"]
    assert [e.item for e in accepted] == [checklist.items[0]]
    assert len(client.get(queue, {"status": "all"}).context["queue"]) == 3


def test_it_shows_only_the_commissioners_localities(client, people, checklist):
    EvidenceFactory(locality=people.woodspring, item=checklist.items[1], submitted=True)
    client.force_login(people.commissioner)
    assert client.get(reverse("funding:review-queue")).context["queue"] == []


def test_it_accepts_from_the_review_page(client, people, checklist):
    evidence = EvidenceFactory(locality=people.south_bristol, item=checklist.item, submitted=True)
    client.force_login(people.commissioner)
    response = client.post(reverse("funding:review", args=[evidence.pk]), {"decision": "accept"})
    assert response.status_code == 302
    evidence.refresh_from_db()
    assert evidence.status == EvidenceStatus.ACCEPTED
    assert EvaluationRequest.objects.filter(evidence=evidence).exists()


def test_it_needs_a_reason_to_return(client, people, checklist):
    evidence = EvidenceFactory(locality=people.south_bristol, item=checklist.item, submitted=True)
    client.force_login(people.commissioner)
    page = reverse("funding:review", args=[evidence.pk])
    response = client.post(page, {"decision": "return", "reason": ""})
    assert "Enter the reason" in response.content.decode()
    evidence.refresh_from_db()
    assert evidence.status == EvidenceStatus.SUBMITTED
    client.post(page, {"decision": "return", "reason": "Unsigned"})
    evidence.refresh_from_db()
    assert (evidence.status, evidence.return_reason) == (EvidenceStatus.RETURNED, "Unsigned")


def test_it_does_not_offer_a_review_of_your_own_submission(client, people, checklist):
    evidence = EvidenceFactory(
        locality=people.south_bristol, item=checklist.item, submitted=True, submitted_by=people.commissioner
    )
    client.force_login(people.commissioner)
    page = client.get(reverse("funding:review", args=[evidence.pk])).content.decode()
    assert "You cannot review evidence you submitted." in page
    assert 'name="decision"' not in page
    assert client.post(reverse("funding:review", args=[evidence.pk]), {"decision": "accept"}).status_code == 403
