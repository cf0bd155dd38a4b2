"""A release's page in the portal: how the amount was worked out, where it stands and what remains, the steps open to
the person (each with a confirmation page, and a reason where one is required), and the admin's page beside it."""

import datetime
import re
from decimal import Decimal
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from funding.evaluation import evaluate_milestones
from funding.models import DelegatedLimit, EvidenceStatus, Release, ReleaseState, ReleaseTransition
from funding.release_transitions import release_approve, release_reject
from localities.models import ListSizeSnapshot, LocalityMembership

from .ledger import accept, join, mark

JUNE_2018 = datetime.date(2018, 6, 1)
MARCH_2018 = datetime.datetime(2018, 3, 1, 10, tzinfo=datetime.UTC)  # evidence accepted in T2a's window


@pytest.fixture
def t1(lts_rules, people):
    """South Bristol's T1: £0.50 x 105,000 registered patients = £52,500.00, above the £50,000 delegated limit."""
    join(people.south_bristol)
    return evaluate_milestones(JUNE_2018).proposed[0]


def page_of(release) -> str:
    return reverse("funding:release", args=[release.pk])


def step_of(release, step: str) -> str:
    return reverse("funding:release-step", args=[release.pk, step])


def text(html: str) -> str:
    """The page's words, spaced as read (a tag before a comma, full stop or colon leaves no space)."""
    words = unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))
    return re.sub(r" ([,.:])", r"\1", words)


def test_it_explains_the_amount(client, lts_rules, people):
    first = LocalityMembership.objects.filter(locality=people.south_bristol).order_by("pk").first()
    first.opted_out_on, first.opt_out_reason = datetime.date(2017, 11, 1), "Serves its patients itself."
    first.save()
    join(people.south_bristol)
    t1 = evaluate_milestones(JUNE_2018).proposed[0]
    client.force_login(people.commissioner)

    page = text(client.get(page_of(t1)).content.decode())

    assert "£0.50 per head × 105,000 registered patients = £52,500.00, rounded half up to the penny once" in page
    assert "members of South Bristol on 1 January 2018 (opted-out practices included)" in page
    assert "The latest used is dated 1 January 2018, from NHS Payments to General Practice." in page
    assert "Locality Transformation Scheme: tranche T1" in page and "version 1 (as first set up)" in page
    assert "Opened by South Bristol joining the scheme: its Locality Vehicle, established on 2 October 2017." in page
    assert "£30,000.00" in page and "£22,500.00" in page and "60,000" in page and "Opted out" in page
    assert page.count("Opted out") == 1
    assert "Proposed on" in page and "Waits for a commissioner's approval, then a finance approver's second" in page
    assert "nhs_payments" not in page and "105,000.000" not in page


def test_it_shows_the_gate_evidence_with_who_accepted_it_and_when(client, lts_rules, people):
    reviewer = accept(
        people.south_bristol,
        lts_rules.items["2.1"],
        reviewer=people.commissioner,
        at=datetime.datetime(2018, 3, 5, 10, 12, tzinfo=datetime.UTC),
    )
    release = evaluate_milestones(JUNE_2018).proposed[0]
    client.force_login(people.bnssg_commissioner)

    html = client.get(page_of(release)).content.decode()

    gate = text(html.split('id="release-gate"', 1)[1].split("</table>", 1)[0])
    assert f"2.1 {lts_rules.items['2.1'].title} {reviewer} 5 March 2018 at 10:12" in gate
    assert reverse("funding:item", args=["sbris", lts_rules.items["2.1"].pk]) in html


def test_it_flags_a_late_release_and_asks_for_the_reason(client, lts_rules, people):
    accept(people.south_bristol, lts_rules.items["2.1"], at=datetime.datetime(2018, 7, 3, 9, tzinfo=datetime.UTC))
    release = evaluate_milestones(datetime.date(2018, 7, 4)).proposed[0]
    client.force_login(people.commissioner)

    page = text(client.get(page_of(release)).content.decode())
    assert "Late" in page and "Evidence accepted after T2a's due date of 30/06/2018: 2.1 on 03/07/2018." in page

    confirm = client.get(step_of(release, "approve")).content.decode()
    assert 'name="reason"' in confirm and "needs a recorded reason" in confirm
    refused = client.post(step_of(release, "approve"), {"reason": " "})
    assert refused.status_code == 200 and "Give the reason." in refused.content.decode()
    release.refresh_from_db()
    assert release.state == ReleaseState.PROPOSED

    client.post(step_of(release, "approve"), {"reason": "Agreed at the panel."})
    release.refresh_from_db()
    assert release.state == ReleaseState.APPROVED
    assert ReleaseTransition.objects.filter(release=release).last().reason.endswith(": Agreed at the panel.")


