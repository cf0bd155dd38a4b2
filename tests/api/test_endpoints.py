"""The endpoints: what they return (money as strings with two decimals, populations as the portal counts them),
paging, strict filters (a 400 with a message, nothing filtered by a guess), read only (405), the schema and docs."""

import datetime
import re

import pytest
from django.urls import reverse

from funding.models import PaymentRun, Release, ReleaseState
from improved_access.models import QuarterAssessment
from localities.population import with_population
from onecare.accounts.roles import Role
from tests.funding.ledger import mark

MONEY = re.compile(r"^-?\d+\.\d\d$")


def endpoints(world) -> list[str]:
    release = Release.objects.filter(locality=world.own.locality).first()
    run = PaymentRun.objects.filter(commissioner=world.own.locality.commissioner).first()
    quarter = QuarterAssessment.objects.filter(locality=world.own.locality).first()
    return [
        reverse("api:root"),
        reverse("api:localities"),
        reverse("api:locality", args=[world.own.locality.code]),
        reverse("api:releases"),
        reverse("api:release", args=[release.pk]),
        reverse("api:payment-runs"),
        reverse("api:payment-run", args=[run.pk]),
        reverse("api:ia-quarters"),
        reverse("api:ia-quarter", args=[quarter.pk]),
        reverse("api:schema"),
        reverse("api:docs"),
    ]


def test_every_endpoint_answers_get_and_refuses_every_write_with_405(client, world, bearer):
    headers = bearer(Role.COMMISSIONER)
    counts = (Release.objects.count(), PaymentRun.objects.count(), QuarterAssessment.objects.count())
    states = list(Release.objects.order_by("pk").values_list("state", flat=True))
    for url in endpoints(world):
        response = client.get(url, headers=headers)
        assert response.status_code == 200, url
        if "/schema/" not in url and "/docs/" not in url:
            assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"], url
        assert client.head(url, headers=headers).status_code == 200, url
        assert client.options(url, headers=headers).status_code == (405 if "/docs/" in url else 200), url
        for method in ("post", "put", "patch", "delete"):
            response = getattr(client, method)(url, {"state": "paid"}, content_type="application/json", headers=headers)
            assert response.status_code == 405, f"{method.upper()} {url}: {response.status_code}"
    assert (Release.objects.count(), PaymentRun.objects.count(), QuarterAssessment.objects.count()) == counts
    assert list(Release.objects.order_by("pk").values_list("state", flat=True)) == states


def test_a_release_has_its_lines_and_money_as_strings_with_two_decimals(client, world, bearer):
    release = Release.objects.filter(locality=world.own.locality).prefetch_related("lines").get()
    body = client.get(reverse("api:releases"), headers=bearer()).json()
    (shown,) = body["results"]
    assert shown["id"] == release.pk and shown["locality"] == "sbris" and shown["ccg"] == "11H"
    assert shown["state"] == "proposed" and shown["reference"] == release.reference
    assert shown["amount"] == f"{release.amount:.2f}" and MONEY.match(shown["amount"])
    assert len(shown["lines"]) == release.lines.count() >= 2
    for line in shown["lines"]:
        assert isinstance(line["amount"], str) and MONEY.match(line["amount"])
    assert sum(float(line["amount"]) for line in shown["lines"]) == pytest.approx(float(release.amount))


def test_localities_have_the_portals_populations_on_the_date_asked_for(client, world, bearer):
    headers = bearer(Role.DATA_ADMIN)
    on = datetime.date(2018, 1, 1)
    expected = {loc.code: loc for loc in with_population(type(world.own.locality).objects.all(), on)}
    body = client.get(reverse("api:localities") + "?on=2018-01-01", headers=headers).json()
    assert body["count"] == 2
    for shown in body["results"]:
        locality = expected[shown["code"]]
        assert shown["on"] == "2018-01-01"
        assert shown["population"] == locality.population == 105_000
        assert shown["practice_count"] == locality.practice_count == 2
        assert isinstance(shown["weighted_population"], str)
    # Before any practice joined: none.
    early = client.get(reverse("api:localities") + "?on=2000-01-01", headers=headers).json()["results"]
    assert {row["population"] for row in early} == {0}
    detail = client.get(reverse("api:locality", args=["sbris"]) + "?on=2018-01-01", headers=headers).json()
    assert detail["population"] == 105_000 and detail["ccg"] == "11H"


def test_releases_filter_by_state_and_the_paid_ones_show_their_run(client, world, bearer):
    paid = mark(Release.objects.get(locality=world.own.locality), ReleaseState.PAID)
    headers = bearer(Role.FINANCE_APPROVER)
    body = client.get(reverse("api:releases") + "?state=paid", headers=headers).json()
    assert [row["id"] for row in body["results"]] == [paid.pk]
    assert body["results"][0]["paid_on"] == "2018-03-05" and body["results"][0]["payment_run"] == paid.payment_run_id
    assert client.get(reverse("api:releases") + "?state=proposed", headers=headers).json()["count"] == 0
    assert client.get(reverse("api:releases") + "?paid_from=2018-03-06", headers=headers).json()["count"] == 0
    assert (
        client.get(reverse("api:releases") + "?paid_from=2018-03-05&paid_to=2018-03-05", headers=headers).json()[
            "count"
        ]
        == 1
    )


