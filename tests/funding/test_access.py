"""Who sees what: every funding URL as every role; 404 for another locality's item or file."""

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from funding.models import EvidenceFile

from .factories import EvidenceFactory
from .test_uploads import PDF

SOUTH_BRISTOL_READERS = {"manager", "lead", "commissioner", "bnssg_commissioner", "finance", "data_admin"}
EVERYONE = SOUTH_BRISTOL_READERS | {"wood_manager", "wood_lead", "ns_commissioner"}
REVIEWERS = {"commissioner", "bnssg_commissioner", "ns_commissioner"}


@pytest.fixture
def stored(people, checklist):
    evidence = EvidenceFactory(locality=people.south_bristol, item=checklist.item, submitted=True)
    stored = EvidenceFile(
        evidence=evidence,
        original_name="agreement.pdf",
        content_type="application/pdf",
        size=len(PDF),
        uploaded_by=people.manager,
        uploaded_at=timezone.now(),
    )
    stored.file.save("upload.pdf", ContentFile(PDF), save=True)
    return stored


def urls(people, checklist, stored):
    code = people.south_bristol.code
    return {
        "checklist": reverse("funding:checklist", args=[code]),
        "item": reverse("funding:item", args=[code, checklist.item.pk]),
        "file": reverse("funding:file", args=[stored.public_id]),
        "review": reverse("funding:review", args=[stored.evidence.pk]),
        "queue": reverse("funding:review-queue"),
    }


@pytest.mark.parametrize("who", sorted(EVERYONE))
def test_it_shows_south_bristol_only_to_its_readers(client, people, checklist, stored, who):
    client.force_login(getattr(people, who))
    pages = urls(people, checklist, stored)
    expected = 200 if who in SOUTH_BRISTOL_READERS else 404
    for name in ("checklist", "item", "file"):
        assert client.get(pages[name]).status_code == expected, name


@pytest.mark.parametrize("who", sorted(EVERYONE))
def test_it_shows_the_review_pages_only_to_commissioners(client, people, checklist, stored, who):
    client.force_login(getattr(people, who))
    pages = urls(people, checklist, stored)
    assert client.get(pages["queue"]).status_code == (200 if who in REVIEWERS else 403)
    if who in REVIEWERS - {"ns_commissioner"}:
        expected = 200
    elif who == "ns_commissioner":
        expected = 404
    else:
        expected = 403
    assert client.get(pages["review"]).status_code == expected


def test_it_sends_the_anonymous_to_log_in(client, people, checklist, stored):
    for name, page in urls(people, checklist, stored).items():
        response = client.get(page)
        assert response.status_code == 302, name
        assert response["Location"].startswith(reverse("accounts:login"))


def test_it_serves_the_file_as_a_download(client, people, checklist, stored):
    client.force_login(people.manager)
    response = client.get(urls(people, checklist, stored)["file"])
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert 'attachment; filename="agreement.pdf"' in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"


def test_it_answers_404_for_another_localitys_item_by_code(client, people, checklist):
    client.force_login(people.wood_manager)
    page = reverse("funding:item", args=[people.south_bristol.code, checklist.item.pk])
    assert client.get(page).status_code == 404
    assert client.post(page, {"statement": "x", "action": "submit"}).status_code == 404
    assert not checklist.item.evidence.exists()


def test_it_refuses_a_review_post_from_another_ccg(client, people, checklist, stored):
    client.force_login(people.ns_commissioner)
    response = client.post(reverse("funding:review", args=[stored.evidence.pk]), {"decision": "accept"})
    assert response.status_code == 404
    stored.evidence.refresh_from_db()
    assert stored.evidence.status == "submitted"