def test_it_approves_through_the_confirmation_page_and_says_what_remains(client, people, t1):
    client.force_login(people.commissioner)
    page = client.get(page_of(t1)).content.decode()
    assert f'href="{step_of(t1, "approve")}">Approve</a>' in page

    confirm = client.get(step_of(t1, "approve")).content.decode()
    assert "Confirm approval</button>" in confirm and 'name="reason"' not in confirm
    assert "After your approval it waits for a finance approver's second approval" in confirm

    response = client.post(step_of(t1, "approve"), follow=True)

    t1.refresh_from_db()
    assert (t1.state, t1.approved_by) == (ReleaseState.APPROVED, people.commissioner)
    assert response.redirect_chain == [(page_of(t1), 302)]
    after = text(response.content.decode())
    assert (
        "Waits for a finance approver's second approval: £52,500.00 is above the delegated limit of £50,000.00" in after
    )
    assert f"Approved by {people.commissioner} on" in after
    assert "cannot be approved" not in after and step_of(t1, "approve") not in after


def test_an_approval_within_the_limit_authorises_too(client, people, t1):
    DelegatedLimit.objects.update(amount=Decimal("60000.00"))
    client.force_login(people.commissioner)

    assert "your approval authorises it too" in client.get(step_of(t1, "approve")).content.decode()
    message = text(client.post(step_of(t1, "approve"), follow=True).content.decode())

    t1.refresh_from_db()
    assert t1.state == ReleaseState.AUTHORISED
    assert "which authorised it too (within the delegated limit)" in message
    assert "Waits for finance to add it to a payment run." in message


def test_finance_gives_the_second_approval(client, people, t1):
    release_approve(t1, actor=people.commissioner)
    client.force_login(people.finance)
    assert ">Give second approval</a>" in client.get(page_of(t1)).content.decode()
    assert "Confirm second approval</button>" in client.get(step_of(t1, "authorise")).content.decode()

    client.post(step_of(t1, "authorise"))

    t1.refresh_from_db()
    assert (t1.state, t1.authorised_by) == (ReleaseState.AUTHORISED, people.finance)


@pytest.mark.parametrize("step", ["reject", "withdraw"])
def test_rejecting_and_withdrawing_need_a_reason(client, people, t1, step):
    client.force_login(people.commissioner)
    assert 'name="reason"' in client.get(step_of(t1, step)).content.decode()

    missing = client.post(step_of(t1, step), {"reason": ""})
    assert missing.status_code == 200 and "There is a problem" in missing.content.decode()
    client.post(step_of(t1, step), {"reason": "Figures under review."})

    t1.refresh_from_db()
    assert (t1.state, t1.reason) == (
        step.replace("reject", "rejected").replace("withdraw", "withdrawn"),
        "Figures under review.",
    )


def test_it_shows_what_the_person_may_not_do_and_why(client, lts_rules, people):
    join(people.south_bristol)
    release = evaluate_milestones(JUNE_2018, triggered_by=people.bnssg_commissioner).proposed[0]
    client.force_login(people.bnssg_commissioner)

    page = text(client.get(page_of(release)).content.decode())

    assert "What you may not do" in page
    assert "Approve: You triggered the evaluation that proposed this release: someone else must approve it." in page
    assert "Give second approval:" not in page  # not their role's step: what remains says who
    response = client.get(step_of(release, "approve"), follow=True)
    assert "You triggered the evaluation" in response.content.decode()


def test_a_step_that_is_no_longer_open_says_what_happened(client, people, t1):
    client.force_login(people.bnssg_commissioner)
    confirm = client.get(step_of(t1, "approve"))
    assert confirm.status_code == 200
    release_approve(t1, actor=people.commissioner)  # someone else, a moment before

    response = client.post(step_of(t1, "approve"), follow=True)

    page = text(response.content.decode())
    assert f"Approved by {people.commissioner} on" in page and "Waits for a finance approver's second approval" in page
    assert "cannot be approved" not in page
    t1.refresh_from_db()
    assert t1.approved_by == people.commissioner


