"""Four eyes on money rules: a tranche or the delegated limit changes only when a second person approves the change,
releases record the rule version they applied, and nobody approves a release under a rule they changed."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from funding.evaluation import evaluate_milestones
from funding.models import DelegatedLimit, Release, ReleaseState, RuleChange, RuleChangeState, Scheme, Tranche
from funding.permissions import can_approve_release
from funding.release_transitions import ReleaseTransitionNotAllowed, release_approve, release_authorise
from funding.release_workflow import delegated_limit
from funding.rule_changes import (
    RuleChangeNotAllowed,
    differences,
    rule_change_approve,
    rule_change_propose,
    rule_change_reject,
    rule_change_withdraw,
)
from onecare.accounts.roles import Role
from tests.onecare.factories import UserFactory

from .ledger import accept, join, mark

JUNE_1 = datetime.date(2018, 6, 1)


def tranche_form(tranche: Tranche, **changes) -> dict:
    """The tranche admin's change form as a browser would post it."""
    data = {
        "scheme": tranche.scheme_id,
        "code": tranche.code,
        "name": tranche.name,
        "position": tranche.position,
        "rate": str(tranche.rate),
        "basis": tranche.basis,
        "gate_items": [item.pk for item in tranche.gate_items.all()],
        "reference_date": tranche.reference_date.isoformat(),
        "releasable_from": tranche.releasable_from.isoformat() if tranche.releasable_from else "",
        "due_by": tranche.due_by.isoformat() if tranche.due_by else "",
        "after": [t.pk for t in tranche.after.all()],
    }
    if tranche.opens_on_joining:
        data["opens_on_joining"] = "on"
    if tranche.active:
        data["active"] = "on"
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def limit_is(amount: str) -> None:
    DelegatedLimit.objects.all().delete()
    DelegatedLimit.objects.create(amount=Decimal(amount))


@pytest.fixture
def bristol_commissioner(people):
    """A third commissioner who sees South Bristol (Bristol, 11H)."""
    return UserFactory(role=Role.COMMISSIONER, commissioner=people.south_bristol.commissioner)


@pytest.fixture
def second_finance(bnssg):
    return UserFactory(role=Role.FINANCE_APPROVER, commissioner=bnssg)


def t3_opens_on_joining(proposer):
    """The change the issue reproduced: T3 opened by joining, with no item 3.1 evidence."""
    t3 = Tranche.objects.get(code="T3")
    return rule_change_propose(t3, {"opens_on_joining": True, "gate_items": []}, actor=proposer)


# The admin form proposes; it never saves.


def test_a_commissioner_cannot_change_a_tranche_in_the_admin_directly(client, lts_rules, people):
    t3 = lts_rules.tranches["T3"]
    client.force_login(people.commissioner)

    response = client.post(
        reverse("admin:funding_tranche_change", args=[t3.pk]),
        tranche_form(t3, gate_items=[], opens_on_joining="on", rate="1.00"),
    )

    t3.refresh_from_db()
    assert [i.number for i in t3.gate_items.all()] == ["3.1"]
    assert (t3.rate, t3.opens_on_joining, t3.version) == (Decimal("1.50"), False, 1)
    change = RuleChange.objects.get()
    assert (change.state, change.proposed_by, change.object_id) == ("proposed", people.commissioner, t3.pk)
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:funding_rulechange_change", args=[change.pk])
    said = [str(m) for m in get_messages(response.wsgi_request)]
    assert said == ["Your change is proposed; it takes effect when another commissioner approves it."]
    assert sorted(differences(change)) == [
        "gate items: 3.1 -> (blank)",
        "opens on joining: no -> yes",
        "rate per head (£): £1.50 -> £1.00",
    ]


