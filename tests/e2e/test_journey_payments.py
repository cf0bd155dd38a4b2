"""Journey 2 (payments): from a commissioner's review to money the practice manager can see.

A commissioner of NHS Bristol CCG signs in (with the authenticator code), opens the review queue,
returns one submission with a reason and accepts another. The acceptance queues the milestone
evaluation on commit; tests run Celery eagerly (CELERY_TASK_ALWAYS_EAGER in settings/test.py), so
the evaluation runs in the live server as soon as the acceptance commits and proposes South
Bristol's tranche: £0.50 x 105,000 patients = £52,500.00, above the default £50,000 delegated
limit, so it needs a second approval. A different commissioner (of the merged BNSSG CCG: the first
one triggered the evaluation and accepted the gate evidence, so may not approve it) approves it on
the release's admin page. A finance approver authorises it with the changelist's bulk action and its
confirmation page, creates a payment run, adds the release to it with the "add to payment run"
action, exports the CSV schedule, locks the run and marks it paid. The practice manager then signs
in and sees the money paid on their locality page.

Portal pages are screenshotted and scanned with axe-core; admin pages are screenshotted only.
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

    # 4. Another commissioner approves the proposed release on its admin page.
    change = f"/admin/funding/release/{release.pk}/change/"
    journey.sign_in(approver.username, PASSWORD, next_path=change, security_code=demo_token())
    page.wait_for_url(f"**{change}")
    assert "£52,500.00" in page.locator("#release-calculation").inner_text()
    assert "a finance approver must authorise" in page.content()
    journey.screenshot("release proposed")
    page.locator("input[name=_approve]").click()
    page.wait_for_load_state()
    assert f"{release.reference} is now approved." in page.locator(".messagelist").inner_text()
    release.refresh_from_db()
    assert (release.state, release.approved_by, release.authorised_by) == (ReleaseState.APPROVED, approver, None)
    journey.screenshot("release approved")
    journey.sign_out()

    # 5. Finance authorises it (second approval) with the bulk action and its confirmation page.
    changelist = "/admin/funding/release/"
    approved = changelist + "?state__exact=approved"
    journey.sign_in(finance.username, PASSWORD, next_path=approved, security_code=demo_token())
    page.wait_for_url(f"**{approved}")
    page.check(f"input[name=_selected_action][value='{release.pk}']")
    page.select_option("select[name=action]", "authorise_selected")
    page.locator("button[name=index]").click()
    page.wait_for_load_state()
    summary = page.locator("#confirm-summary").inner_text()
    assert "1 release" in summary and "£52,500.00" in summary
    journey.screenshot("authorise confirmation")
    page.locator("input[type=submit][value^='Yes']").click()
    page.wait_for_load_state()
    assert "1 releases authorised, £52,500.00 in all." in page.locator(".messagelist").inner_text()
    release.refresh_from_db()
    assert (release.state, release.authorised_by) == (ReleaseState.AUTHORISED, finance)

    # 6. Finance creates a payment run and adds the authorised release to it.
    page.goto(journey.base_url + "/admin/funding/paymentrun/add/")
    page.select_option("#id_commissioner", str(scene.bnssg.pk))
    page.fill("#id_name", "June 2018")
    page.fill("#id_pay_date", "2018-06-29")
    page.fill("#id_cost_centre", "LTS-CC1")
    journey.screenshot("new payment run")
    page.locator("input[name=_continue]").click()
    page.wait_for_url("**/admin/funding/paymentrun/*/change/")
    run = PaymentRun.objects.get()
    assert (run.state, run.created_by) == (PaymentRunState.DRAFT, finance)

    page.goto(journey.base_url + changelist + "?state__exact=authorised")
    page.check(f"input[name=_selected_action][value='{release.pk}']")
    page.select_option("select[name=action]", "add_to_payment_run")
    page.locator("button[name=index]").click()
    page.wait_for_load_state()
    assert "£52,500.00" in page.locator("#confirm-summary").inner_text()
    page.select_option("#run", str(run.pk))
    journey.screenshot("add to payment run")
    page.locator("input[type=submit][value='Yes, add them']").click()
    page.wait_for_load_state()
    assert "1 releases added to" in page.locator(".messagelist").inner_text()
    release.refresh_from_db()
    assert (release.state, release.payment_run) == (ReleaseState.SCHEDULED, run)

    # 7. Finance exports the schedule, locks the run and marks it paid.
    page.goto(journey.base_url + f"/admin/funding/paymentrun/{run.pk}/change/")
    assert "£52,500.00" in page.locator("#payment-run").inner_text()
    journey.screenshot("payment run draft")
    with page.expect_download() as download:
        page.locator("#payment-run").get_by_role("link", name="CSV").click()
    assert download.value.suggested_filename == f"payment-run-{run.pk}.csv"
    schedule = download.value.path().read_text(encoding="utf-8")
    lines = schedule.splitlines()
    assert lines[0].startswith("Locality,")
    assert release.reference in schedule and "52500.00" in schedule and "LTS-CC1" in schedule
    assert "South Bristol LLP" in schedule

    page.locator("input[type=submit][value^='Lock the run']").click()
    page.wait_for_load_state()
    run.refresh_from_db()
    assert run.state == PaymentRunState.LOCKED
    journey.screenshot("payment run locked")
    page.locator("input[type=submit][value='Mark the run paid']").click()
    page.wait_for_load_state()
    run.refresh_from_db()
    release.refresh_from_db()
    assert (run.state, run.paid_by) == (PaymentRunState.PAID, finance)
    assert release.state == ReleaseState.PAID
    assert "Paid" in page.locator("#payment-run").inner_text()
    journey.screenshot("payment run paid")
    journey.sign_out()

    # 8. The practice manager (no second factor) sees the money on their locality page.
    journey.sign_in(scene.manager.username, PASSWORD)
    page.wait_for_url(f"**/localities/{south_bristol.code}/")
    assert "Paid to South Bristol: £52,500.00" in page.locator("#money + p").inner_text()
    tranches = page.locator("#money ~ table").first
    assert "T2a" in tranches.inner_text() and "£52,500.00" in tranches.inner_text()
    assert tranches.locator(".nhsuk-tag").first.inner_text() == "Paid"
    journey.visit("locality money paid")
    assert Evidence.objects.get(pk=returned.pk).status == EvidenceStatus.RETURNED

    journey.assert_clean()
