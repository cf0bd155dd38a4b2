"""Journey 2 (payments): from a commissioner's review to money the practice manager can see.

A commissioner of NHS Bristol CCG signs in (with the authenticator code), opens the review queue,
returns one submission with a reason and accepts another. The acceptance queues the milestone
evaluation on commit; tests run Celery eagerly (CELERY_TASK_ALWAYS_EAGER in settings/test.py), so
the evaluation runs in the live server as soon as the acceptance commits and proposes South
Bristol's tranche: £0.50 x 105,000 patients = £52,500.00, above the default £50,000 delegated
limit, so it needs a second approval. Everything after is in the portal, each step through its
confirmation page. A different commissioner (of the merged BNSSG CCG: the first one triggered the
evaluation and accepted the gate evidence, so may not approve it) follows the header's "Approvals (1)"
to the inbox and approves the release on its page, which explains the amount (rate x population, the
per-practice lines, the gate evidence). A finance approver gives the second approval the same way,
creates a payment run for a pay date, adds the release, downloads the CSV schedule, locks the run and
marks it paid. The practice manager then signs in and sees the money paid on their locality page,
opens the run's remittance advice, and sees their practice's share with the day it was paid.

Every page of the journey is screenshotted and scanned with axe-core.
"""

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from funding.models import (
    Evidence,
    EvidenceStatus,
    MilestoneEvaluation,
    PaymentRun,
    PaymentRunState,
    Release,
    ReleaseState,
    Tranche,
)
from funding.permissions import can_approve_release
from localities.models import LocalityMembership
from onecare.accounts.roles import Role
from onecare.security.twofactor import demo_devices_seed, demo_token
from tests.funding.factories import EvidenceFactory, ItemFactory, PhaseFactory
from tests.localities.factories import VehicleFactory
from tests.onecare.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.browser

AMOUNT = Decimal("52500.00")  # £0.50 a head for South Bristol's 60,000 + 45,000 registered patients


@pytest.fixture
def scene(two_localities, bnssg):
    """South Bristol with two submissions waiting, a gated tranche, and the people of the journey."""
    south_bristol, _ = two_localities
    VehicleFactory(locality=south_bristol, established_on=datetime.date(2017, 10, 2), legal_name="South Bristol LLP")
    practice = LocalityMembership.objects.filter(locality=south_bristol).order_by("pk").first().practice
    manager = UserFactory(username="pm.southville", role=Role.PRACTICE_MANAGER, practice=practice)
    bristol = south_bristol.commissioner
    reviewer = UserFactory(username="commissioner.bristol", role=Role.COMMISSIONER, commissioner=bristol)
    approver = UserFactory(username="commissioner.bnssg", role=Role.COMMISSIONER, commissioner=bnssg)
    finance = UserFactory(username="finance.bnssg", role=Role.FINANCE_APPROVER, commissioner=bnssg)
    # Each staff account has an authenticator with the demo secret (as `make run` seeds them).
    assert demo_devices_seed([reviewer, approver, finance]) == 3
    assert not TOTPDevice.objects.filter(user=manager).exists()

    phase = PhaseFactory(number=1, title="Locality vehicle established")
    agreement = ItemFactory(phase=phase, number="1.1", title="Inter-practice agreement signed", position=1)
    plan = ItemFactory(phase=phase, number="1.2", title="Joint plan with the community provider", position=2)
    tranche = Tranche.objects.create(
        scheme=phase.scheme,
        code="T2a",
        name="Tranche 2a: joint plan with the community provider",
        position=1,
        rate=Decimal("0.50"),
        reference_date=datetime.date(2018, 4, 1),
    )
    tranche.gate_items.add(plan)
    yesterday = datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=1)
    returned = EvidenceFactory(
        locality=south_bristol,
        item=agreement,
        submitted=True,
        submitted_by=manager,
        submitted_at=yesterday,
        statement="The agreement, signed by three of our four practices.",
    )
    accepted = EvidenceFactory(
        locality=south_bristol,
        item=plan,
        submitted=True,
        submitted_by=manager,
        submitted_at=yesterday + datetime.timedelta(hours=1),
        statement="Our joint plan with Sirona care & health, agreed on 1 March 2018.",
    )
    return SimpleNamespace(
        south_bristol=south_bristol,
        bnssg=bnssg,
        manager=manager,
        reviewer=reviewer,
        approver=approver,
        finance=finance,
        tranche=tranche,
        returned=returned,
        accepted=accepted,
    )


