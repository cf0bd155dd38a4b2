"""Four eyes on the Improved Access rules: the admin's forms propose, another commissioner approves, and whoever
changed a rule a quarter's release was judged by cannot approve that release."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from funding.models import RuleChange
from funding.permissions import can_approve_release
from funding.release_transitions import ReleaseTransitionNotAllowed, release_approve
from funding.rule_changes import RuleChangeNotAllowed, differences, rule_change_approve, rule_change_propose
from improved_access.models import ComplianceRule, PaymentTerms, RuleKind
from improved_access.payments import evaluate_improved_access
from improved_access.quarters import Quarter
from onecare.accounts.roles import Role
from tests.onecare.factories import UserFactory

from .factories import compliant_plan


@pytest.fixture
def commissioners(bnssg):
    return [UserFactory(role=Role.COMMISSIONER, commissioner=bnssg) for _ in range(3)]


def capacity_2019():
    return ComplianceRule.objects.get(kind=RuleKind.CAPACITY, applies_from=datetime.date(2019, 4, 1))


def test_the_capacity_rules_start_date_is_proposed_in_the_admin_not_saved(client, commissioners):
    proposer, approver, _ = commissioners
    rule = capacity_2019()
    client.force_login(proposer)

    response = client.post(
        reverse("admin:improved_access_compliancerule_change", args=[rule.pk]),
        {
            "kind": "capacity",
            "applies_from": "2019-10-01",
            "threshold": "45",
            "basis": "registered",
            "active": "on",
            "note": rule.note,
        },
    )

    assert response.status_code == 302
    rule.refresh_from_db()
    assert (rule.applies_from, rule.version) == (datetime.date(2019, 4, 1), 1)
    change = RuleChange.objects.get()
    assert differences(change) == ["applies from: 01/04/2019 -> 01/10/2019"]
    with pytest.raises(RuleChangeNotAllowed, match="You proposed this change"):
        rule_change_approve(change, actor=proposer)

    rule_change_approve(change, actor=approver)

    rule.refresh_from_db()
    assert (rule.applies_from, rule.version, rule.version_approved_by) == (datetime.date(2019, 10, 1), 2, approver)


def test_payment_terms_are_proposed_in_the_admin_not_saved(client, commissioners):
    terms = PaymentTerms.objects.get()
    client.force_login(commissioners[0])

    client.post(
        reverse("admin:improved_access_paymentterms_change", args=[terms.pk]),
        {"applies_from": "2018-04-01", "rate": "2.00", "reference_date": ""},
    )

    terms.refresh_from_db()
    assert terms.rate == Decimal("1.50")
    assert differences(RuleChange.objects.get()) == ["rate per weighted head a quarter (£): £1.50 -> £2.00"]


def test_whoever_changed_a_rule_the_quarter_was_judged_by_cannot_approve_its_release(locality, commissioners):
    proposer, approver, other = commissioners
    weekends = ComplianceRule.objects.get(kind=RuleKind.WEEKENDS)
    change = rule_change_propose(weekends, {"threshold": Decimal("60")}, actor=proposer)
    rule_change_approve(change, actor=approver)
    compliant_plan(locality)

    (release,) = evaluate_improved_access(Quarter(2018, 1), today=datetime.date(2018, 4, 2)).proposed

    assert set(release.rule["rule_changed_by"]) == {proposer.pk, approver.pk}
    versions = {r["rule"]: r["version"] for r in release.rule["rule_versions"]}
    assert versions[f"compliancerule {weekends.pk}"] == 2
    for changer in (proposer, approver):
        allowed, why = can_approve_release(changer, release)
        assert not allowed and "You proposed or approved the rule this release applied" in why
        with pytest.raises(ReleaseTransitionNotAllowed):
            release_approve(release, actor=changer)
    release_approve(release, actor=other)
