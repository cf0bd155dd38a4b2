import datetime

import pytest
from django.contrib.admin.templatetags.admin_list import items_for_result
from django.test import override_settings
from django.urls import reverse

from funding.admin.releases import ReleaseAdmin
from funding.evaluation import evaluate_milestones
from funding.models import Release, ReleaseKind, ReleaseState
from funding.templatetags import admin_rows
from localities.models import Locality

from .ledger import join, mark

CHANGELIST = reverse("admin:funding_release_changelist")


@pytest.fixture
def releases(lts_rules, people):
    join(people.south_bristol, people.woodspring)
    return evaluate_milestones(datetime.date(2018, 6, 1)).proposed


def test_it_lists_releases_with_totals(client, people, releases, django_assert_max_num_queries):
    client.force_login(people.bnssg_commissioner)
    mark(releases[0], ReleaseState.APPROVED)

    with django_assert_max_num_queries(18):
        page = client.get(CHANGELIST).content.decode()
    assert 'id="release-totals"' in page
    assert "£105,000.00" in page and "£52,500.00" in page

    filtered = client.get(CHANGELIST, {"state__exact": "proposed"}).content.decode()
    assert '<tfoot><tr><th scope="row">All</th><td>1</td><td>£52,500.00</td>' in filtered


def test_it_shows_only_the_ccgs_releases(client, people, releases):
    client.force_login(people.commissioner)  # Bristol (11H): South Bristol only

    response = client.get(CHANGELIST)

    assert [r.locality for r in response.context["cl"].result_list] == [people.south_bristol]
    other = Release.objects.get(locality=people.woodspring)
    assert client.get(reverse("admin:funding_release_change", args=[other.pk])).status_code == 404


def test_it_shows_how_the_amount_was_worked_out(client, people, releases):
    client.force_login(people.commissioner)
    release = Release.objects.get(locality=people.south_bristol)

    page = client.get(reverse("admin:funding_release_change", args=[release.pk])).content.decode()

    assert "<strong>£0.50</strong> per head" in page and "<strong>105,000</strong> registered" in page
    assert 'id="release-lines"' in page and page.count("£30,000.00") == 1 and "£22,500.00" in page
    assert "01/01/2018" in page
    assert 'value="Approve"' in page


def test_it_approves_from_the_release_page(client, people, releases):
    client.force_login(people.commissioner)
    release = Release.objects.get(locality=people.south_bristol)

    response = client.post(reverse("admin:funding_release_step", args=[release.pk, "approve"]))

    assert response.status_code == 302
    release.refresh_from_db()
    assert (release.state, release.approved_by) == (ReleaseState.APPROVED, people.commissioner)


def test_it_rejects_from_the_release_page_with_a_reason(client, people, releases):
    client.force_login(people.commissioner)
    release = Release.objects.get(locality=people.south_bristol)
    url = reverse("admin:funding_release_step", args=[release.pk, "reject"])

    client.post(url, {"reason": ""})
    release.refresh_from_db()
    assert release.state == ReleaseState.PROPOSED

    client.post(url, {"reason": "Not yet."})
    release.refresh_from_db()
    assert (release.state, release.reason) == (ReleaseState.REJECTED, "Not yet.")


def test_it_refuses_a_get_on_a_step(client, people, releases):
    client.force_login(people.commissioner)

    assert client.get(reverse("admin:funding_release_step", args=[releases[0].pk, "approve"])).status_code == 405


def test_it_confirms_a_bulk_approval_with_count_and_total(client, people, releases):
    client.force_login(people.bnssg_commissioner)
    ids = [str(r.pk) for r in releases]

    confirm = client.post(CHANGELIST, {"action": "approve_selected", "_selected_action": ids})

    page = confirm.content.decode()
    assert 'id="confirm-summary"' in page and "<strong>2</strong> releases" in page and "£105,000.00" in page
    assert Release.objects.filter(state=ReleaseState.PROPOSED).count() == 2

    client.post(CHANGELIST, {"action": "approve_selected", "_selected_action": ids, "confirm": "yes"})
    assert Release.objects.filter(state=ReleaseState.APPROVED, approved_by=people.bnssg_commissioner).count() == 2


def test_it_leaves_releases_the_approver_may_not_approve(client, people, lts_rules):
    join(people.south_bristol)
    release = evaluate_milestones(datetime.date(2018, 6, 1), triggered_by=people.bnssg_commissioner).proposed[0]
    client.force_login(people.bnssg_commissioner)

    response = client.post(
        CHANGELIST, {"action": "approve_selected", "_selected_action": [release.pk], "confirm": "yes"}, follow=True
    )

    assert "triggered the evaluation" in response.content.decode()
    release.refresh_from_db()
    assert release.state == ReleaseState.PROPOSED