def test_a_payment_run_has_its_schedule(client, world, bearer):
    paid = mark(Release.objects.get(locality=world.own.locality), ReleaseState.SCHEDULED)
    run = paid.payment_run
    body = client.get(reverse("api:payment-run", args=[run.pk]), headers=bearer(Role.FINANCE_APPROVER)).json()
    assert body["reference"] == run.reference and body["state"] == "draft" and body["draft"] is True
    (line,) = body["schedule"]
    assert line["release"] == paid.pk and line["amount"] == f"{paid.amount:.2f}" == body["total"]
    assert line["breakdown"] and all(MONEY.match(part["amount"]) for part in line["breakdown"])
    listed = client.get(reverse("api:payment-runs") + "?state=draft", headers=bearer(Role.COMMISSIONER)).json()
    assert run.pk in [row["id"] for row in listed["results"]]


@pytest.mark.parametrize(
    ("url", "name", "words"),
    [
        ("/api/v1/localities/?on=2018-13-01", "on", "year-month-day"),
        ("/api/v1/localities/?on=yesterday", "on", "year-month-day"),
        ("/api/v1/localities/?ccg=11H;DROP", "ccg", "letters, digits"),
        ("/api/v1/localities/?colour=blue", "colour", "No such filter here"),
        ("/api/v1/releases/?state=spent", "state", "Enter one of: proposed"),
        ("/api/v1/releases/?proposed_from=2018-02-01&proposed_to=2018-01-01", "proposed_to", "before the start"),
        ("/api/v1/releases/?payment_run=seven", "payment_run", "whole number"),
        ("/api/v1/releases/?state=paid&state=proposed", "state", "once"),
        ("/api/v1/releases/?page_size=0", "page_size", "whole number from 1 to 500"),
        ("/api/v1/releases/?page_size=lots", "page_size", "whole number from 1 to 500"),
        ("/api/v1/payment-runs/?pay_date_from=01/04/2018", "pay_date_from", "year-month-day"),
        ("/api/v1/improved-access/quarters/?quarter=2018-Q1", "quarter", "YYYYQn"),
        ("/api/v1/improved-access/quarters/?compliant=yes", "compliant", "true, false"),
    ],
)
def test_a_bad_filter_is_a_400_naming_it(client, world, bearer, url, name, words):
    response = client.get(url, headers=bearer(Role.COMMISSIONER))
    assert response.status_code == 400, response.content
    body = response.json()
    assert list(body) == [name]
    assert words in body[name][0]


def test_pages(client, world, bearer):
    headers = bearer(Role.DATA_ADMIN)
    first = client.get(reverse("api:localities") + "?page_size=1", headers=headers).json()
    assert first["count"] == 2 and len(first["results"]) == 1 and first["previous"] is None
    assert "page=2" in first["next"] and "page_size=1" in first["next"]
    second = client.get(first["next"], headers=headers).json()
    assert len(second["results"]) == 1 and second["next"] is None
    assert {first["results"][0]["code"], second["results"][0]["code"]} == {"sbris", "wood"}
    missing = client.get(reverse("api:localities") + "?page=9", headers=headers)
    assert missing.status_code == 404 and "There is no page 9" in missing.json()["detail"]


def test_the_schema_lists_every_endpoint_and_the_docs_page_needs_no_cdn(client, world, bearer):
    headers = bearer(Role.COMMISSIONER)
    schema = client.get(reverse("api:schema") + "?format=json", headers=headers)
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    schemes = schema.json()["components"]["securitySchemes"]
    assert schemes["personalAccessToken"]["scheme"] == "bearer"
    for path in (
        "/api/v1/localities/",
        "/api/v1/localities/{code}/",
        "/api/v1/releases/",
        "/api/v1/releases/{id}/",
        "/api/v1/payment-runs/",
        "/api/v1/payment-runs/{id}/",
        "/api/v1/improved-access/quarters/",
        "/api/v1/improved-access/quarters/{id}/",
    ):
        assert set(paths[path]) == {"get"}, path
    parameters = {p["name"] for p in paths["/api/v1/releases/"]["get"]["parameters"]}
    assert {"state", "ccg", "locality", "proposed_from", "page", "page_size"} <= parameters
    client.force_login(__import__("tests.onecare.factories", fromlist=["x"]).UserFactory(is_superuser=True))
    docs = client.get(reverse("api:docs"))
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "cdn" not in html.lower() and "<style" not in html and "<script>" not in html
    scripts = re.findall(r'<script src="([^"]+)"', html)
    assert scripts and all(src.startswith(("/static/", "/api/v1/docs/")) for src in scripts)
    csp = docs["Content-Security-Policy"]
    assert "unsafe-inline" not in csp and "script-src 'self'" in csp
    init = client.get(scripts[-1])
    assert init.status_code == 200 and "application/javascript" in init["Content-Type"]
    for src in scripts[:-1]:
        assert client.get(src).status_code == 200, src


def test_a_signed_in_person_browses_the_api_in_the_browser(client, world):
    client.force_login(world.users[Role.COMMISSIONER])
    root = client.get(reverse("api:root"), headers={"Accept": "text/html"})
    assert root.status_code == 200 and "/api/v1/releases/" in root.content.decode()
    for url in (reverse("api:releases"), reverse("api:localities") + "?on=2018-01-01"):
        response = client.get(url, headers={"Accept": "text/html"})
        assert response.status_code == 200, url
        assert response["Content-Type"].startswith("text/html")
        assert "sbris" in response.content.decode()
        assert "wood" not in response.content.decode().lower()
    # A bad filter in the browser is the same 400 with its message.
    response = client.get(reverse("api:localities") + "?on=soon", headers={"Accept": "text/html"})
    assert response.status_code == 400 and "year-month-day" in response.content.decode()