def test_adding_a_tranche_in_the_admin_proposes_it(client, lts_rules, people):
    t3 = lts_rules.tranches["T3"]
    client.force_login(people.commissioner)

    client.post(
        reverse("admin:funding_tranche_add"),
        tranche_form(t3, code="T4", name="Tranche 4", position=5, rate="0.25", gate_items=[], active=None),
    )

    assert not Tranche.objects.filter(code="T4").exists()
    change = RuleChange.objects.get()
    assert change.object_id is None and change.rule_label == "new tranche"
    rule_change_approve(change, actor=people.bnssg_commissioner)
    t4 = Tranche.objects.get(code="T4")
    assert (t4.rate, t4.active, t4.version, t4.version_proposed_by) == (
        Decimal("0.25"),
        False,
        1,
        people.commissioner,
    )


def test_the_proposed_changes_page_approves_after_a_confirmation(client, lts_rules, people):
    change = t3_opens_on_joining(people.commissioner)
    page_url = reverse("admin:funding_rulechange_change", args=[change.pk])
    approve_url = reverse("admin:funding_rulechange_decide", args=[change.pk, "approve"])

    client.force_login(people.commissioner)
    listed = client.get(reverse("admin:funding_rulechange_changelist")).content.decode()
    assert "tranche T3 (£1.50 per head)" in listed and "<li>opens on joining: no -&gt; yes</li>" in listed
    own = client.get(page_url).content.decode()
    assert "You proposed this change: another commissioner must approve it." in own
    assert "opens on joining: no -&gt; yes" in own
    client.post(approve_url, {"confirm": "yes"})
    assert RuleChange.objects.get().state == RuleChangeState.PROPOSED

    client.force_login(people.bnssg_commissioner)
    confirm = client.get(approve_url).content.decode()
    assert "Yes, approve" in confirm and "gate items: 3.1 -&gt; (blank)" in confirm
    assert Tranche.objects.get(code="T3").version == 1  # a GET changes nothing
    client.post(approve_url, {"confirm": "yes"})

    t3 = Tranche.objects.get(code="T3")
    assert (t3.version, t3.opens_on_joining, list(t3.gate_items.all())) == (2, True, [])


def test_a_rejection_needs_a_reason_and_changes_nothing(client, lts_rules, people):
    change = t3_opens_on_joining(people.commissioner)
    reject_url = reverse("admin:funding_rulechange_decide", args=[change.pk, "reject"])
    client.force_login(people.bnssg_commissioner)

    client.post(reject_url, {"confirm": "yes", "reason": ""})
    assert RuleChange.objects.get().state == RuleChangeState.PROPOSED
    client.post(reject_url, {"confirm": "yes", "reason": "T3 is for item 3.1 only."})

    change.refresh_from_db()
    assert (change.state, change.decided_by, change.reason) == ("rejected", people.bnssg_commissioner, change.reason)
    assert change.reason == "T3 is for item 3.1 only."
    assert Tranche.objects.get(code="T3").version == 1


# The transitions.


def test_a_proposal_takes_effect_only_when_another_commissioner_approves(lts_rules, people):
    t1 = lts_rules.tranches["T1"]
    change = rule_change_propose(t1, {"reference_date": datetime.date(2018, 2, 1)}, actor=people.commissioner)

    t1.refresh_from_db()
    assert (t1.reference_date, t1.version) == (datetime.date(2018, 1, 1), 1)

    rule_change_approve(change, actor=people.ns_commissioner)

    t1.refresh_from_db()
    assert (t1.reference_date, t1.version) == (datetime.date(2018, 2, 1), 2)
    assert (t1.version_proposed_by, t1.version_approved_by) == (people.commissioner, people.ns_commissioner)
    assert t1.history.first().history_user == people.ns_commissioner
    change.refresh_from_db()
    assert (change.state, change.version, change.decided_by) == ("approved", 2, people.ns_commissioner)


def test_the_proposer_cannot_approve_their_own_change(lts_rules, people):
    change = t3_opens_on_joining(people.commissioner)

    with pytest.raises(RuleChangeNotAllowed, match="You proposed this change: another commissioner must approve it"):
        rule_change_approve(change, actor=people.commissioner)
    with pytest.raises(RuleChangeNotAllowed, match="Only a commissioner can approve a change to a tranche"):
        rule_change_approve(change, actor=people.finance)

    assert Tranche.objects.get(code="T3").gate_items.count() == 1
    assert RuleChange.objects.get().state == RuleChangeState.PROPOSED