def test_a_double_click_is_answered_quietly(client, people, t1):
    client.force_login(people.commissioner)
    client.post(step_of(t1, "approve"), follow=True)

    again = client.post(step_of(t1, "approve"), follow=True)

    shown = [(m.level_tag, str(m)) for m in again.context["messages"]]
    assert [level for level, _ in shown] == ["success"] and "Approved by" in shown[0][1]
    assert ReleaseTransition.objects.filter(release=t1, to_state=ReleaseState.APPROVED).count() == 1


def test_the_steps_answer_by_role_and_scope(client, people, t1):
    client.force_login(people.manager)
    assert client.get(page_of(t1)).status_code == 200  # the locality's own money
    assert client.get(step_of(t1, "approve")).status_code == 403
    assert client.post(step_of(t1, "approve")).status_code == 403
    client.force_login(people.ns_commissioner)
    assert client.get(page_of(t1)).status_code == 404
    assert client.post(step_of(t1, "approve")).status_code == 404
    client.force_login(people.commissioner)
    assert client.get(step_of(t1, "pay")).status_code == 404
    t1.refresh_from_db()
    assert t1.state == ReleaseState.PROPOSED


def test_an_adjustment_shows_the_release_it_corrects_and_the_difference(client, people, t1):
    mark(t1, ReleaseState.PAID)
    snapshot = ListSizeSnapshot.objects.filter(practice__memberships__locality=people.south_bristol).order_by("pk")[0]
    snapshot.registered_patients = 60_123
    snapshot.save()
    adjustment = evaluate_milestones(JUNE_2018).adjustments[0]
    client.force_login(people.commissioner)

    page = text(client.get(page_of(adjustment)).content.decode())

    assert f"Corrects {t1.reference}: £52,500.00 paid for it so far; £52,561.50 due now." in page
    assert "This top-up is the difference, £61.50." in page
    assert "Top-up" in page and "Difference" in page
    original = text(client.get(page_of(t1)).content.decode())
    assert f"{adjustment.reference}: a top-up of £61.50, proposed." in original


def test_a_rejected_release_lets_a_commissioner_return_its_gate_evidence(client, lts_rules, people):
    accept(people.south_bristol, lts_rules.items["2.1"], reviewer=people.ns_commissioner, at=MARCH_2018)
    release = evaluate_milestones(JUNE_2018).proposed[0]
    release_reject(release, actor=people.bnssg_commissioner, reason="The plan is not signed.")
    client.force_login(people.commissioner)
    page = text(client.get(page_of(release)).content.decode())
    assert "Return the evidence to be put right" in page
    assert "once evidence for one of its gate items is accepted again, the next evaluation proposes it again" in page

    assert "Confirm return of the evidence" in client.get(step_of(release, "reopen")).content.decode()
    client.post(step_of(release, "reopen"), {"reason": "Sign it with the provider."})

    evidence = release.locality.evidence.get(item=lts_rules.items["2.1"])
    assert evidence.status == EvidenceStatus.RETURNED


def test_the_page_runs_a_fixed_number_of_queries(client, lts_rules, people, make_member_practice, settings):
    settings.PORTAL_PAGE_CACHE = False  # the page's own queries, rendered afresh each time (not a cache hit)
    join(people.south_bristol)
    accept(people.south_bristol, lts_rules.items["2.1"], at=MARCH_2018)
    _, t2a = sorted(evaluate_milestones(JUNE_2018).proposed, key=lambda r: r.tranche.position)
    client.force_login(people.bnssg_commissioner)
    client.get(page_of(t2a))
    with CaptureQueriesContext(connection) as small:  # one gate item, two practices
        client.get(page_of(t2a))
    for _ in range(10):
        make_member_practice(people.south_bristol, patients=1_000)
    accept(people.south_bristol, *[lts_rules.items[n] for n in ("2.2", "2.3", "2.4")], at=MARCH_2018)
    t2b = evaluate_milestones(JUNE_2018).proposed[0]
    with CaptureQueriesContext(connection) as large:  # three gate items, twelve practices
        client.get(page_of(t2b))

    assert len(large) == len(small) <= 30


