"""The approvals inbox and the header's count: what waits for a commissioner's approval or a finance approver's second
approval in their localities, oldest first, filtered, with what they may not act on and why."""

import datetime
from datetime import timedelta

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from funding import permissions
from funding.evaluation import evaluate_milestones
from funding.inbox import awaiting_count, may
from funding.models import DelegatedLimit, Release, ReleaseState
from funding.release_transitions import release_approve
from funding.release_workflow import delegated_limit
from localities.models import ListSizeSnapshot
from onecare.accounts.roles import Role
from portal.context_processors import navigation
from tests.localities.factories import LocalityFactory
from tests.onecare.factories import UserFactory

from .ledger import accept, join, mark

INBOX = reverse("funding:inbox")
JUNE_2018 = datetime.date(2018, 6, 1)


@pytest.fixture
def releases(lts_rules, people):
    """T1 for South Bristol (11H) and Woodspring (11T), £52,500 each; South Bristol's proposed a day earlier."""
    join(people.south_bristol, people.woodspring)
    proposed = evaluate_milestones(JUNE_2018).proposed
    south = next(r for r in proposed if r.locality == people.south_bristol)
    Release.objects.filter(pk=south.pk).update(proposed_at=south.proposed_at - timedelta(days=1))
    wood = next(r for r in proposed if r.locality == people.woodspring)
    return Release.objects.get(pk=south.pk), wood


def listed(response) -> list[str]:
    return [row.release.reference for row in response.context["rows"]]


def test_it_lists_what_waits_for_a_commissioner_oldest_first(client, people, releases):
    south, wood = releases
    client.force_login(people.bnssg_commissioner)

    response = client.get(INBOX)

    assert response.status_code == 200
    assert listed(response) == [south.reference, wood.reference]
    page = response.content.decode()
    assert "2 releases, £105,000.00 in all" in page
    assert f'href="{reverse("funding:release-step", args=[south.pk, "approve"])}"' in page
    assert f'href="{reverse("funding:release", args=[south.pk])}"' in page


def test_it_shows_a_commissioner_only_their_ccgs_releases(client, people, releases):
    south, _ = releases
    client.force_login(people.commissioner)  # Bristol (11H): South Bristol only

    assert listed(client.get(INBOX)) == [south.reference]


def test_it_says_why_the_person_may_not_approve(client, lts_rules, people):
    join(people.south_bristol)
    release = evaluate_milestones(JUNE_2018, triggered_by=people.bnssg_commissioner).proposed[0]
    client.force_login(people.bnssg_commissioner)

    response = client.get(INBOX)

    [row] = response.context["rows"]
    assert row.step is None and "You triggered the evaluation" in row.why_not
    page = response.content.decode()
    assert "You may not: You triggered the evaluation that proposed this release" in page
    assert reverse("funding:release-step", args=[release.pk, "approve"]) not in page


def test_it_waits_for_finance_above_the_limit(client, people, releases):
    south, wood = releases
    release_approve(south, actor=people.commissioner)
    client.force_login(people.finance)

    response = client.get(INBOX)

    assert listed(response) == [south.reference]
    [row] = response.context["rows"]
    assert row.step.name == "authorise"
    assert "Give second approval" in response.content.decode()


def test_it_says_what_a_release_waits_for_when_it_is_not_the_persons_step(client, people, releases):
    south, _ = releases
    release_approve(south, actor=people.commissioner)
    client.force_login(people.bnssg_commissioner)

    response = client.get(INBOX, {"state": "approved"})

    [row] = response.context["rows"]
    assert row.step is None and row.why_not == ""
    assert row.remains.startswith("Waits for a finance approver's second approval: £52,500.00 is above")


def test_it_tells_the_approver_the_second_approval_is_someone_elses(client, people, releases):
    south, _ = releases
    both = UserFactory(role=Role.COMMISSIONER, commissioner=people.bnssg_commissioner.commissioner)
    both.groups.add(*people.finance.groups.all())  # a person holding both roles (not a portal role, but possible)
    release_approve(south, actor=both)
    client.force_login(both)

    [row] = [r for r in client.get(INBOX).context["rows"] if r.release == south]

    assert row.why_not == "You approved this release: the second approval must be someone else's."


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"scheme": "lts"}, ["sbris", "wood"]),
        ({"scheme": "ia"}, []),
        ({"ccg": "11T"}, ["wood"]),
        ({"locality": "sbris"}, ["sbris"]),
        ({"state": "approved"}, []),
        ({"state": "all", "locality": "wood"}, ["wood"]),
        ({"locality": "nowhere"}, []),
        ({"state": "proposed\x00"}, []),
    ],
)
def test_it_filters_by_scheme_ccg_locality_and_state(client, people, releases, params, expected):
    from tests.funding.factories import SchemeFactory

    SchemeFactory(code="ia", name="Improved Access")
    client.force_login(people.bnssg_commissioner)

    response = client.get(INBOX, params)

    assert response.status_code == 200
    assert [row.release.locality.code for row in response.context["rows"]] == expected


