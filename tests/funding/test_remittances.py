"""Remittance advice: one per paid run and payee, on screen and as PDF, for the payee's people and its CCG's."""

import datetime
import io
import re

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from funding.evaluation import evaluate_milestones
from funding.models import PaymentRunState, Release, ReleaseKind, ReleaseState
from funding.payment_runs import payment_run_add, payment_run_create, payment_run_lock
from funding.remittances import why_words
from localities.models import LocalityVehicle
from onecare.formats import money
from tests.localities.factories import ListSizeFactory

from .ledger import join, mark
from .remittance_data import amounts_in, flat, paid_scene, pay, pdf_text, pounds


@pytest.fixture
def scene(people, lts_rules, bnssg, make_member_practice):
    return paid_scene(people, lts_rules, bnssg, make_member_practice)


def advice_url(scene, locality, name="funding:remittance"):
    return reverse(name, args=[scene.run.pk, locality.code])


def get(client, user, url):
    client.force_login(user)
    return client.get(url)


def test_the_scene_pays_t1_and_t2a_to_south_bristol(scene):
    assert sorted(r.tranche.code for r in scene.releases) == ["T1", "T2a"]
    assert scene.run.state == PaymentRunState.PAID


@pytest.mark.parametrize("who", ["lead", "manager", "other_manager", "commissioner", "bnssg_commissioner", "finance"])
def test_the_payee_and_its_ccg_see_the_advice_on_screen(client, people, scene, who):
    response = get(client, getattr(people, who), advice_url(scene, people.south_bristol))

    assert response.status_code == 200
    page = response.content.decode()
    advice = response.context["advice"]
    assert "South Bristol Health &amp; Care Ltd" in page
    assert "SUP-40117" in page and "LTS SBRIS" in page
    assert advice.reference in page and "LTS payments, June 2018" in page
    paid_on = timezone.localdate()
    assert f"{paid_on.day} {paid_on:%B %Y}" in page and "15 June 2018" in page
    assert people.south_bristol.commissioner.successor.name in page  # the payer: the run's CCG
    for release in scene.releases:
        assert release.reference in page
        assert money(release.amount) in page
    assert "Evidence accepted for 2.1" in page
    assert "joined the scheme" in page
    assert "Opted out" in page
    assert "None" not in page


def test_the_figures_on_screen_add_up_to_the_penny(client, people, scene):
    response = get(client, people.lead, advice_url(scene, people.south_bristol))
    page = response.content.decode()
    advice = response.context["advice"]

    total = pounds(re.search(r'id="remittance-total">([^<]+)<', page)[1])
    assert total == sum(r.amount for r in scene.releases) == advice.total
    for item in advice.releases:
        section = page.split(f'id="release-{item.release.pk}"')[1].split("</section>")[0]
        body = section.split("<tfoot")[0]
        shares = amounts_in(body.split("<tbody")[1])
        footer = amounts_in(section.split("<tfoot")[1])
        assert len(shares) == len(item.lines) == 2
        assert sum(shares) == footer[0] == item.release.amount