def test_only_the_proposer_withdraws_and_a_decided_change_stays_decided(lts_rules, people):
    change = t3_opens_on_joining(people.commissioner)
    with pytest.raises(RuleChangeNotAllowed, match="Only the person who proposed"):
        rule_change_withdraw(change, actor=people.bnssg_commissioner)
    rule_change_withdraw(change, actor=people.commissioner)

    with pytest.raises(RuleChangeNotAllowed, match="This change is withdrawn: it cannot be approved"):
        rule_change_approve(change, actor=people.bnssg_commissioner)
    with pytest.raises(RuleChangeNotAllowed, match="Give the reason"):
        rule_change_reject(change, actor=people.bnssg_commissioner, reason=" ")


def test_one_open_proposal_per_rule_and_a_stale_one_is_refused(lts_rules, people):
    t1 = lts_rules.tranches["T1"]
    first = rule_change_propose(t1, {"name": "Joining"}, actor=people.commissioner)
    with pytest.raises(RuleChangeNotAllowed, match="is already proposed"):
        rule_change_propose(t1, {"name": "Joining the scheme"}, actor=people.bnssg_commissioner)
    assert rule_change_propose(t1, {"name": t1.name}, actor=people.bnssg_commissioner) is None  # nothing changes

    # The rule moved on under a proposal (here: directly, as a fixture would): its approval is refused.
    Tranche.objects.filter(pk=t1.pk).update(version=5)
    with pytest.raises(RuleChangeNotAllowed, match="has changed since this was proposed"):
        rule_change_approve(first, actor=people.bnssg_commissioner)


# Releases record the version they applied, and its people may not approve them.


@pytest.fixture
def changed_t3(lts_rules, people):
    """T3 opened by joining: proposed by the Bristol commissioner, approved by the BNSSG one; then evaluated."""
    change = t3_opens_on_joining(people.commissioner)
    rule_change_approve(change, actor=people.bnssg_commissioner)
    join(people.south_bristol)
    accept(people.south_bristol, *[lts_rules.items[n] for n in ["2.1", "2.2", "2.3", "2.4"]])
    july = datetime.date.today()  # T3 is from 01/07/2018, after T2a and T2b (funding/MONEY.md)
    for release in evaluate_milestones(july).proposed:
        if release.tranche.code in {"T2a", "T2b"}:
            mark(release, ReleaseState.APPROVED)
    evaluate_milestones(july)
    return Release.objects.get(locality=people.south_bristol, tranche__code="T3")


def test_a_release_proposed_under_the_new_version_records_it(changed_t3, people):
    release = changed_t3

    assert (release.rule_version, release.rule_proposed_by, release.rule_approved_by) == (
        2,
        people.commissioner,
        people.bnssg_commissioner,
    )
    assert release.rule["version"] == 2
    t1 = Release.objects.get(locality=people.south_bristol, tranche__code="T1")
    assert (t1.rule_version, t1.rule_proposed_by, t1.rule_approved_by) == (1, None, None)
    assert Release.objects.filter(rule_approved_by=people.bnssg_commissioner).count() == 1


def test_the_proposer_and_approver_of_the_version_cannot_approve_the_release(
    changed_t3, people, bristol_commissioner, client
):
    for changer in (people.commissioner, people.bnssg_commissioner):
        allowed, why = can_approve_release(changer, changed_t3)
        assert not allowed and "You proposed or approved the rule this release applied, tranche T3 (version 2)" in why
        with pytest.raises(ReleaseTransitionNotAllowed, match="You proposed or approved the rule"):
            release_approve(changed_t3, actor=changer)

    client.force_login(people.commissioner)
    page = client.get(reverse("admin:funding_release_change", args=[changed_t3.pk])).content.decode()
    assert "Approve: You proposed or approved the rule this release applied" in page
    assert "Tranche rule version 2," in page

    release_approve(changed_t3, actor=bristol_commissioner)
    release_authorise(changed_t3, actor=people.finance)  # £157,500: above the limit
    changed_t3.refresh_from_db()
    assert changed_t3.state == "authorised"


