"""A practice's money: its share of each release, the state in words, the paid date, and the remittance advice."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from funding.evaluation import evaluate_milestones
from funding.models import Release, ReleaseLine, ReleaseState
from funding.payment_runs import payment_run_add, payment_run_create
from onecare.formats import money, patients

from .ledger import accept, mark
from .remittance_data import ACCEPTED_AT, PAY_DATE, paid_scene


@pytest.fixture
def scene(people, lts_rules, bnssg, make_member_practice):
    """T1 and T2a paid to South Bristol; then T2b proposed and (for the other case) approved."""
    scene = paid_scene(people, lts_rules, bnssg, make_member_practice)
    accept(people.south_bristol, *(lts_rules.items[n] for n in ("2.2", "2.3", "2.4")), at=ACCEPTED_AT)
    scene.t2b = evaluate_milestones(datetime.date(2018, 6, 3)).proposed[0]
    assert scene.t2b.tranche.code == "T2b"
    return scene


def page_for(client, user, practice):
    client.force_login(user)
    return client.get(reverse("funding:practice-money", args=[practice.pk]))


def test_a_practice_manager_sees_the_practices_share_of_each_release(client, people, scene):
    practice = people.manager.practice
    response = page_for(client, people.manager, practice)

    assert response.status_code == 200
    page = response.content.decode()
    money_ = response.context["money"]
    assert [s.release.tranche.code for s in money_.shares] == ["T2b", "T2a", "T1"]
    for share in money_.shares:
        line = ReleaseLine.objects.get(release=share.release, practice=practice)
        assert share.line == line
        assert money(line.amount) in page and patients(line.patients) in page
        assert share.release.reference in page
    paid_on = timezone.localdate()
    assert page.count(f"Paid on {paid_on.day} {paid_on:%B %Y}") == 2
    assert page.count(reverse("funding:remittance", args=[scene.run.pk, "sbris"])) == 2
    assert "Proposed: waiting for a commissioner&#x27;s approval" in page
    assert "Our practice's money</h1>" in page
    assert "None" not in page and "proposed<" not in page


def test_the_totals_add_up_to_the_penny(client, people, scene, bnssg):
    practice = people.manager.practice
    money_ = page_for(client, people.manager, practice).context["money"]
    lines = ReleaseLine.objects.filter(practice=practice)
    paid = sum(line.amount for line in lines if line.release.state == ReleaseState.PAID)
    proposed = sum(line.amount for line in lines if line.release.state == ReleaseState.PROPOSED)
    assert (money_.paid, money_.proposed, money_.on_the_way) == (paid, proposed, 0)
    assert paid == 2 * proposed and paid > 0

    mark(scene.t2b, ReleaseState.AUTHORISED)
    response = page_for(client, people.manager, practice)
    assert (response.context["money"].on_the_way, response.context["money"].proposed) == (proposed, 0)
    assert "Authorised: waiting for a payment run" in response.content.decode()
    html = response.content.decode()
    assert f'id="practice-money-paid">{money(paid)}<' in html
    assert f'id="practice-money-on-the-way">{money(proposed)}<' in html

    run = payment_run_create(bnssg, actor=people.finance, name="July 2018", pay_date=PAY_DATE)
    payment_run_add(run, [scene.t2b], actor=people.finance)
    html = page_for(client, people.manager, practice).content.decode()
    assert f"In payment run {run.reference}: to be paid on 15 June 2018" in html
    assert reverse("funding:remittance", args=[run.pk, "sbris"]) not in html  # not paid: no advice yet


def test_an_opted_out_practice_is_marked(client, people, scene):
    response = page_for(client, people.lead, scene.opted_out_practice)
    assert response.status_code == 200
    assert response.context["money"].opted_out
    page = response.content.decode()
    assert page.count("Opted out</strong>") == 3
    assert "The practice's money</h1>" in page


def test_a_rejected_release_is_not_the_practices_money(client, people, scene):
    Release.objects.filter(pk=scene.t2b.pk).update(state=ReleaseState.WITHDRAWN, reason="Wrong list.")
    money_ = page_for(client, people.manager, people.manager.practice).context["money"]
    assert [s.release.tranche.code for s in money_.shares] == ["T2a", "T1"]
    assert money_.proposed == 0


@pytest.mark.parametrize("who", ["lead", "commissioner", "bnssg_commissioner", "finance"])
def test_the_locality_and_its_ccg_see_a_member_practice(client, people, scene, who):
    assert page_for(client, getattr(people, who), people.manager.practice).status_code == 200


def test_another_practice_or_locality_answers_404_and_other_roles_403(client, people, scene):
    other_practice = scene.opted_out_practice
    assert other_practice != people.manager.practice
    assert page_for(client, people.manager, other_practice).status_code == 404  # a practice manager's own only
    assert page_for(client, people.wood_manager, people.manager.practice).status_code == 404
    assert page_for(client, people.wood_lead, people.manager.practice).status_code == 404
    assert page_for(client, people.ns_commissioner, people.manager.practice).status_code == 404
    assert page_for(client, people.data_admin, people.manager.practice).status_code == 403
    client.force_login(people.manager)
    assert client.get(reverse("funding:practice-money", args=[999_999])).status_code == 404


def test_the_header_links_the_practice_money_and_the_advice(client, people, scene):
    client.force_login(people.manager)
    page = client.get(reverse("localities:detail", args=["sbris"])).content.decode()
    header = page.split('id="maincontent"')[0]
    assert reverse("funding:practice-money", args=[people.manager.practice_id]) in header
    client.force_login(people.lead)
    header = client.get(reverse("localities:detail", args=["sbris"])).content.decode().split('id="maincontent"')[0]
    assert reverse("funding:remittances") in header
    assert "funding/practices/" not in header


def test_a_practice_with_nothing_yet_says_so(client, people):
    response = page_for(client, people.manager, people.manager.practice)
    assert response.status_code == 200
    page = response.content.decode()
    assert "No money has been proposed" in page and "£0.00" in page and "None" not in page


def test_the_page_runs_a_fixed_number_of_queries(
    client, people, lts_rules, bnssg, make_member_practice, django_assert_max_num_queries
):
    paid_scene(people, lts_rules, bnssg, make_member_practice, extra_practices=20)
    accept(people.south_bristol, *(lts_rules.items[n] for n in ("2.2", "2.3", "2.4")), at=ACCEPTED_AT)
    evaluate_milestones(datetime.date(2018, 6, 3))
    for user in (people.manager, people.lead):
        client.force_login(user)
        url = reverse("funding:practice-money", args=[people.manager.practice_id])
        client.get(url)
        with django_assert_max_num_queries(8):
            response = client.get(url)
        assert len(response.context["money"].shares) == 3