def test_journey_payments(journey, scene):
    page = journey.page
    south_bristol, tranche = scene.south_bristol, scene.tranche
    returned, accepted = scene.returned, scene.accepted
    reviewer, approver, finance = scene.reviewer, scene.approver, scene.finance

    # 1. A commissioner signs in with the second factor and opens the review queue.
    journey.sign_in(reviewer.username, PASSWORD, next_path="/funding/review/", security_code=demo_token())
    page.wait_for_url("**/funding/review/")
    queue = page.locator("table.nhsuk-table tbody")
    assert queue.locator("tr").count() == 2
    assert "1.1 Inter-practice agreement signed" in queue.inner_text()
    journey.visit("review queue")

    # 2. Returns the first submission: without a reason first (the error summary), then with one.
    page.get_by_role("link", name="1.1 Inter-practice agreement signed").click()
    page.wait_for_url(f"**/funding/review/{returned.pk}/")
    journey.visit("review to return")
    page.get_by_label("Return it to the locality").check()
    page.get_by_role("button", name="Save decision").click()
    page.wait_for_load_state()
    assert "Enter the reason you are returning the evidence." in page.locator(".nhsuk-error-summary").inner_text()
    journey.visit("return without a reason")
    page.get_by_label("Return it to the locality").check()
    page.fill("#id_reason", "The agreement needs the signature of all four member practices.")
    page.get_by_role("button", name="Save decision").click()
    page.wait_for_url("**/funding/review/")
    assert "returned" in page.locator(".nhsuk-notification-banner--success").inner_text().lower()
    journey.scan("review queue after the return")

    # 3. Accepts the second: the evaluation runs (eager Celery task on commit) and proposes the release.
    page.get_by_role("link", name="1.2 Joint plan with the community provider").click()
    page.wait_for_url(f"**/funding/review/{accepted.pk}/")
    journey.visit("review to accept")
    # By its value: the label "Accept the evidence" is not tied to its radio (see the end of the journey).
    page.get_by_label("Accept the evidence").check()  # by its label: the label must belong to the radio
    page.get_by_role("button", name="Save decision").click()
    page.wait_for_url("**/funding/review/")
    assert "accepted" in page.locator(".nhsuk-notification-banner--success").inner_text().lower()
    journey.visit("review queue after decisions")

    returned.refresh_from_db()
    accepted.refresh_from_db()
    assert (returned.status, returned.return_reason) == (
        EvidenceStatus.RETURNED,
        "The agreement needs the signature of all four member practices.",
    )
    assert (accepted.status, accepted.reviewed_by) == (EvidenceStatus.ACCEPTED, reviewer)
    release = Release.objects.get(locality=south_bristol, tranche=tranche)
    evaluation = MilestoneEvaluation.objects.get()
    assert (release.state, release.amount, release.triggered_by) == (ReleaseState.PROPOSED, AMOUNT, reviewer)
    assert evaluation.trigger == f"evidence {accepted.pk} accepted"
    assert not can_approve_release(reviewer, release)[0], "the acceptor may not approve the money it released"
    journey.sign_out()
    journey.scan("signed out")

    # 4. Another commissioner finds it in the approvals inbox (the header says how many wait) and approves it on the
    #    release's page, which explains the amount, with a confirmation page.
    journey.sign_in(approver.username, PASSWORD, security_code=demo_token())
    page.get_by_role("link", name="Approvals (1)").click()
    page.wait_for_url("**/funding/approvals/")
    assert release.reference in page.locator("#inbox").inner_text()
    journey.visit("approvals inbox")
    page.locator("#inbox").get_by_role("link", name=release.reference, exact=True).click()
    page.wait_for_url(f"**/funding/releases/{release.pk}/")
    calculation = page.locator("#release-calculation").inner_text()
    assert "£0.50 per head" in calculation and "105,000" in calculation and "£52,500.00" in calculation
    lines = page.locator("#release-lines").inner_text()
    assert "£30,000.00" in lines and "£22,500.00" in lines  # 60,000 and 45,000 patients at £0.50
    assert accepted.item.title in page.locator("#release-gate").inner_text()
    journey.visit("release proposed")
    page.locator("#release-actions").get_by_role("button", name="Approve").click()
    page.wait_for_url(f"**/funding/releases/{release.pk}/approve/")
    assert "£52,500.00" in page.locator("#confirm-summary").inner_text()
    journey.visit("approve confirmation")
    page.get_by_role("button", name="Confirm approval").click()
    page.wait_for_url(f"**/funding/releases/{release.pk}/")
    release.refresh_from_db()
    assert (release.state, release.approved_by, release.authorised_by) == (ReleaseState.APPROVED, approver, None)
    assert "second approval" in page.locator("#release-standing").inner_text()
    journey.visit("release approved")
    journey.sign_out()

    # 5. Finance gives the second approval from its inbox, through the release page and its confirmation.
    journey.sign_in(finance.username, PASSWORD, security_code=demo_token())
    page.get_by_role("link", name="Approvals (1)").click()
    page.wait_for_url("**/funding/approvals/")
    page.locator("#inbox").get_by_role("link", name=release.reference, exact=True).click()
    page.wait_for_url(f"**/funding/releases/{release.pk}/")
    page.locator("#release-actions").get_by_role("button", name="Give second approval").click()
    page.wait_for_url(f"**/funding/releases/{release.pk}/authorise/")
    journey.visit("second approval confirmation")
    page.get_by_role("button", name="Confirm second approval").click()
    page.wait_for_url(f"**/funding/releases/{release.pk}/")
    release.refresh_from_db()
    assert (release.state, release.authorised_by) == (ReleaseState.AUTHORISED, finance)

    # 6. Finance creates a payment run for a pay date and adds the authorised release, confirming it.
    page.get_by_role("link", name="Payment runs").first.click()
    page.wait_for_url("**/funding/runs/")
    journey.visit("payment runs")
    page.get_by_role("button", name="Create a payment run").click()
    page.wait_for_url("**/funding/runs/create/")
    pay_date = datetime.date.today()
    page.get_by_label("Name").fill("June 2018")
    page.get_by_label("Day").fill(str(pay_date.day))
    page.get_by_label("Month").fill(str(pay_date.month))
    page.get_by_label("Year").fill(str(pay_date.year))
    page.get_by_label("Cost centre").fill("LTS-CC1")
    journey.visit("new payment run")
    page.get_by_role("button", name="Create the payment run").click()
    page.wait_for_url("**/funding/runs/*/")
    run = PaymentRun.objects.get()
    assert (run.state, run.created_by, run.pay_date) == (PaymentRunState.DRAFT, finance, pay_date)
    page.get_by_label(f"Add {release.reference}").check()
    page.get_by_role("button", name="Add the selected releases").click()
    page.wait_for_url(f"**/funding/runs/{run.pk}/add/**")
    journey.visit("add to payment run")
    page.get_by_role("button", name="Add these releases").click()
    page.wait_for_url(f"**/funding/runs/{run.pk}/")
    release.refresh_from_db()
    assert (release.state, release.payment_run) == (ReleaseState.SCHEDULED, run)
    assert "£52,500.00" in page.locator("#run-releases").inner_text()
    journey.visit("payment run draft")

    # 7. Finance exports the schedule, locks the run and marks it paid on the day the money left.
    with page.expect_download() as download:
        page.get_by_role("link", name="Schedule (CSV)").click()
    schedule = download.value.path().read_text(encoding="utf-8")
    assert run.reference in schedule and release.reference in schedule and "52500.00" in schedule
    assert "South Bristol LLP" in schedule and "LTS-CC1" in schedule
    page.get_by_role("button", name="Lock the run").click()
    page.wait_for_url(f"**/funding/runs/{run.pk}/lock/")
    journey.visit("lock confirmation")
    page.get_by_role("button", name="Lock the run").click()
    page.wait_for_url(f"**/funding/runs/{run.pk}/")
    run.refresh_from_db()
    assert run.state == PaymentRunState.LOCKED
    page.get_by_role("button", name="Mark the run paid").click()
    page.wait_for_url(f"**/funding/runs/{run.pk}/pay/")
    journey.visit("mark paid confirmation")
    page.get_by_role("button", name="Mark the run paid").click()
    page.wait_for_url(f"**/funding/runs/{run.pk}/")
    run.refresh_from_db()
    release.refresh_from_db()
    assert (run.state, run.paid_by, run.paid_on) == (PaymentRunState.PAID, finance, datetime.date.today())
    assert (release.state, release.paid_on) == (ReleaseState.PAID, datetime.date.today())
    journey.visit("payment run paid")
    journey.sign_out()

    # 8. The practice manager (no second factor) sees the money on their locality page, the remittance advice,
    #    and their practice's share with the day it was paid.
    journey.sign_in(scene.manager.username, PASSWORD)
    page.wait_for_url(f"**/localities/{south_bristol.code}/")
    assert "Paid to South Bristol: £52,500.00" in page.locator("#money + p").inner_text()
    tranches = page.locator("#money ~ table").first
    assert "T2a" in tranches.inner_text() and "£52,500.00" in tranches.inner_text()
    assert tranches.locator(".nhsuk-tag").first.inner_text() == "Paid"
    journey.visit("locality money paid")
    page.get_by_role("link", name=f"Remittance advice {run.reference}").click()
    page.wait_for_url(f"**/funding/remittances/{run.pk}/{south_bristol.code}/")
    assert "£52,500.00" in page.locator("#remittance-total").inner_text()
    assert release.reference in page.locator("#remittance-releases").inner_text()
    journey.visit("remittance advice")
    page.get_by_role("link", name="Our practice's money").first.click()
    page.wait_for_url(f"**/funding/practices/{scene.manager.practice_id}/money/")
    share = page.locator("main").inner_text()
    assert release.reference in share and "£30,000.00" in share
    assert f"{datetime.date.today():%-d %B %Y}" in share
    journey.visit("practice money")
    assert Evidence.objects.get(pk=returned.pk).status == EvidenceStatus.RETURNED

    journey.assert_clean()