def test_the_locality_page_links_each_release_to_its_page(client, people, t1):
    client.force_login(people.manager)

    page = client.get(reverse("localities:detail", args=[people.south_bristol.code])).content.decode()

    assert f'href="{page_of(t1)}"' in page and "£52,500.00" in page


# The admin's release pages: the same steps and words, figures formatted, a link to the portal's page.


def test_the_admin_formats_the_figures_and_links_to_the_portal(client, people, t1):
    client.force_login(people.commissioner)

    page = client.get(reverse("admin:funding_release_change", args=[t1.pk])).content.decode()

    assert "£52,500.00" in page and "105,000" in page and "NHS Payments to General Practice" in page
    assert "52500.00" not in page and "105000.000" not in page and "nhs_payments" not in page
    assert f'href="{page_of(t1)}"' in page
    changelist = client.get(reverse("admin:funding_release_changelist")).content.decode()
    assert "£52,500.00" in changelist and "52500.00" not in changelist


def test_the_admin_says_what_remains_after_an_approval(client, people, t1):
    client.force_login(people.commissioner)
    client.post(reverse("admin:funding_release_step", args=[t1.pk, "approve"]))

    page = client.get(reverse("admin:funding_release_change", args=[t1.pk])).content.decode()

    assert "cannot be approved" not in page
    assert "Waits for a finance approver&#x27;s second approval" in page
    assert 'value="Withdraw"' in page and 'value="Reject"' in page


def test_an_improved_access_release_shows_its_quarter_and_compliance(client, people, bnssg, make_member_practice):
    import time_machine

    from improved_access.payments import evaluate_improved_access
    from improved_access.quarters import Quarter
    from tests.improved_access.factories import compliant_plan
    from tests.localities.factories import LocalityFactory

    locality = LocalityFactory(code="ia", name="Improved Town", commissioner=bnssg)
    make_member_practice(locality, patients=10_000, weighted=12_000)
    compliant_plan(locality)
    with time_machine.travel(datetime.datetime(2018, 5, 2, 12, tzinfo=datetime.UTC), tick=False):
        release = evaluate_improved_access(Quarter(2018, 1), today=datetime.date(2018, 5, 2)).proposed[0]
    client.force_login(people.bnssg_commissioner)

    page = text(client.get(page_of(release)).content.decode())

    assert "£1.50 per head × 12,000 weighted patients = £18,000.00" in page
    assert "compliance judged on 2 May 2018" in page and "Weekday evenings Met" in page
    assert "Improved Access declaration: Advertising to patients" in page
    assert "advertising" not in page.replace("Advertising", "")
    assert Release.objects.get(pk=release.pk).state == ReleaseState.PROPOSED


def test_the_demos_releases_read_in_words_and_one_money_format(client):
    """Every demo release's page, and the inbox in every state, as each approver: money as £1,234.50, patients whole,
    sources, dates and states in words (no "None", no ISO date, no code)."""
    from django.core.management import call_command

    from onecare.accounts.models import User
    from tests.funding.test_money_format import offences, page_text

    call_command("load_demo_data", verbosity=0)
    urls = [f"{reverse('funding:inbox')}?state=all"] + [page_of(r) for r in Release.objects.order_by("pk")]
    wrong = {}
    for username in ("commissioner", "approver", "finance"):
        client.force_login(User.objects.get(username=username))
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, (username, url)
            main = page_text(response.content.decode().partition("<main")[2].partition("</main>")[0].encode())
            found = offences(main) + re.findall(r"\bNone\b|\b(?:19|20)\d\d-[01]\d-[0-3]\d\b", main)
            if found:
                wrong[(username, url)] = sorted(set(found))
    assert not wrong, wrong


def test_a_paid_release_names_its_payment_run_by_reference(client, people, bnssg, t1):
    from funding.payment_runs import payment_run_add, payment_run_create, payment_run_lock, payment_run_mark_paid

    mark(t1, ReleaseState.AUTHORISED)
    run = payment_run_create(bnssg, actor=people.finance, name="June 2018", pay_date=datetime.date(2018, 6, 29))
    payment_run_add(run, [t1], actor=people.finance)
    client.force_login(people.commissioner)
    assert f"In payment run {run.reference}." in text(client.get(page_of(t1)).content.decode())

    payment_run_lock(run, actor=people.finance)
    payment_run_mark_paid(run, actor=people.finance)
    assert f"in payment run {run.reference}." in text(client.get(page_of(t1)).content.decode())