def test_the_pdf_is_a_real_remittance_advice_that_adds_up(client, people, scene):
    response = get(client, people.finance, advice_url(scene, people.south_bristol, "funding:remittance-pdf"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline; filename=")
    lines = pdf_text(response.content)
    text = flat(lines)
    advice = get(client, people.finance, advice_url(scene, people.south_bristol)).context["advice"]
    assert "Remittance advice" in text
    assert people.south_bristol.commissioner.successor.name in text
    assert "South Bristol Health & Care Ltd" in text
    assert "Supplier number: SUP-40117" in text and "Bank reference: LTS SBRIS" in text
    assert advice.reference in text
    assert f"Paid on: {timezone.localdate():%d/%m/%Y}" in text
    assert "Pay date: 15/06/2018" in text
    assert advice.reference == f"15C-PR-{scene.run.pk:04d}"
    for item in advice.releases:
        assert item.release.reference in text
        assert "Evidence accepted for 2.1" in text or item.release.tranche.code == "T1"
        assert f"{money(item.release.rate)} per head × " in text
    assert "at 01/01/2018" in text and "at 01/04/2018" in text
    assert "Opted out" in text

    # Each practice's share, once per release: they add up to each release and to the total paid.
    codes = {line.practice.code for item in advice.releases for line in item.lines}
    cells = lines.splitlines()  # pypdf reads each table cell as a line of its own
    shares = [next(amounts_in(c)[0] for c in cells[n:] if amounts_in(c)) for n, c in enumerate(cells) if c in codes]
    assert len(shares) == sum(len(item.lines) for item in advice.releases) == 4
    assert sum(shares) == advice.total == sum(r.amount for r in scene.releases)
    assert f"Total paid to South Bristol Health & Care Ltd: {money(advice.total)}" in text
    assert f"the practices' shares add up to {money(advice.total)}" in text
    assert "None" not in text


@pytest.mark.parametrize("who", ["wood_lead", "wood_manager", "ns_commissioner"])
def test_another_locality_or_ccg_gets_404(client, people, scene, who):
    for name in ("funding:remittance", "funding:remittance-pdf"):
        assert get(client, getattr(people, who), advice_url(scene, people.south_bristol, name)).status_code == 404


def test_woodspring_sees_its_own_advice_of_the_same_run(client, people, scene):
    response = get(client, people.wood_lead, advice_url(scene, people.woodspring))
    assert response.status_code == 200
    assert [item.release for item in response.context["advice"].releases] == scene.wood_releases
    assert "South Bristol" not in response.content.decode().split('id="maincontent"')[-1]


@pytest.mark.parametrize("name", ["funding:remittances", "funding:remittance", "funding:remittance-pdf"])
def test_a_role_without_money_is_refused(client, people, scene, name):
    args = [] if name == "funding:remittances" else [scene.run.pk, people.south_bristol.code]
    assert get(client, people.data_admin, reverse(name, args=args)).status_code == 403
    client.logout()
    assert client.get(reverse(name, args=args)).status_code == 302


def test_a_draft_or_missing_run_or_a_run_that_paid_the_locality_nothing_has_no_advice(client, people, scene, bnssg):
    draft = payment_run_create(bnssg, actor=people.finance, name="August 2018")
    for url in (
        reverse("funding:remittance", args=[draft.pk, "sbris"]),
        reverse("funding:remittance", args=[scene.run.pk + 1000, "sbris"]),
        reverse("funding:remittance", args=[scene.run.pk, "no-such-locality"]),
    ):
        assert get(client, people.finance, url).status_code == 404


def test_a_locked_run_has_no_advice_yet(client, people, lts_rules, bnssg):
    join(people.south_bristol)
    release = mark(evaluate_milestones(datetime.date(2018, 6, 1)).proposed[0], ReleaseState.AUTHORISED)
    run = payment_run_create(bnssg, actor=people.finance, name="July 2018")
    payment_run_add(run, [release], actor=people.finance)
    payment_run_lock(run, actor=people.finance)
    url = reverse("funding:remittance", args=[run.pk, release.locality.code])
    assert get(client, people.lead, url).status_code == 404
    pdf = reverse("funding:remittance-pdf", args=[run.pk, release.locality.code])
    assert get(client, people.finance, pdf).status_code == 404
    assert get(client, people.finance, reverse("funding:remittances")).context["rows"] == []


def test_the_list_shows_each_paid_run_and_payee_the_person_may_see(client, people, scene):
    rows = get(client, people.finance, reverse("funding:remittances")).context["rows"]
    assert {(r.run_pk, r.locality_code) for r in rows} == {(scene.run.pk, "sbris"), (scene.run.pk, "wood")}
    south = next(r for r in rows if r.locality_code == "sbris")
    assert south.total == sum(r.amount for r in scene.releases) and south.releases == 2

    response = get(client, people.lead, reverse("funding:remittances"))
    assert [r.locality_code for r in response.context["rows"]] == ["sbris"]
    page = response.content.decode()
    assert reverse("funding:remittance", args=[scene.run.pk, "sbris"]) in page
    assert reverse("funding:remittance-pdf", args=[scene.run.pk, "sbris"]) in page
    assert money(south.total) in page and "None" not in page
    assert [
        r.locality_code for r in get(client, people.wood_manager, reverse("funding:remittances")).context["rows"]
    ] == ["wood"]


def test_the_locality_page_links_the_advice_and_the_practice_money(client, people, scene):
    page = get(client, people.manager, reverse("localities:detail", args=["sbris"])).content.decode()
    assert "Payments to South Bristol" in page
    assert reverse("funding:remittance", args=[scene.run.pk, "sbris"]) in page
    assert reverse("funding:practice-money", args=[people.manager.practice_id]) in page

    page = get(client, people.lead, reverse("localities:detail", args=["sbris"])).content.decode()
    assert reverse("funding:remittance", args=[scene.run.pk, "sbris"]) in page
    assert "Our practice's money" not in page.split('id="payments"')[1].split("<h2")[0]
    assert ">Remittance advice</a>" in page  # the header link

    page = get(client, people.data_admin, reverse("localities:detail", args=["sbris"])).content.decode()
    assert "Payments to South Bristol" not in page


def claw_back_of_t1(scene) -> tuple[Release, Release]:
    """South Bristol's T1 and the claw-back of it proposed after a revised list at 01/01/2018 for one practice:
    1,000 fewer patients, so T1 is £500.00 too much."""
    t1 = next(r for r in scene.releases if r.tranche.code == "T1")
    line = t1.lines.order_by("practice__code").first()
    ListSizeFactory(
        practice=line.practice,
        extract_date=datetime.date(2018, 1, 1),
        registered_patients=int(line.patients) - 1000,
        source_kind="nhs_digital",
    )
    adjustments = evaluate_milestones(datetime.date(2018, 6, 2)).adjustments
    return t1, next(r for r in adjustments if r.adjusts_id == t1.pk)


def test_a_claw_back_reads_as_one_with_its_reason(client, people, lts_rules, bnssg, make_member_practice):
    t1, claw_back = claw_back_of_t1(paid_scene(people, lts_rules, bnssg, make_member_practice))
    assert claw_back.amount == -500
    run = pay([mark(claw_back, ReleaseState.AUTHORISED)], finance=people.finance, commissioner=bnssg, name="July")

    response = get(client, people.lead, reverse("funding:remittance", args=[run.pk, "sbris"]))
    page = response.content.decode()
    assert "Claw-back" in page and "-£500.00" in page
    assert f"Adjusts {t1.reference}" in page
    text = flat(pdf_text(get(client, people.lead, reverse("funding:remittance-pdf", args=[run.pk, "sbris"])).content))
    assert "-£500.00" in text and "claw-back" in text.lower()
    assert f"Adjusts {t1.reference}" in text
    assert f"less {money(t1.amount)} already paid = -£500.00" in text


@pytest.mark.parametrize("who", ["lead", "manager", "commissioner", "finance", "wood_manager"])
def test_the_locality_pages_payments_from_the_releases_it_read_are_the_queries_rows(
    people, lts_rules, bnssg, make_member_practice, who
):
    """The locality page passes the locality's live releases it read (funding.dashboards.locality_releases): the
    payments are summed by run from them, newest paid first, as the grouped query gives them, without it."""
    from funding.dashboards import locality_releases
    from funding.models import Tranche
    from funding.remittances import remittances_for_user
    from tests.funding.factories import SchemeFactory

    scene = paid_scene(people, lts_rules, bnssg, make_member_practice)
    _, claw_back = claw_back_of_t1(scene)
    # Paid by a run of its own, the same day as the first: the later run comes first, as the query orders them. It
    # is put in an Improved Access tranche: the payments list every scheme's (the money section the LTS ones alone).
    improved_access = SchemeFactory(code="ia", name="Improved Access")
    quarter = Tranche.objects.create(
        scheme=improved_access, code="2018Q1", name="2018Q1", rate=1, reference_date=datetime.date(2018, 4, 1)
    )
    Release.objects.filter(pk=claw_back.pk).update(tranche=quarter)
    pay([mark(claw_back, ReleaseState.AUTHORISED)], finance=people.finance, commissioner=bnssg, name="July")
    user = getattr(people, who)
    user.roles  # noqa: B018 (read once a request)
    user.commissioner_lineage()
    locality = people.south_bristol
    read = locality_releases(locality)

    with CaptureQueriesContext(connection) as alone:
        queried = remittances_for_user(user, locality)
    with CaptureQueriesContext(connection) as given:
        shared = remittances_for_user(user, locality, read)

    assert shared == queried
    assert len(given) == len(alone) - (1 if queried else 0)  # the grouped query, for one who may read them
    if who != "wood_manager":
        assert [(row.releases, row.total) for row in shared] == [
            (1, claw_back.amount),
            (2, sum(r.amount for r in scene.releases)),
        ]
    else:
        assert shared == []  # not their locality


def test_why_words_say_the_improved_access_quarter():
    release = Release(kind=ReleaseKind.RELEASE, rule={"quarter": "2018Q1", "judged_on": "2018-07-02"}, amount=1)
    assert why_words(release, {}) == (
        "Improved Access quarter 2018Q1 (April to June 2018): the locality met the compliance rules judged on "
        "02/07/2018."
    )


def test_the_pages_run_a_fixed_number_of_queries(
    client, people, lts_rules, bnssg, make_member_practice, django_assert_max_num_queries
):
    scene = paid_scene(people, lts_rules, bnssg, make_member_practice, extra_practices=30)
    assert sum(len(item.lines.all()) for item in scene.releases) == 2 * 32
    for user, url, most in [
        (people.lead, advice_url(scene, people.south_bristol), 13),
        (people.finance, advice_url(scene, people.south_bristol, "funding:remittance-pdf"), 13),
        (people.finance, reverse("funding:remittances"), 10),
        # The locality page reads its checklist and its releases once for its sections (16 when each read its own).
        (people.manager, reverse("localities:detail", args=["sbris"]), 14),
    ]:
        client.force_login(user)
        client.get(url)
        # Rendered afresh: with the page cache on, the second visit to the locality page would be two queries.
        with override_settings(PORTAL_PAGE_CACHE=False), django_assert_max_num_queries(most):
            assert client.get(url).status_code == 200

    # The 32 practices' shares run over pages (the heading band and the table header repeat): they still add up.
    client.force_login(people.lead)
    content = client.get(advice_url(scene, people.south_bristol, "funding:remittance-pdf")).content
    cells = pdf_text(content).splitlines()
    assert len(PdfReader(io.BytesIO(content)).pages) > 1
    assert cells.count("Remittance advice") == len(PdfReader(io.BytesIO(content)).pages)
    codes = {line.practice.code for item in scene.releases for line in item.lines.all()}
    shares = [next(amounts_in(c)[0] for c in cells[n:] if amounts_in(c)) for n, c in enumerate(cells) if c in codes]
    assert len(shares) == 64
    assert sum(shares) == sum(r.amount for r in scene.releases)


def test_the_advice_names_the_payee_as_the_locked_schedule_froze_it(client, people, scene):
    LocalityVehicle.objects.filter(locality=people.south_bristol).update(
        legal_name="Renamed Ltd", supplier_number="SUP-99999", bank_reference="NEW REF"
    )
    advice = get(client, people.lead, advice_url(scene, people.south_bristol)).context["advice"]
    assert (advice.payee, advice.supplier_number, advice.bank_reference) == (
        "South Bristol Health & Care Ltd",
        "SUP-40117",
        "LTS SBRIS",
    )


def test_the_advice_links_the_practices_whose_money_the_reader_may_open(client, people, scene):
    practices = {line.practice for item in scene.releases for line in item.lines.all()}
    assert len(practices) == 2
    main = 'id="maincontent"'
    lead_page = get(client, people.lead, advice_url(scene, people.south_bristol)).content.decode().split(main)[1]
    manager_page = get(client, people.manager, advice_url(scene, people.south_bristol)).content.decode().split(main)[1]
    for practice in practices:
        link = reverse("funding:practice-money", args=[practice.pk])
        assert lead_page.count(link) == 2  # once under each release
        assert manager_page.count(link) == (2 if practice == people.manager.practice else 0)
        assert get(client, people.lead, link).status_code == 200
