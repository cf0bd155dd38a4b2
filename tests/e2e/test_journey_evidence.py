"""Journey 1, by keyboard alone: a practice manager signs in, opens their locality's checklist,
uploads evidence for an item, submits it, and sees it as submitted."""

import pytest

from funding.models import Evidence, EvidenceStatus
from localities.models import LocalityMembership
from onecare.accounts.roles import Role
from tests.e2e.keyboard import tab_to
from tests.funding.factories import ItemFactory, PhaseFactory
from tests.onecare.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.browser

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def test_journey_evidence_by_keyboard(journey, two_localities, tmp_path):
    south_bristol, _ = two_localities
    practice = LocalityMembership.objects.filter(locality=south_bristol).order_by("pk").first().practice
    UserFactory(username="pm.southville", role=Role.PRACTICE_MANAGER, practice=practice)
    item = ItemFactory(phase=PhaseFactory(number=1), number="1.1", title="Inter-practice agreement signed")
    agreement = tmp_path / "agreement.pdf"
    agreement.write_bytes(PDF)
    page = journey.page
    # Playwright turns on file-chooser interception without waiting for the browser to confirm it,
    # so a chooser opened straight after `expect_file_chooser` can slip past. Listening from the
    # start leaves the interception on long before the key press that opens it.
    page.on("filechooser", lambda chooser: None)

    journey.goto("/accounts/login/")
    journey.visit("sign in")
    tab_to(page, "username")
    page.keyboard.type("pm.southville")
    tab_to(page, "password")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")

    page.wait_for_url(f"**/localities/{south_bristol.code}/")
    assert "South Bristol" in page.locator("h1").inner_text()
    journey.visit("locality and checklist")

    tab_to(page, "1.1 Inter-practice agreement signed")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/funding/{south_bristol.code}/items/{item.pk}/")
    journey.visit("checklist item")

    tab_to(page, "statement")
    page.keyboard.type("Our inter-practice agreement, signed by all member practices on 1 March 2018.")
    tab_to(page, "files")
    assert page.evaluate("document.activeElement.type") == "file"
    with page.expect_file_chooser() as chooser:
        page.keyboard.press("Space")
    chooser.value.set_files(str(agreement))
    tab_to(page, "Submit for review")
    page.keyboard.press("Enter")

    page.wait_for_load_state()
    banner = page.locator(".nhsuk-notification-banner--success")
    assert "submitted for review" in banner.inner_text()
    assert "Submitted" in page.locator(".nhsuk-tag").first.inner_text()
    assert "agreement.pdf" in page.content()
    journey.visit("evidence submitted")

    evidence = Evidence.objects.get(locality=south_bristol, item=item)
    assert evidence.status == EvidenceStatus.SUBMITTED
    assert evidence.files.count() == 1
    journey.assert_clean()
