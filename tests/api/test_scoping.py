"""Through a token, a person sees exactly what the portal's pages show them: a commissioner of one CCG never sees
another CCG's localities, releases, runs or quarters through any endpoint or filter; the roles a page refuses are
refused here too."""

import pytest
from django.urls import reverse

from funding.models import PaymentRun, Release
from improved_access.models import QuarterAssessment
from onecare.accounts.roles import Role

LISTS = ["api:localities", "api:releases", "api:payment-runs", "api:ia-quarters"]
# Every filter that could reach the other side, by its code, its CCG, or a date range around everything.
PROBES = [
    "",
    "?ccg=11T",
    "?ccg=11t",
    "?locality=wood",
    "?locality=WOOD",
    "?ccg=11T&locality=wood",
    "?on=2018-01-01&ccg=11T",
    "?page_size=500",
]


def rows(client, headers, name, probe) -> list[dict]:
    response = client.get(reverse(name) + probe, headers=headers)
    if response.status_code == 400:  # a filter this endpoint does not have
        return []
    assert response.status_code == 200, (name, probe, response.content)
    return response.json()["results"]


@pytest.mark.parametrize("role", [Role.COMMISSIONER, Role.FINANCE_APPROVER])
def test_a_ccgs_people_never_see_another_ccgs_records(client, world, bearer, role):
    headers = bearer(role)
    seen = {name: set() for name in LISTS}
    for name in LISTS:
        for probe in PROBES:
            for row in rows(client, headers, name, probe):
                assert row["ccg"] == "11H", (name, probe, row)
                seen[name].add(row.get("locality", row.get("code")))
    # Their own side's records are there (so the test could fail).
    assert seen["api:localities"] == {"sbris"}
    assert seen["api:releases"] == {"sbris"}
    assert seen["api:ia-quarters"] == {"sbris"}
    runs = client.get(reverse("api:payment-runs"), headers=headers).json()["results"]
    assert runs and {run["ccg"] for run in runs} == {"11H"}
    # The other side's records by id: 404, as a missing one.
    other = world.other.locality
    for url in (
        reverse("api:locality", args=[other.code]),
        reverse("api:release", args=[Release.objects.filter(locality=other).first().pk]),
        reverse("api:payment-run", args=[PaymentRun.objects.filter(commissioner=other.commissioner).first().pk]),
        reverse("api:ia-quarter", args=[QuarterAssessment.objects.filter(locality=other).first().pk]),
    ):
        response = client.get(url, headers=headers)
        assert response.status_code == 404, url
        assert "wood" not in response.content.decode().lower()


def test_a_data_admin_sees_every_locality_and_release_but_not_the_runs_or_quarters(client, world, bearer):
    headers = bearer(Role.DATA_ADMIN)
    assert {r["code"] for r in rows(client, headers, "api:localities", "")} == {"sbris", "wood"}
    assert {r["locality"] for r in rows(client, headers, "api:releases", "")} == {"sbris", "wood"}
    # As the payment run pages (funding.views_runs.require_reader) and the IA admin (no view permission).
    for name in ("api:payment-runs", "api:ia-quarters"):
        assert client.get(reverse(name), headers=headers).status_code == 403
        assert client.get(reverse(name) + "?state=nonsense", headers=headers).status_code == 403


def test_the_api_answers_as_the_portals_pages_for_the_same_person(client, world, bearer):
    """The same person, signed in to the pages and with a token: the same localities and releases."""
    user = world.users[Role.COMMISSIONER]
    headers = bearer(Role.COMMISSIONER)
    client.force_login(user)
    overview = client.get(reverse("localities:overview"))
    api_codes = {r["code"] for r in rows(client, headers, "api:localities", "")}
    assert api_codes == {loc.code for loc in overview.context["localities"]}
    for release in Release.objects.all():
        page = client.get(reverse("funding:release", args=[release.pk])).status_code
        api = client.get(reverse("api:release", args=[release.pk]), headers=headers).status_code
        assert page == api, release.locality.code
