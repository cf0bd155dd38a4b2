"""Pages use a fixed number of queries whatever the number of items and submissions."""

from django.db import connection
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from .factories import EvidenceFactory, ItemFactory


def grow(people, checklist, n: int) -> None:
    for i in range(n):
        item = ItemFactory(phase=checklist.phase2, number=f"2.{i + 2}", position=i + 2)
        EvidenceFactory(locality=people.south_bristol, item=item, submitted=True)
        EvidenceFactory(locality=people.woodspring, item=item, submitted=True)


def count(client, *args) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(*args).status_code == 200
    return len(queries)


def test_it_renders_the_checklist_tag_in_one_query(people, checklist, django_assert_num_queries):
    grow(people, checklist, 8)
    template = Template("{% load funding %}{% locality_checklist locality %}")
    with django_assert_num_queries(1):
        html = template.render(Context({"locality": people.south_bristol}))
    assert html.count("nhsuk-task-list__item ") == 12


def test_it_pins_the_checklist_page(client, people, checklist, django_assert_max_num_queries):
    client.force_login(people.manager)
    page = reverse("funding:checklist", args=[people.south_bristol.code])
    client.get(page)
    few = count(client, page)
    grow(people, checklist, 8)
    with django_assert_max_num_queries(few):
        assert client.get(page).status_code == 200
    assert few <= 10


def test_it_pins_the_review_queue(client, people, checklist, django_assert_max_num_queries, settings):
    settings.PORTAL_PAGE_CACHE = False  # the page's own queries, rendered afresh each time (not a cache hit)
    client.force_login(people.bnssg_commissioner)
    client.get(reverse("funding:review-queue"))
    few = count(client, reverse("funding:review-queue"), {"status": "all"})
    grow(people, checklist, 10)
    assert few <= 10
    with django_assert_max_num_queries(few):
        response = client.get(reverse("funding:review-queue"), {"status": "all"})
    assert len(response.context["queue"]) == 20


def test_it_pins_the_item_and_review_pages(client, people, checklist, django_assert_max_num_queries):
    evidence = EvidenceFactory(locality=people.south_bristol, item=checklist.item, submitted=True)
    client.force_login(people.commissioner)
    with django_assert_max_num_queries(14):
        assert client.get(reverse("funding:review", args=[evidence.pk])).status_code == 200
    client.force_login(people.manager)
    with django_assert_max_num_queries(14):
        assert client.get(reverse("funding:item", args=["sbris", checklist.item.pk])).status_code == 200
