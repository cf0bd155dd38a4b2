"""The Django admin's back doors, each tried as it was reported: history reverts, another CCG's records,
choices that point a record at another organisation, exports and autocompletes outside the scope.
"""

import datetime
import json

from django.contrib.admin.utils import quote
from django.urls import reverse

from funding.models import EvidenceStatus, Release, ReleaseState
from localities.models import Locality, LocalityVehicle
from onecare.accounts.admin_base import AuditedAdmin, ScopedAdmin, ScopedChoicesMixin
from onecare.accounts.roles import Role
from onecare.ballots.models import Ballot, BallotStatus
from tests.funding.ledger import mark
from tests.localities.factories import CommissionerFactory
from tests.onecare.factories import UserFactory
from tests.security.admin_world import build_admin_world
from tests.security.conftest import login_verified


def history_url(obj, version=None) -> str:
    version = version or obj.history.order_by("history_id").first()
    opts = obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_simple_history", args=[quote(obj.pk), version.history_id])


def sign_in(client, world, role: Role):
    login_verified(client, world.users[role])
    return client


def test_finance_cannot_turn_submitted_evidence_into_accepted_through_its_history(client):
    world = build_admin_world()
    evidence = world.own.evidence
    sign_in(client, world, Role.FINANCE_APPROVER)
    response = client.post(history_url(evidence), {"status": EvidenceStatus.ACCEPTED, "statement": "Accepted."})
    assert response.status_code == 405
    evidence.refresh_from_db()
    assert evidence.status == EvidenceStatus.SUBMITTED


def test_a_paid_release_cannot_be_reverted_to_authorised_through_its_history(client):
    world = build_admin_world()
    release = Release.objects.get(locality=world.own.locality)
    first_version = release.history.order_by("history_id").first()
    mark(release, ReleaseState.PAID)
    sign_in(client, world, Role.FINANCE_APPROVER)
    response = client.post(history_url(release, first_version), {"state": ReleaseState.AUTHORISED})
    assert response.status_code == 405
    release.refresh_from_db()
    assert release.state == ReleaseState.PAID


def test_a_commissioner_sees_a_historical_version_read_only_and_without_a_revert_button(client):
    world = build_admin_world()
    release = Release.objects.get(locality=world.own.locality)
    sign_in(client, world, Role.COMMISSIONER)
    response = client.get(history_url(release))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'name="_save"' not in page and "Revert" not in page
    assert '<input type="text" name="reason"' not in page  # every field is shown as text, none as an input


def test_one_care_staff_cannot_reopen_a_ballot_through_its_history(client):
    world = build_admin_world()
    ballot = world.ballot
    Ballot.objects.filter(pk=ballot.pk).update(status=BallotStatus.CLOSED)
    sign_in(client, world, Role.ONECARE_STAFF)
    response = client.post(history_url(ballot), {"title": ballot.title, "question": ballot.question})
    assert response.status_code == 405
    ballot.refresh_from_db()
    assert ballot.status == BallotStatus.CLOSED


def test_a_commissioner_of_another_ccg_neither_lists_nor_opens_nor_renames_bristol_records(client):
    world = build_admin_world()
    north_somerset = world.other.locality.commissioner
    commissioner = UserFactory(role=Role.COMMISSIONER, commissioner=north_somerset, username="ns-commissioner")
    commissioner.is_staff = True
    commissioner.save()
    login_verified(client, commissioner)
    bristol = world.own
    listing = client.get(reverse("admin:funding_evidence_changelist")).content.decode()
    assert bristol.locality.name not in listing and world.other.locality.name in listing
    for name in ("evidence", "evidencefile", "evidencetransition", "evaluationrequest"):
        page = client.get(reverse(f"admin:funding_{name}_changelist")).content.decode()
        assert bristol.locality.name not in page, name
    for name in ("plan", "activityreturn", "quarterassessment"):
        page = client.get(reverse(f"admin:improved_access_{name}_changelist")).content.decode()
        assert bristol.locality.name not in page, name
    assert client.get(reverse("admin:funding_evidence_change", args=[bristol.evidence.pk])).status_code == 404
    assert client.get(reverse("admin:funding_evidence_history", args=[bristol.evidence.pk])).status_code == 404
    assert client.get(history_url(bristol.locality)).status_code == 404
    response = client.post(history_url(bristol.locality), {"name": "Renamed", "code": "renamed"})
    assert response.status_code == 405
    assert Locality.objects.get(pk=bristol.locality.pk).name == "South Bristol"
    response = client.post(
        reverse("admin:localities_locality_change", args=[bristol.locality.pk]),
        {"name": "Renamed", "code": "renamed", "commissioner": north_somerset.pk},
    )
    assert response.status_code == 404
    assert Locality.objects.get(pk=bristol.locality.pk).name == "South Bristol"


