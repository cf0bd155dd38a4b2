import datetime

import pytest
from django.template import Context, Template
from django.urls import reverse

from funding.evaluation import evaluate_milestones
from funding.models import ReleaseState, ReleaseTransition

from .ledger import accept, join, mark

MONEY = reverse("funding:money")


@pytest.fixture
def releases(lts_rules, people):
    join(people.south_bristol, people.woodspring)
    south, wood = sorted(evaluate_milestones(datetime.date(2018, 6, 1)).proposed, key=lambda r: r.locality.name)
    mark(south, ReleaseState.PAID)
    ReleaseTransition.objects.create(
        release=south, from_state="scheduled", to_state="paid", at=datetime.datetime(2018, 3, 5, tzinfo=datetime.UTC)
    )
    mark(wood, ReleaseState.AUTHORISED)
    return south, wood


def test_it_shows_the_envelope_and_spend(client, people, releases, django_assert_max_num_queries):
    client.force_login(people.bnssg_commissioner)

    with django_assert_max_num_queries(11):  # 10 for the page, 1 for the page cache's key (onecare/pagecache.py)
        page = client.get(MONEY).content.decode()

    assert "£315,000.00" in page  # £3.00 x 105,000, the envelope of each locality
    assert page.count("£52,500.00") >= 2  # South Bristol paid, Woodspring approved
    assert "£262,500.00" in page  # remaining of each
    assert "March 2018" in page and "<svg" in page and "<progress" not in page


def test_it_shows_only_the_users_localities(client, people, releases):
    client.force_login(people.ns_commissioner)

    page = client.get(MONEY).content.decode()

    assert "Woodspring" in page and "South Bristol" not in page


def test_it_shows_a_locality_its_money_and_what_unlocks_the_next_tranche(lts_rules, people, releases):
    accept(people.south_bristol, lts_rules.items["1.1"], lts_rules.items["1.2"])

    html = Template("{% load funding %}{% locality_money locality %}").render(
        Context({"locality": people.south_bristol})
    )

    assert "Paid to South Bristol: <strong>£52,500.00</strong>" in html
    assert "What unlocks T2a" in html and "accepted evidence for\n    2.1." in html  # 2.1 alone (funding/MONEY.md)


@pytest.mark.parametrize("accepted", [(), ("1.1",), ("1.1", "1.2"), ("1.1", "1.2", "2.1")])
def test_what_unlocks_the_next_tranche_is_the_same_from_the_checklist_the_page_read(
    lts_rules, people, releases, accepted, django_assert_num_queries
):
    """The locality page passes the checklist it read: the gate items missing evidence come from it, in the same
    order, one query fewer; a gate item the checklist does not show (its scheme switched off) is read as before."""
    from funding.checklist import locality_checklist
    from funding.dashboards import locality_money

    day = datetime.date(2018, 6, 1)
    accept(people.south_bristol, *(lts_rules.items[number] for number in accepted))
    checklist = locality_checklist(people.south_bristol, day)
    with django_assert_num_queries(3):
        read = locality_money(people.south_bristol, day)
    with django_assert_num_queries(2):
        taken = locality_money(people.south_bristol, day, checklist)
    assert read["next"].tranche == taken["next"].tranche
    assert [item.number for item in taken["next"].missing] == [item.number for item in read["next"].missing]
    assert (read["paid"], read["on_the_way"]) == (taken["paid"], taken["on_the_way"])

    hidden = [phase for phase in checklist if not any(row.item.number == "2.1" for row in phase.rows)]
    with django_assert_num_queries(3):
        partial = locality_money(people.south_bristol, day, hidden)
    assert [item.number for item in partial["next"].missing] == [item.number for item in read["next"].missing]

    # A tranche read without its gate item ids: its items are read, whatever checklist is given.
    from funding.dashboards import missing_gate_items
    from funding.models import Tranche

    plain = Tranche.objects.get(pk=read["next"].tranche.pk)
    with django_assert_num_queries(1):
        missing = missing_gate_items(people.south_bristol, plain, checklist)
    assert [item.number for item in missing] == [item.number for item in read["next"].missing]


def test_the_money_from_the_releases_the_page_read_is_the_same_and_leaves_improved_access_out(
    lts_rules, people, releases, django_assert_num_queries
):
    """The locality page reads the locality's live releases once (funding.dashboards.locality_releases), every
    scheme's, for its money section and its payments: the money section keeps the LTS ones, as its own query did."""
    from funding.dashboards import locality_money, locality_releases
    from funding.models import Release, Tranche
    from tests.funding.factories import SchemeFactory

    south, wood = releases
    ia = Tranche.objects.create(
        scheme=SchemeFactory(code="ia", name="Improved Access"),
        code="2018Q1",
        name="2018Q1",
        rate=1,
        reference_date=datetime.date(2018, 4, 1),
    )
    Release.objects.filter(pk=wood.pk).update(tranche=ia)  # Woodspring's money is now Improved Access's alone
    day = datetime.date(2018, 6, 1)
    for locality in (people.south_bristol, people.woodspring):
        with django_assert_num_queries(1):
            read = locality_releases(locality)
        assert {release.pk for release in read} == {(south if locality == people.south_bristol else wood).pk}
        with django_assert_num_queries(3):
            alone = locality_money(locality, day)
        with django_assert_num_queries(2):
            shared = locality_money(locality, day, releases=read)
        assert [(row.tranche.code, row.release and row.release.pk) for row in shared["rows"]] == [
            (row.tranche.code, row.release and row.release.pk) for row in alone["rows"]
        ]
        assert (shared["paid"], shared["on_the_way"]) == (alone["paid"], alone["on_the_way"])
    assert locality_money(people.woodspring, day)["on_the_way"] == 0  # the Improved Access release is left out


def test_it_renders_the_money_tag_in_few_queries(lts_rules, people, releases, django_assert_max_num_queries):
    template = Template("{% load funding %}{% locality_money locality %}")

    with django_assert_max_num_queries(3):
        template.render(Context({"locality": people.south_bristol}))


def test_it_lets_a_practice_manager_see_their_locality(client, people, releases):
    client.force_login(people.manager)

    page = client.get(MONEY).content.decode()

    assert "South Bristol" in page and "Woodspring" not in page


@pytest.mark.parametrize("who", ["manager", "lead", "commissioner", "finance", "data_admin", "wood_manager"])
def test_it_serves_the_money_page_to_every_role_without_inline_code(client, people, releases, who):
    from tests.test_pages import assert_no_inline_code

    client.force_login(getattr(people, who))
    response = client.get(MONEY)

    assert response.status_code == 200
    assert_no_inline_code(response.content.decode())


def test_it_sends_the_anonymous_to_log_in(client):
    assert client.get(MONEY)["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("who", ["manager", "lead", "wood_manager"])
def test_it_keeps_practice_staff_out_of_the_release_admin(client, people, releases, who):
    client.force_login(getattr(people, who))

    for url in [
        reverse("admin:funding_release_changelist"),
        reverse("admin:funding_release_change", args=[releases[0].pk]),
    ]:
        assert client.get(url).status_code == 302
    client.post(reverse("admin:funding_release_step", args=[releases[1].pk, "reject"]), {"reason": "x"})
    releases[1].refresh_from_db()
    assert releases[1].state == ReleaseState.AUTHORISED
