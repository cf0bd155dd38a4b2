"""Emails on submit, accept and return: plain text and HTML, to the right people."""

import pytest
from django.core import mail

from funding.transitions import evidence_accept, evidence_return, evidence_submit

from .factories import EvidenceFactory


@pytest.fixture
def submitted(people, checklist, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        evidence = evidence_submit(people.south_bristol, checklist.item, actor=people.manager, statement="Done")
    return evidence


def test_it_tells_the_localitys_commissioners_of_a_submission(people, submitted):
    (message,) = mail.outbox
    assert sorted(message.to) == sorted([people.commissioner.email, people.bnssg_commissioner.email])
    assert "South Bristol submitted evidence for 1.1" in message.subject
    assert f"/funding/review/{submitted.pk}/" in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html" and "<strong>1.1" in html


def test_it_tells_the_submitter_and_leads_of_an_acceptance(people, submitted, django_capture_on_commit_callbacks):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        evidence_accept(submitted, actor=people.commissioner)
    (message,) = mail.outbox
    assert sorted(message.to) == sorted([people.manager.email, people.lead.email])
    assert "accepted" in message.subject


def test_it_sends_the_return_reason(people, submitted, django_capture_on_commit_callbacks):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        evidence_return(submitted, actor=people.commissioner, reason="Needs <both> signatures")
    (message,) = mail.outbox
    assert "Needs <both> signatures" in message.body
    assert "Needs &lt;both&gt; signatures" in message.alternatives[0][0]


def test_it_sends_nothing_on_a_repeat(people, checklist, django_capture_on_commit_callbacks):
    evidence = EvidenceFactory(locality=people.south_bristol, item=checklist.item, accepted=True)
    with django_capture_on_commit_callbacks(execute=True):
        evidence_accept(evidence, actor=people.commissioner)
    assert mail.outbox == []
