"""The LTS paper's windows and order (issue 14): when money may be proposed, lateness, a rejection put right, the
100,000 minimum, and who triggered a release for its locality. On the real tranche and checklist fixtures."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from funding.evaluation import evaluate_milestones
from funding.models import Evidence, EvidenceStatus, Release, ReleaseState, ReleaseTransition, Scheme, Tranche
from funding.permissions import can_approve_release
from funding.release_transitions import ReleaseTransitionNotAllowed, release_approve, release_reject
from funding.rule_changes import RuleChangeNotAllowed, differences, rule_change_approve, rule_change_propose
from funding.transitions import TransitionNotAllowed, evidence_accept, evidence_submit
from tests.localities.factories import LocalityFactory

from .factories import EvidenceFactory
from .ledger import accept, join, mark

PHASE_1 = ["1.1", "1.2", "1.3", "1.4", "1.5", "1.6", "1.7"]
PHASE_2 = ["2.1", "2.2", "2.3", "2.4"]
FEBRUARY_2018 = timezone.make_aware(datetime.datetime(2018, 2, 1, 10))
CHANGELIST = reverse("admin:funding_release_changelist")


def at_noon(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))


def proposed(code: str, locality=None):
    releases = Release.objects.filter(tranche__code=code).exclude(state__in=["rejected", "withdrawn"])
    return releases.filter(locality=locality) if locality is not None else releases


def test_nothing_is_proposed_before_the_scheme_started(lts_rules, people):
    join(people.south_bristol, people.woodspring)
    accept(people.south_bristol, *[lts_rules.items[n] for n in [*PHASE_1, *PHASE_2, "3.1"]], at=FEBRUARY_2018)

    assert evaluate_milestones(datetime.date(2016, 1, 1)).proposed == []
    assert evaluate_milestones(datetime.date(2017, 10, 2)).proposed == []  # the day before the Governing Bodies met
    assert not Release.objects.exists()

    first = evaluate_milestones(datetime.date(2017, 10, 3)).proposed
    assert sorted((r.locality.code, r.tranche.code) for r in first) == [("sbris", "T1"), ("wood", "T1")]


def test_t3_waits_for_1_july_2018(lts_rules, people):
    items = lts_rules.items
    accept(people.south_bristol, *[items[n] for n in [*PHASE_1, *PHASE_2, "3.1"]], at=FEBRUARY_2018)
    before_july = evaluate_milestones(datetime.date(2018, 3, 1)).proposed
    assert sorted(r.tranche.code for r in before_july) == ["T2a", "T2b"]  # 3.1 accepted, but no T3 before July
    for release in before_july:
        mark(release, ReleaseState.APPROVED)

    assert evaluate_milestones(datetime.date(2018, 6, 30)).proposed == []
    (t3,) = evaluate_milestones(datetime.date(2018, 7, 1)).proposed
    assert (t3.tranche.code, t3.amount) == ("T3", 157_500)  # £1.50 x 105,000


def test_t3_waits_for_t2a_and_t2b_to_be_released(lts_rules, people):
    items = lts_rules.items
    accept(people.south_bristol, items["3.1"], at=FEBRUARY_2018)
    july = datetime.date(2018, 7, 2)

    assert evaluate_milestones(july).proposed == []  # the business case alone opens nothing

    accept(people.south_bristol, *[items[n] for n in PHASE_2], at=FEBRUARY_2018)
    made = evaluate_milestones(july).proposed
    assert sorted(r.tranche.code for r in made) == ["T2a", "T2b"]  # proposed is not released: no T3 yet
    t2a, t2b = sorted(made, key=lambda r: r.tranche.code)

    mark(t2a, ReleaseState.AUTHORISED)
    assert evaluate_milestones(july).proposed == []  # T2b still only proposed

    mark(t2b, ReleaseState.PAID)
    (t3,) = evaluate_milestones(july).proposed
    assert t3.tranche.code == "T3"


def test_a_rejected_predecessor_holds_t3_back(lts_rules, people):
    items = lts_rules.items
    accept(people.south_bristol, *[items[n] for n in [*PHASE_1, *PHASE_2, "3.1"]], at=FEBRUARY_2018)
    evaluate_milestones(datetime.date(2018, 3, 1))
    mark(Release.objects.get(tranche__code="T2a"), ReleaseState.APPROVED)
    release_reject(Release.objects.get(tranche__code="T2b"), actor=people.commissioner, reason="Not signed.")

    evaluate_milestones(datetime.date(2018, 7, 2))
    assert not Release.objects.filter(tranche__code="T3").exists()


def test_t2a_is_released_on_the_joint_plan_alone(lts_rules, people):
    accept(people.south_bristol, lts_rules.items["2.1"], at=FEBRUARY_2018)  # no phase 1 item

    (t2a,) = evaluate_milestones(datetime.date(2018, 2, 2)).proposed

    assert (t2a.tranche.code, t2a.amount, t2a.late) == ("T2a", 52_500, False)
    assert t2a.rule["gate_items"] == ["2.1"]
    assert [e["item"] for e in t2a.rule["gate_evidence"]] == ["2.1"]


def test_late_evidence_is_marked_and_its_approval_needs_a_reason(lts_rules, people):
    items = lts_rules.items
    accept(people.south_bristol, *[items[n] for n in PHASE_1], at=FEBRUARY_2018)  # in time, and not T2a's gate
    accept(people.south_bristol, items["2.1"], at=at_noon(datetime.date(2019, 6, 3)))
    accept(people.south_bristol, items["2.2"], items["2.3"], at=FEBRUARY_2018)
    accept(people.south_bristol, items["2.4"], at=at_noon(datetime.date(2019, 6, 4)))

    made = {r.tranche.code: r for r in evaluate_milestones(datetime.date(2019, 6, 5)).proposed}

    t2a, t2b = made["T2a"], made["T2b"]
    assert t2a.late and t2b.late
    assert t2a.late_because == "Evidence accepted after T2a's due date of 30/06/2018: 2.1 on 03/06/2019."
    assert t2b.late_because == "Evidence accepted after T2b's due date of 30/06/2018: 2.4 on 04/06/2019."
    assert Release.objects.get(pk=t2a.pk).late  # written, not only built

    with pytest.raises(ReleaseTransitionNotAllowed, match="needs a recorded reason to be approved: it is late"):
        release_approve(t2a, actor=people.commissioner)
    assert Release.objects.get(pk=t2a.pk).state == ReleaseState.PROPOSED

    release_approve(t2a, actor=people.commissioner, reason="The provider's board met late; agreed at panel.")
    step = ReleaseTransition.objects.filter(release=t2a, to_state=ReleaseState.APPROVED).get()
    assert step.actor == people.commissioner
    assert step.reason.startswith("Approved as an exception (it is late (Evidence accepted after T2a's due date")
    assert step.reason.endswith(": The provider's board met late; agreed at panel.")


def test_evidence_in_time_is_not_late(lts_rules, people):
    accept(people.south_bristol, *[lts_rules.items[n] for n in PHASE_1], at=FEBRUARY_2018)
    accept(people.south_bristol, lts_rules.items["2.1"], at=at_noon(datetime.date(2018, 6, 30)))

    (t2a,) = evaluate_milestones(datetime.date(2019, 6, 5)).proposed  # proposed late, but the gate was met in time

    assert (t2a.late, t2a.late_because) == (False, "")
    release_approve(t2a, actor=people.commissioner)  # no reason needed


def test_the_admin_shows_lateness_and_asks_for_the_reason_only_when_needed(client, lts_rules, people):
    items = lts_rules.items
    join(people.south_bristol)
    accept(people.south_bristol, *[items[n] for n in PHASE_1], at=FEBRUARY_2018)
    accept(people.south_bristol, items["2.1"], at=at_noon(datetime.date(2019, 6, 3)))
    made = {r.tranche.code: r for r in evaluate_milestones(datetime.date(2019, 6, 5)).proposed}
    t1, t2a = made["T1"], made["T2a"]
    client.force_login(people.commissioner)

    page = client.get(reverse("admin:funding_release_change", args=[t2a.pk])).content.decode()
    assert 'id="release-late"' in page and "2.1 on 03/06/2019" in page
    assert 'id="reason-approve"' in page
    on_time = client.get(reverse("admin:funding_release_change", args=[t1.pk])).content.decode()
    assert 'id="release-late"' not in on_time and 'id="reason-approve"' not in on_time

    listed = client.get(CHANGELIST).content.decode()
    assert "late" in listed and "Needs a reason to approve" in listed

    client.post(reverse("admin:funding_release_step", args=[t2a.pk, "approve"]))
    assert Release.objects.get(pk=t2a.pk).state == ReleaseState.PROPOSED  # refused without a reason
    client.post(reverse("admin:funding_release_step", args=[t2a.pk, "approve"]), {"reason": "Agreed at panel."})
    assert Release.objects.get(pk=t2a.pk).state == ReleaseState.APPROVED  # above the delegated limit

    confirm = client.post(CHANGELIST, {"action": "approve_selected", "_selected_action": [t1.pk]}).content.decode()
    assert 'id="reason"' not in confirm  # T1 is in time: no reason asked


def test_a_bulk_approval_of_a_late_release_asks_for_the_reason(client, lts_rules, people):
    accept(people.south_bristol, *[lts_rules.items[n] for n in PHASE_1], at=FEBRUARY_2018)
    accept(people.south_bristol, lts_rules.items["2.1"], at=at_noon(datetime.date(2019, 6, 3)))
    (t2a,) = evaluate_milestones(datetime.date(2019, 6, 5)).proposed
    client.force_login(people.commissioner)
    chosen = {"action": "approve_selected", "_selected_action": [t2a.pk]}

    confirm = client.post(CHANGELIST, chosen).content.decode()
    assert 'id="reason"' in confirm and 'id="confirm-exceptions"' in confirm
    client.post(CHANGELIST, {**chosen, "confirm": "yes"})
    assert Release.objects.get(pk=t2a.pk).state == ReleaseState.PROPOSED

    client.post(CHANGELIST, {**chosen, "confirm": "yes", "reason": "Agreed at panel."})
    t2a.refresh_from_db()
    assert t2a.state == ReleaseState.APPROVED
    assert t2a.transitions.get(to_state=ReleaseState.APPROVED).reason.endswith(": Agreed at panel.")


def test_a_rejected_release_is_proposed_again_after_new_evidence(lts_rules, people):
    item = lts_rules.items["2.1"]
    accept(people.south_bristol, *[lts_rules.items[n] for n in PHASE_1], item, at=FEBRUARY_2018)
    (first,) = evaluate_milestones(datetime.date(2018, 3, 1)).proposed
    release_reject(first, actor=people.commissioner, reason="The plan is not signed by the community provider.")

    assert evaluate_milestones(timezone.localdate()).proposed == []  # the same evidence: still rejected

    accept(people.south_bristol, item, at=timezone.now() + datetime.timedelta(seconds=1))  # put right, accepted again
    (again,) = evaluate_milestones(timezone.localdate()).proposed

    assert (again.tranche.code, again.state, again.pk != first.pk) == ("T2a", ReleaseState.PROPOSED, True)
    assert Release.objects.get(pk=first.pk).state == ReleaseState.REJECTED
    assert evaluate_milestones(timezone.localdate()).proposed == []  # once


def test_a_locality_under_the_minimum_is_flagged_and_needs_an_exception(lts_rules, people, make_member_practice):
    small = LocalityFactory(code="small", name="Small Vale", commissioner=people.south_bristol.commissioner)
    make_member_practice(small, patients=60_000)
    make_member_practice(small, patients=35_500)
    join(small, people.south_bristol)

    made = {r.locality.code: r for r in evaluate_milestones(datetime.date(2018, 1, 2)).proposed}

    flagged, fine = made["small"], made["sbris"]
    assert (flagged.below_minimum, fine.below_minimum) == (True, False)
    assert flagged.below_minimum_because == (
        "95,500 registered patients on 01/01/2018, under the scheme's minimum of 100,000."
    )
    with pytest.raises(ReleaseTransitionNotAllowed, match="Small Vale was under the scheme's minimum population"):
        release_approve(flagged, actor=people.commissioner)
    release_approve(flagged, actor=people.commissioner, reason="Merging with Bedminster in April 2018.")
    assert flagged.transitions.get(to_state=ReleaseState.APPROVED).reason.endswith(
        "Merging with Bedminster in April 2018."
    )


def test_the_minimum_is_the_schemes(lts_rules, people, make_member_practice):
    assert Scheme.objects.get(code="lts").minimum_population == 100_000
    Scheme.objects.filter(code="lts").update(minimum_population=90_000)  # a reviewed data migration would do this
    small = LocalityFactory(code="small", name="Small Vale", commissioner=people.south_bristol.commissioner)
    make_member_practice(small, patients=95_500)
    join(small)

    (t1,) = evaluate_milestones(datetime.date(2018, 1, 2)).proposed

    assert not t1.below_minimum


def test_the_acceptor_of_another_localitys_evidence_may_approve_this_localitys_release(
    lts_rules, people, django_capture_on_commit_callbacks
):
    join(people.south_bristol)
    acceptor = people.bnssg_commissioner  # sees both localities
    evidence = EvidenceFactory(locality=people.woodspring, item=lts_rules.items["2.1"], submitted=True)

    with django_capture_on_commit_callbacks(execute=True):
        evidence_accept(evidence, actor=acceptor)  # its evaluation proposes South Bristol's T1 too

    south = Release.objects.get(locality=people.south_bristol, tranche__code="T1")
    assert south.triggered_by is None
    assert can_approve_release(acceptor, south) == (True, "")
    wood = Release.objects.get(locality=people.woodspring, tranche__code="T2a")
    assert wood.triggered_by == acceptor and south.evaluation_id == wood.evaluation_id
    allowed, why = can_approve_release(acceptor, wood)
    assert not allowed and "someone else must approve it" in why
    release_approve(south, actor=acceptor)


def test_a_run_by_hand_is_triggered_for_every_locality(lts_rules, people):
    join(people.south_bristol, people.woodspring)

    made = evaluate_milestones(datetime.date(2018, 6, 1), triggered_by=people.bnssg_commissioner).proposed

    assert {r.triggered_by for r in made} == {people.bnssg_commissioner}


def test_windows_and_order_change_by_four_eyes(lts_rules, people):
    t3 = Tranche.objects.get(code="T3")
    t2a = Tranche.objects.get(code="T2a")

    change = rule_change_propose(
        t3,
        {"releasable_from": datetime.date(2018, 8, 1), "due_by": datetime.date(2019, 2, 28), "after": [t2a]},
        actor=people.commissioner,
    )

    assert sorted(differences(change)) == [
        "after tranches: T2a, T2b -> T2a",
        "due by: 31/03/2019 -> 28/02/2019",
        "may be released from: 01/07/2018 -> 01/08/2018",
    ]
    t3.refresh_from_db()
    assert t3.releasable_from == datetime.date(2018, 7, 1)  # nothing changes until approved
    rule_change_approve(change, actor=people.bnssg_commissioner)
    t3.refresh_from_db()
    assert (t3.version, t3.releasable_from, t3.due_by) == (2, datetime.date(2018, 8, 1), datetime.date(2019, 2, 28))
    assert list(t3.after.values_list("code", flat=True)) == ["T2a"]


def test_a_tranche_cannot_come_after_itself(lts_rules, people):
    t2a = Tranche.objects.get(code="T2a")
    change = rule_change_propose(t2a, {"after": [Tranche.objects.get(code="T3")]}, actor=people.commissioner)

    with pytest.raises(RuleChangeNotAllowed, match="T2a would come after itself"):
        rule_change_approve(change, actor=people.bnssg_commissioner)
    assert not t2a.after.exists()


def test_the_evidence_of_a_rejected_release_is_put_right_and_proposes_it_again(
    client, lts_rules, people, django_capture_on_commit_callbacks
):
    from funding.transitions import evidence_reopen  # here: each test of this file fails alone on older code

    item = lts_rules.items["2.1"]
    evidence = evidence_submit(people.south_bristol, item, actor=people.manager, statement="Our joint plan.")
    with django_capture_on_commit_callbacks(execute=True):
        evidence_accept(evidence, actor=people.commissioner)
    with pytest.raises(TransitionNotAllowed, match="only to be put right"):
        evidence_reopen(evidence, actor=people.commissioner, reason="Unsigned.")  # its release is not rejected
    first = Release.objects.get(tranche__code="T2a")
    release_reject(first, actor=people.bnssg_commissioner, reason="The plan is not signed by the provider.")
    client.force_login(people.bnssg_commissioner)
    page = client.get(reverse("admin:funding_release_change", args=[first.pk])).content.decode()
    assert 'id="release-reopen"' in page

    client.post(
        reverse("admin:funding_release_step", args=[first.pk, "reopen"]), {"reason": "Sign it with the provider."}
    )

    evidence.refresh_from_db()
    assert (evidence.status, evidence.return_reason) == (EvidenceStatus.RETURNED, "Sign it with the provider.")
    evidence_submit(people.south_bristol, item, actor=people.manager, statement="Our joint plan, signed by both.")
    with django_capture_on_commit_callbacks(execute=True):
        evidence_accept(Evidence.objects.get(pk=evidence.pk), actor=people.commissioner)
    again = Release.objects.get(tranche__code="T2a", state=ReleaseState.PROPOSED)
    assert again.pk != first.pk and again.triggered_by == people.commissioner
    assert not can_approve_release(people.commissioner, again)[0]  # accepted its gate evidence


def test_the_data_migration_sets_the_papers_rules_on_a_seeded_database(lts_rules):
    """A database seeded before migration 0005: T2a on phase 1 and 2.1, no windows, no order, no minimum."""
    import importlib

    from django.apps import apps

    migration = importlib.import_module("funding.migrations.0005_tranche_windows_order_minimum")
    items = lts_rules.items
    Tranche.objects.get(code="T2a").gate_items.set([items[n] for n in [*PHASE_1, "2.1"]])
    Tranche.objects.update(releasable_from=None, due_by=None)
    Tranche.objects.get(code="T3").after.clear()
    Scheme.objects.filter(code="lts").update(minimum_population=None)

    migration.the_papers_rules(apps, None)

    rules = {
        t.code: (t.version, t.releasable_from, t.due_by, sorted(t.after.values_list("code", flat=True)))
        for t in Tranche.objects.filter(scheme__code="lts")
    }
    assert rules == {
        "T1": (2, datetime.date(2017, 10, 3), datetime.date(2017, 12, 31), []),
        "T2a": (2, datetime.date(2018, 1, 1), datetime.date(2018, 6, 30), []),
        "T2b": (2, datetime.date(2018, 1, 1), datetime.date(2018, 6, 30), []),
        "T3": (2, datetime.date(2018, 7, 1), datetime.date(2019, 3, 31), ["T2a", "T2b"]),
    }
    assert [i.number for i in Tranche.objects.get(code="T2a").gate_items.all()] == ["2.1"]
    assert Scheme.objects.get(code="lts").minimum_population == 100_000
    migration.the_papers_rules(apps, None)  # again: nothing changes, no new version
    assert set(Tranche.objects.filter(scheme__code="lts").values_list("version", flat=True)) == {2}