def test_a_form_cannot_point_a_record_at_another_ccgs_locality(client):
    world = build_admin_world()
    other_ccg = world.other.locality.commissioner
    sign_in(client, world, Role.COMMISSIONER)
    elsewhere = {"name": "Elsewhere", "code": "elsewhere", "commissioner": other_ccg.pk}
    response = client.post(reverse("admin:localities_locality_add"), elsewhere)
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not Locality.objects.filter(code="elsewhere").exists()
    form = client.get(reverse("admin:localities_locality_add")).context["adminform"].form
    assert set(form.fields["commissioner"].queryset) == {world.own.locality.commissioner}
    # A vehicle is recorded on the locality's governance page (localities.governance), never by an admin form.
    LocalityVehicle.objects.filter(locality=world.other.locality).delete()
    response = client.post(
        reverse("admin:localities_localityvehicle_add"), {"locality": world.other.locality.pk, "kind": "informal"}
    )
    assert response.status_code == 403
    assert not LocalityVehicle.objects.filter(locality=world.other.locality).exists()


def test_exports_and_autocompletes_show_only_the_users_scope(client):
    world = build_admin_world()
    sign_in(client, world, Role.COMMISSIONER)
    export = client.post(reverse("admin:localities_practice_export"), {"format": "0", "export_items": []})
    if export.status_code == 200 and export.get("Content-Disposition"):
        body = export.content.decode()
        assert world.own.practice.code in body and world.other.practice.code not in body
    found = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "localities", "model_name": "representative", "field_name": "practice", "term": ""},
    )
    assert found.status_code == 200
    ids = {int(result["id"]) for result in json.loads(found.content)["results"]}
    assert world.own.practice.pk in ids and world.other.practice.pk not in ids


def test_a_commissioner_of_the_merged_ccg_sees_both_sides(client):
    world = build_admin_world()
    merged = CommissionerFactory(code="15C", name="NHS BNSSG CCG", valid_from=datetime.date(2018, 4, 1))
    for side in (world.own, world.other):
        side.locality.commissioner.successor = merged
        side.locality.commissioner.save()
    user = UserFactory(role=Role.COMMISSIONER, commissioner=merged, username="bnssg-commissioner")
    user.is_staff = True
    user.save()
    login_verified(client, user)
    for side in (world.own, world.other):
        assert client.get(reverse("admin:funding_evidence_change", args=[side.evidence.pk])).status_code == 200


def test_every_model_admin_and_inline_is_scoped():
    from django.contrib import admin

    ours = ("localities", "funding", "improved_access", "membership", "ballots", "businessplan", "outbox", "accounts")
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label not in ours:
            continue
        assert isinstance(model_admin, ScopedAdmin), f"{model._meta.label}: derive its admin from ScopedAdmin"
        if hasattr(model, "history"):
            assert isinstance(model_admin, AuditedAdmin), f"{model._meta.label}: its history must be read-only"
        for inline in model_admin.inlines:
            assert issubclass(inline, ScopedChoicesMixin), f"{inline.__name__}: scope its choices"


def test_no_role_but_the_superuser_reaches_the_third_party_admins(client):
    """Accounts, groups, log-in records and devices are not scoped by organisation: only a superuser sees them."""
    world = build_admin_world()
    for role in (Role.COMMISSIONER, Role.FINANCE_APPROVER, Role.DATA_ADMIN, Role.ONECARE_STAFF):
        client.logout()
        sign_in(client, world, role)
        for url in ("admin:accounts_user_changelist", "admin:auth_group_changelist"):
            assert client.get(reverse(url)).status_code == 403, (role, url)


def test_a_scheme_cannot_be_switched_off_in_its_admin_form(client):
    world = build_admin_world()
    scheme = world.own.item.phase.scheme
    sign_in(client, world, Role.COMMISSIONER)
    url = reverse("admin:funding_scheme_change", args=[scheme.pk])
    form = client.get(url).context["adminform"].form
    assert "active" not in form.fields
    data = {"code": scheme.code, "name": "Renamed scheme", "phases-TOTAL_FORMS": "0", "phases-INITIAL_FORMS": "0"}
    client.post(url, data)
    scheme.refresh_from_db()
    assert scheme.active
