"""One money format everywhere: £1,234.50 (pound sign, thousands separators, two decimals), whole numbers of patients,
and words rather than codes for sources, in the templates and on the pages people read, portal and admin."""

import html
import pprint
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse

from funding.models import PaymentRun, Release
from localities.formats import source_kinds
from localities.models import Locality, SourceKind
from onecare.accounts.models import User
from onecare.formats import money, patients

TEMPLATES = Path(settings.BASE_DIR) / "templates"
# A pound sign or "GBP" before a figure (intcomma, floatformat or none: the money filter writes the pound sign
# itself), or a figure to two places by floatformat: the money filter's job.
HAND_MADE_MONEY = re.compile(r"(£|GBP)\s*\{\{|GBP|\|floatformat:\"?2")
# A figure with a decimal point that is not money in the one format: 81753.00, 163506.000, GBP 246,926.5, £-5.00.
# (A figure with one decimal is a measure, not money: 48.0 minutes per 1,000 patients; 1.1 is a checklist item.)
NOT_THE_FORMAT = re.compile(r"(?<![£\d,.])\d[\d,]*\.\d{2,}(?!\d)|£-|£\d[\d,]*(?:\.\d(?!\d)|(?![\d,.]))|GBP")
RAW_SOURCES = re.compile(r"\b(" + "|".join(SourceKind.values) + r")\b")
# Findings set aside while the fix is made where it belongs, as (where, finding): none at present (the release admin's
# fields and the locality's money partial are formatted). Each must still be found: once fixed, the test fails until
# its line here is removed.
SET_ASIDE: set[tuple[str, str]] = set()


def set_aside(where: str) -> bool:
    return any(place == where for place, _ in SET_ASIDE)


def test_no_template_makes_money_by_hand():
    found = {
        f"{path.relative_to(TEMPLATES)}:{number}: {line.strip()}": str(path.relative_to(TEMPLATES))
        for path in sorted(TEMPLATES.rglob("*.html"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if HAND_MADE_MONEY.search(line)
    }
    wrong = [line for line, template in found.items() if not set_aside(template)]
    assert not wrong, "Use {{ amount|money }} for money:\n" + "\n".join(wrong)
    stale = [p for p, _ in SET_ASIDE if p.endswith(".html") and p not in found.values()]
    assert not stale, f"Fixed: take {stale} out of SET_ASIDE"


@pytest.mark.parametrize(
    ("line", "made_by_hand"),
    [
        ("£{{ row.paid|intcomma }}", True),
        ("(£{{ next.tranche.rate }} per head)", True),
        ("GBP {{ totals.shares_paid }}", True),
        ("{{ amount|floatformat:2 }}", True),
        ("{{ row.paid|money }}", False),
        ("{{ total_practices|intcomma }} practices", False),
        ("{{ point.threshold|floatformat:0 }} minutes", False),
    ],
)
def test_the_template_check_finds_money_made_by_hand(line, made_by_hand):
    assert bool(HAND_MADE_MONEY.search(line)) is made_by_hand


@pytest.mark.parametrize(
    "text",
    [
        "£81,753.00",
        "£1,234.50 and £0.50",
        "163,506 registered patients",
        "5 of 6 (83%)",
        "on 20/04/2018",
        "48.0 minutes per 1,000",
        "item 1.6",
    ],
)
def test_the_check_passes_the_one_format(text):
    assert not NOT_THE_FORMAT.search(text)


@pytest.mark.parametrize("text", ["81753.00", "GBP 246,926.5", "163506.000", "£-5.00", "£81,753", "£3.5 a head"])
def test_the_check_finds_what_the_issue_reported(text):
    assert NOT_THE_FORMAT.search(text)


def test_the_formats():
    assert money("81753") == "£81,753.00" and money("-1234.5") == "-£1,234.50" and money(None) == "–"
    assert patients("163506.000") == "163,506"
    assert source_kinds("nhs_digital, nhs_payments") == (
        "NHS Digital: Patients Registered at a GP Practice; NHS Payments to General Practice"
    )
    assert source_kinds("") == ""


def page_text(content: bytes) -> str:
    """What a person reads: the text between the tags (the charts' titles and descriptions included, their axis labels
    such as £50k left out), not attributes, scripts or styles."""
    text = content.decode()
    text = re.sub(r"<(script|style|text)\b.*?</\1>", " ", text, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", text))


def offences(text: str) -> list[str]:
    found = [m.group(0) for m in NOT_THE_FORMAT.finditer(text)]
    found += [m.group(0) for m in RAW_SOURCES.finditer(text)]
    return found


def test_the_portal_and_admin_pages_show_money_in_one_format(client):
    call_command("load_demo_data", verbosity=0)
    paid = Release.objects.filter(state="paid").first()
    run = PaymentRun.objects.order_by("pk").first()
    snapshot_release = Release.objects.exclude(snapshot_sources="").first()
    south = Locality.objects.get(code="sbris")
    pages = {
        "admin": [
            reverse("admin:funding_release_changelist"),
            reverse("admin:funding_release_change", args=[paid.pk]),
            reverse("admin:funding_release_change", args=[snapshot_release.pk]),
            reverse("admin:funding_paymentrun_changelist"),
            reverse("admin:funding_paymentrun_change", args=[run.pk]),
            reverse("admin:localities_listsizesnapshot_changelist"),
            reverse("admin:localities_locality_changelist"),
            reverse("admin:improved_access_quarterassessment_changelist"),
            reverse("admin:improved_access_paymentterms_changelist"),
        ],
        "commissioner": [
            reverse("funding:money"),
            reverse("improved_access:overview"),
            reverse("localities:overview"),
            reverse("localities:detail", args=[south.code]),
            reverse("improved_access:status", args=[south.code]),
        ],
    }
    wrong, aside = {}, set()
    for username, urls in pages.items():
        client.force_login(User.objects.get(username=username))
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            found = offences(page_text(response.content))
            where = re.sub(r"/\d+/", "/<pk>/", url)
            if found and set_aside(where):
                aside.add(where)
                # The release page's own account of its amount (templates/admin/funding/release/change_form.html)
                # is not set aside: only the admin's fields after it.
                own = response.content.decode().partition('id="release-calculation"')[2].partition("<fieldset")[0]
                found = offences(page_text(own.encode()))
            if found:
                wrong[url] = sorted(set(found))
    assert not wrong, pprint.pformat(wrong, width=120)
    stale = {p for p, _ in SET_ASIDE if p.startswith("/")} - aside
    assert not stale, f"Fixed: take {sorted(stale)} out of SET_ASIDE"
    # The checks looked at the figures that matter: the demo's paid money is on the money page in the one format.
    client.force_login(User.objects.get(username="commissioner"))
    assert money(paid.amount) in page_text(client.get(reverse("funding:money")).content)