# The delegated limit is data, changed by two finance approvers.


def test_the_delegated_limit_change_needs_a_second_finance_approver(lts_rules, people, second_finance, client):
    limit = DelegatedLimit.objects.get()
    assert delegated_limit() == Decimal("50000.00")
    client.force_login(people.finance)

    client.post(reverse("admin:funding_delegatedlimit_change", args=[limit.pk]), {"amount": "200000.00"})

    assert delegated_limit() == Decimal("50000.00")
    change = RuleChange.objects.get()
    assert differences(change) == ["delegated limit (£): £50,000.00 -> £200,000.00"]
    with pytest.raises(RuleChangeNotAllowed, match="another finance approver must approve it"):
        rule_change_approve(change, actor=people.finance)
    with pytest.raises(RuleChangeNotAllowed, match="Only a finance approver can approve"):
        rule_change_approve(change, actor=people.bnssg_commissioner)
    assert delegated_limit() == Decimal("50000.00")

    rule_change_approve(change, actor=second_finance)

    assert delegated_limit() == Decimal("200000.00")
    limit.refresh_from_db()
    assert (limit.version, limit.version_proposed_by, limit.version_approved_by) == (2, people.finance, second_finance)


def test_a_commissioner_cannot_propose_a_delegated_limit(people):
    with pytest.raises(RuleChangeNotAllowed, match="Only a finance approver can propose"):
        rule_change_propose(DelegatedLimit.objects.get(), {"amount": Decimal("1")}, actor=people.commissioner)


# Tranche rates of a scheme add up to its rate per head.


def test_the_lts_rate_per_head_is_three_pounds(lts_rules):
    assert Scheme.objects.get(code="lts").rate_per_head == Decimal("3.00")


def test_an_approval_that_breaks_the_rates_sum_is_refused(lts_rules, people):
    t3 = lts_rules.tranches["T3"]
    change = rule_change_propose(t3, {"rate": Decimal("1.00")}, actor=people.commissioner)

    with pytest.raises(RuleChangeNotAllowed) as refused:
        rule_change_approve(change, actor=people.bnssg_commissioner)

    assert str(refused.value) == (
        "The active tranches of Locality Transformation Scheme would add up to £2.50 a head (T1 £0.50, T2a £0.50, "
        "T2b £0.50, T3 £1.00), not the scheme's £3.00: the tranche rates of a scheme must add up to its rate per head."
    )
    t3.refresh_from_db()
    assert (t3.rate, t3.version) == (Decimal("1.50"), 1)
    assert RuleChange.objects.get().state == RuleChangeState.PROPOSED


def test_a_new_active_tranche_that_adds_to_the_rate_is_refused_an_inactive_one_is_not(lts_rules, people):
    fields = {
        "scheme": lts_rules.tranches["T3"].scheme,
        "code": "T4",
        "name": "Tranche 4",
        "position": 5,
        "rate": Decimal("0.50"),
        "basis": "registered",
        "reference_date": datetime.date(2018, 10, 1),
    }
    active = rule_change_propose(None, {**fields, "active": True}, actor=people.commissioner, model=Tranche)
    with pytest.raises(RuleChangeNotAllowed, match="would add up to £3.50"):
        rule_change_approve(active, actor=people.bnssg_commissioner)
    assert not Tranche.objects.filter(code="T4").exists()

    rule_change_withdraw(active, actor=people.commissioner)
    inactive = rule_change_propose(None, {**fields, "active": False}, actor=people.commissioner, model=Tranche)
    rule_change_approve(inactive, actor=people.bnssg_commissioner)
    assert Tranche.objects.get(code="T4").active is False