def test_it_needs_a_reason_for_a_bulk_rejection(client, people, releases):
    client.force_login(people.bnssg_commissioner)
    ids = [str(r.pk) for r in releases]

    again = client.post(CHANGELIST, {"action": "reject_selected", "_selected_action": ids, "confirm": "yes"})
    assert "Give the reason." in again.content.decode()

    client.post(
        CHANGELIST, {"action": "reject_selected", "_selected_action": ids, "confirm": "yes", "reason": "Paused."}
    )
    assert Release.objects.filter(state=ReleaseState.REJECTED, reason="Paused.").count() == 2


def test_it_lets_finance_authorise_in_bulk(client, people, releases):
    for release in releases:
        mark(release, ReleaseState.APPROVED)
    client.force_login(people.finance)

    client.post(
        CHANGELIST, {"action": "authorise_selected", "_selected_action": [r.pk for r in releases], "confirm": "yes"}
    )

    assert Release.objects.filter(state=ReleaseState.AUTHORISED, authorised_by=people.finance).count() == 2


def test_each_rows_checkbox_is_djangos_own(client, people, releases):
    from django.contrib import admin

    # Written out by the rows' tag (it is cheaper than the widget's templates), each checkbox must stay what Django's
    # widget renders, the row's name escaped: the bulk actions read it.
    Locality.objects.filter(pk=people.south_bristol.pk).update(name='South Bristol <O\'Neill & "Sons">')
    release_admin = admin.site._registry[Release]
    client.force_login(people.bnssg_commissioner)

    page = client.get(CHANGELIST).content.decode()

    assert releases
    for release in Release.objects.select_related("locality", "tranche"):
        djangos = admin.ModelAdmin.action_checkbox(release_admin, release)
        assert admin_rows.Checkbox()(release) == djangos
        assert f'<td class="action-checkbox">{djangos}</td>' in page
    assert "&lt;O&#x27;Neill &amp; &quot;Sons&quot;&gt;" in page


@pytest.mark.parametrize("who", ["bnssg_commissioner", "finance"])
def test_its_actions_bar_is_djangos_own(client, people, releases, who):
    # templates/admin/funding/release/actions.html writes the action form's widgets out by hand (it is cheaper): the
    # bar must stay what Django's own template renders from the same context, whatever actions the person has.
    from django.template.loader import render_to_string

    client.force_login(getattr(people, who))
    response = client.get(CHANGELIST)

    context = response.context.flatten() if hasattr(response.context, "flatten") else response.context[0].flatten()
    djangos = render_to_string("admin/actions.html", {**context, "action_index": 0})
    assert '<option value="approve_selected">' in djangos or who == "finance"
    assert djangos in response.content.decode()


@pytest.mark.parametrize("query", [{}, {"state__exact": "proposed", "_facets": "True", "o": "2"}])
def test_its_filters_read_as_djangos_own_template_writes_them(client, people, releases, query):
    # The portal's admin/filter.html writes the choices with a tag (onecare.accounts.templatetags.admin_filters): each
    # filter must read as Django's own template writes it, names that need escaping and encoding included.
    from pathlib import Path

    import django.contrib.admin
    from django.contrib.admin.templatetags.admin_list import admin_list_filter
    from django.template import engines

    Locality.objects.filter(pk=people.south_bristol.pk).update(name='Bristol Sud <é & "co">')
    djangos = engines["django"].from_string(
        (Path(django.contrib.admin.__file__).parent / "templates" / "admin" / "filter.html").read_text()
    )
    client.force_login(people.bnssg_commissioner)

    response = client.get(CHANGELIST, query)

    cl, page = response.context["cl"], response.content.decode()
    assert len(cl.filter_specs) == 7
    for spec in cl.filter_specs:
        theirs = djangos.render({"title": spec.title, "choices": list(spec.choices(cl)), "spec": spec})
        assert spec.template == "admin/filter.html" and admin_list_filter(cl, spec) == theirs
        assert theirs in page
    assert "Bristol Sud &lt;é &amp; &quot;co&quot;&gt;" in page


@pytest.mark.parametrize("query", [{}, {"o": "2.-5", "kind__exact": "release"}])
def test_its_table_is_djangos_own(client, people, releases, query):
    # The rows' tag (funding/templatetags/admin_rows.py) writes the rows and their cells itself, into its own copy of
    # the table's template: the table must stay what Django's own {% result_list cl %} writes, escaping included.
    from django.contrib.admin.templatetags.admin_list import result_list
    from django.template.loader import render_to_string

    Locality.objects.filter(pk=people.south_bristol.pk).update(name='Bristol Sud <é & "co">')
    client.force_login(people.bnssg_commissioner)

    response = client.get(CHANGELIST, query)

    djangos = render_to_string("admin/change_list_results.html", result_list(response.context["cl"]))
    assert djangos.count("<tr>") == 3 and "Bristol Sud &lt;é &amp; &quot;co&quot;&gt;" in djangos
    assert djangos in response.content.decode()