@pytest.mark.parametrize("who", ["manager", "lead", "data_admin"])
def test_it_is_for_commissioners_and_finance_approvers_only(client, people, who):
    client.force_login(getattr(people, who))

    assert client.get(INBOX).status_code == 403


def test_it_runs_a_fixed_number_of_queries(client, people, releases, make_member_practice, settings):
    settings.PORTAL_PAGE_CACHE = False  # the page's own queries, rendered afresh each time (not a cache hit)
    client.force_login(people.bnssg_commissioner)
    client.get(INBOX)
    with CaptureQueriesContext(connection) as two:
        client.get(INBOX)
    for _ in range(5):
        locality = LocalityFactory(commissioner=people.south_bristol.commissioner)
        make_member_practice(locality, patients=60_000)
        join(locality)
    south, _ = releases
    mark(south, ReleaseState.PAID)  # and its list size revised: a top-up of it is proposed
    ListSizeSnapshot.objects.filter(practice__memberships__locality=south.locality).update(registered_patients=61_000)
    evaluate_milestones(JUNE_2018)
    with CaptureQueriesContext(connection) as seven:
        response = client.get(INBOX)
    assert len(response.context["rows"]) == 7
    assert f"of {south.reference}" in response.content.decode()

    assert len(seven) == len(two) <= 16


# The header's count.


def test_the_header_counts_what_waits_for_the_person(client, people, releases):
    south, _ = releases
    client.force_login(people.bnssg_commissioner)
    assert ">Approvals (2)<" in client.get(reverse("funding:money")).content.decode()

    release_approve(south, actor=people.commissioner)
    assert ">Approvals (1)<" in client.get(reverse("funding:money")).content.decode()
    client.force_login(people.finance)
    assert ">Approvals (1)<" in client.get(reverse("funding:money")).content.decode()


@pytest.mark.parametrize("who", ["commissioner", "ns_commissioner", "bnssg_commissioner", "finance"])
def test_the_count_is_the_inbox_and_one_query(client, people, releases, who, django_assert_num_queries):
    user = getattr(people, who)
    client.force_login(user)
    listed_there = len(client.get(INBOX).context["rows"])
    # Read once per request for the whole page: the groups, and the lineage (every scoped query asks for it).
    user.roles  # noqa: B018
    user.commissioner_lineage()

    with django_assert_num_queries(1):
        assert awaiting_count(user) == listed_there


def test_the_navigation_adds_one_query_for_the_count(people, releases, django_assert_num_queries):
    request = RequestFactory().get("/")
    request.user = people.bnssg_commissioner
    request.user.roles  # noqa: B018
    request.user.commissioner_lineage()  # read by the page's own scoped queries

    with django_assert_num_queries(1):
        links = dict(navigation(request)["nav_links"])

    assert links["Approvals (2)"] == INBOX


def test_the_count_follows_mergers_at_any_depth(people, releases, bnssg):
    from tests.localities.factories import CommissionerFactory

    successor = CommissionerFactory(code="QUY", name="NHS Bristol ICB", valid_from=datetime.date(2022, 7, 1))
    bnssg.successor = successor
    bnssg.save()
    icb = UserFactory(role=Role.COMMISSIONER, commissioner=successor)

    assert awaiting_count(icb) == 2 == awaiting_count(people.bnssg_commissioner)
    assert awaiting_count(people.data_admin) == 0 and awaiting_count(people.manager) == 0


# The inbox's answers are the permission functions' (without their queries).


def test_it_answers_as_the_permission_functions(lts_rules, people, releases):
    south, wood = releases
    march = datetime.datetime(2018, 3, 1, 10, tzinfo=datetime.UTC)
    accept(people.woodspring, lts_rules.items["2.1"], reviewer=people.bnssg_commissioner, at=march)
    opened = evaluate_milestones(JUNE_2018, triggered_by=people.ns_commissioner).proposed
    release_approve(south, actor=people.commissioner)
    DelegatedLimit.objects.update(amount=60_000)  # the limit raised after the approval: south is within it now
    limit = delegated_limit()
    users = [people.commissioner, people.ns_commissioner, people.bnssg_commissioner, people.finance]
    for release in Release.objects.select_related("tranche", "locality"):
        for user in users:
            step = "approve" if release.state == ReleaseState.PROPOSED else "authorise"
            if not (permissions.can_see_release(user, release)[0] and user.has_role(*_roles(step))):
                continue
            expected = (permissions.can_approve_release if step == "approve" else permissions.can_authorise_release)(
                user, release
            )
            assert may(user, release, step, limit) == expected, (release.reference, user)
    assert opened  # T2a for Woodspring, triggered by and opened for other people


def _roles(step):
    from funding.release_workflow import RELEASES

    return RELEASES.step(step).roles