def test_the_rows_read_a_column_across_relations_as_django_does(client, people, releases, monkeypatch):
    # funding/templatetags/admin_rows.py writes the changelist's rows; a list_display entry spanning relations
    # ("locality__name", which Django 5.1+ reads) is shown as Django's own items_for_result shows it. (lookup_field
    # finds no field for such a name, so the tag reads it through its LOOKUP_SEP branch: this pins that.)
    monkeypatch.setattr(ReleaseAdmin, "list_display", ["reference", "locality__name", "locality__code", "amount"])
    client.force_login(people.bnssg_commissioner)

    fast = []
    monkeypatch.setattr(admin_rows, "fast_results", lambda cl, real=admin_rows.fast_results: fast.append(1) or real(cl))
    response = client.get(CHANGELIST)

    assert response.status_code == 200 and fast, "the tag's own rows, not Django's"
    cl = response.context["cl"]
    names = sorted(release.locality.name for release in cl.result_list)
    assert names == sorted([people.south_bristol.name, people.woodspring.name])
    page = response.content.decode()
    assert 'class="field-locality__name">' in page
    for release in cl.result_list:
        for cell in items_for_result(cl, release, None):
            assert cell in page


def test_its_rows_read_the_reference_without_the_rule(client, people, releases):
    # The rows leave the rule applied (a JSON document) unread and read the scheme it names in the list's query
    # (funding.admin.releases.ReleaseChangeList): each reference is still the release's own, an adjustment's too.
    first, second = releases
    Release.objects.filter(pk=first.pk).update(rule={**first.rule, "scheme": "pcn"})
    Release.objects.filter(pk=second.pk).update(kind=ReleaseKind.ADJUSTMENT, adjusts=first, rule={})
    client.force_login(people.bnssg_commissioner)

    response = client.get(CHANGELIST)

    rows = list(response.context["cl"].result_list)
    assert rows and all("rule" in row.get_deferred_fields() for row in rows)
    page = response.content.decode()
    references = {release.pk: release.reference for release in Release.objects.select_related("locality", "tranche")}
    assert references[first.pk].startswith("PCN-") and references[second.pk].startswith("ADJ-")
    for pk, reference in references.items():
        assert f'<th class="field-reference"><a href="/admin/funding/release/{pk}/change/">{reference}</a></th>' in page


@pytest.mark.parametrize("who", ["commissioner", "bnssg_commissioner"])
def test_its_locality_and_ccg_filters_offer_djangos_choices(client, people, releases, who):
    # The two filters read one query (funding.admin.releases.localities_of_releases): they offer what Django's
    # RelatedOnlyFieldListFilter offers, and the CCG filter shows only when there are CCGs to choose between.
    from django.contrib import admin

    client.force_login(getattr(people, who))
    response = client.get(CHANGELIST)

    model_admin = response.context["cl"].model_admin
    shown = {spec.field_path for spec in response.context["cl"].filter_specs}
    for path, ours in [f for f in ReleaseAdmin.list_filter if isinstance(f, tuple) and f[0].startswith("locality")]:
        field = Release._meta.get_field("locality") if path == "locality" else Locality._meta.get_field("commissioner")
        args = (field, response.wsgi_request, {}, Release, model_admin)
        djangos = admin.RelatedOnlyFieldListFilter(*args, field_path=path)
        assert ours(*args, field_path=path).lookup_choices == djangos.lookup_choices
        assert (path in shown) == djangos.has_output()
    assert ("locality__commissioner" in shown) == (who == "bnssg_commissioner")


def test_its_tranche_filter_offers_djangos_choices(client, people, releases):
    # The tranche filter reads the query that also gives the rows their tranches (funding.admin.releases.all_tranches):
    # it offers what Django's RelatedFieldListFilter offers, every tranche (those without releases too), in its order.
    from django.contrib import admin

    from funding.admin.releases import AllTranches

    client.force_login(people.commissioner)
    response = client.get(CHANGELIST)

    args = (Release._meta.get_field("tranche"), response.wsgi_request, {}, Release, response.context["cl"].model_admin)
    djangos = admin.RelatedFieldListFilter(*args, field_path="tranche")
    assert ("tranche", AllTranches) in ReleaseAdmin.list_filter
    assert len(djangos.lookup_choices) > len({release.tranche_id for release in releases})
    assert AllTranches(*args, field_path="tranche").lookup_choices == djangos.lookup_choices


def test_it_lists_a_ccgs_releases_in_few_queries(client, people, releases, django_assert_num_queries):
    client.force_login(people.commissioner)
    client.get(CHANGELIST)

    # Rendered afresh: the session with its user (one query: onecare/accounts/sessions.py), their permissions (one
    # query: onecare/accounts/backends.py) and groups, the CCG's lineage, the filters' localities (with their CCGs) and
    # tranches, the totals, the rows.
    with override_settings(PORTAL_PAGE_CACHE=False), django_assert_num_queries(8):
        assert client.get(CHANGELIST).status_code == 200
