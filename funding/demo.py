"""Demo evidence and money: localities at different stages of the checklist and of their releases,
made through the real transitions.

Call load_demo_evidence() after the demo users exist (and outside any open transaction, so the
notification tasks queued on commit run under the dummy mail backend), then load_demo_releases()
(needs fixtures/lts_tranches.json loaded). Each does nothing if its records exist already, so both
are safe to run on every `load_demo_data`.
"""

import datetime

from django.contrib.auth.models import Group
from django.db import transaction
from django.test.utils import override_settings

from localities.models import Commissioner, Locality
from onecare.accounts.models import User
from onecare.accounts.roles import Role

from .evaluation import evaluate_milestones
from .models import ChecklistItem, Evidence, Release, ReleaseKind, Tranche
from .payment_runs import payment_run_add, payment_run_create, payment_run_lock, payment_run_mark_paid
from .release_transitions import release_approve, release_authorise, release_reject
from .transitions import evidence_accept, evidence_return, evidence_save_draft, evidence_submit

PHASE_1 = ["1.1", "1.2", "1.3", "1.4", "1.5", "1.6", "1.7"]

# locality code: {item number: what happens to it}
STAGES = {
    "sbris": {**dict.fromkeys(PHASE_1[:5], "accept"), "1.6": "return", "1.7": "submit", "2.1": "draft"},
    "icebris": {**dict.fromkeys(PHASE_1, "accept"), "2.1": "accept", "2.2": "submit"},
    "nwbris": dict.fromkeys(PHASE_1[:3], "submit"),
    "wwv": {"1.1": "draft"},
    "sglos": dict.fromkeys(PHASE_1, "accept"),
}
STATEMENT = "Demo evidence for {number} from {locality}: see the attached agreement and minutes."


def stand_in_lead(locality: Locality) -> User:
    """The submitter for a locality without a demo login: a locality lead who cannot log in."""
    if locality.code == "sbris" and User.objects.filter(username="locality.lead").exists():
        return User.objects.get(username="locality.lead")
    user, created = User.objects.get_or_create(
        username=f"demo.lead.{locality.code}",
        defaults={"first_name": "Demo lead,", "last_name": locality.name, "locality": locality},
    )
    if created:
        user.set_unusable_password()
        user.save()
        user.groups.add(Group.objects.get(name=Role.LOCALITY_LEAD.value))
    return user


@override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend")
def load_demo_evidence() -> int:
    from improved_access.demo import plan_as_evidence
    from improved_access.models import PLAN_ITEMS

    if Evidence.objects.exists():
        return 0
    reviewer = User.objects.get(username="commissioner")
    items = {item.number: item for item in ChecklistItem.objects.all()}
    made = 0
    with transaction.atomic():
        for code, steps in STAGES.items():
            locality = Locality.objects.filter(code=code).first()
            if locality is None:
                continue
            lead = stand_in_lead(locality)
            for number, step in steps.items():
                item = items[number]
                statement = STATEMENT.format(number=number, locality=locality.name)
                if number in PLAN_ITEMS.values():  # the evidence is the locality's IA plan: its review is the item's
                    plan_as_evidence(locality, number, step, lead=lead, reviewer=reviewer)
                    made += 1
                    continue
                if step == "draft":
                    evidence_save_draft(locality, item, actor=lead, statement=statement)
                    made += 1
                    continue
                evidence = evidence_submit(locality, item, actor=lead, statement=statement)
                if step == "accept":
                    evidence_accept(evidence, actor=reviewer)
                elif step == "return":
                    evidence_return(evidence, actor=reviewer, reason="Please add the signed ratification minutes.")
                made += 1
    return made


# (locality code, tranche code): the state the demo leaves the release in. The rest stay proposed.
RELEASE_STAGES = {
    ("sbris", "T1"): "paid",
    ("sglos", "T1"): "paid",
    ("icebris", "T1"): "authorised",
    ("icebris", "T2a"): "approved",
    ("wwv", "T1"): "rejected",
}


def stand_in_approver() -> User:
    """A second commissioner (who cannot log in): the demo commissioner accepted the evidence, so cannot approve."""
    user, created = User.objects.get_or_create(
        username="demo.approver",
        defaults={
            "first_name": "Demo",
            "last_name": "Approver",
            "commissioner": Commissioner.objects.get(code="15C"),
            "is_staff": True,
        },
    )
    if created:
        user.set_unusable_password()
        user.save()
        user.groups.add(Group.objects.get(name=Role.COMMISSIONER.value))
    return user


def load_demo_releases(at: datetime.date | None = None) -> int:
    """Propose what is due, then walk some releases on: two paid in a payment run, one authorised, one approved,
    one rejected. Returns how many releases it moved on (0 if a payment run or a decision exists already)."""
    if not Tranche.objects.exists() or Release.objects.exclude(state="proposed").exists():
        return 0
    from django.utils import timezone

    evaluate_milestones(at or timezone.localdate(), trigger="demo data")
    approver = stand_in_approver()
    finance = User.objects.get(username="finance")
    releases = {
        (r.locality.code, r.tranche.code): r
        for r in Release.objects.filter(kind=ReleaseKind.RELEASE).select_related("locality", "tranche")
    }
    moved = 0
    to_pay = []
    with transaction.atomic():
        for key, stage in RELEASE_STAGES.items():
            release = releases.get(key)
            if release is None:
                continue
            if stage == "rejected":
                release_reject(release, actor=approver, reason="Demo: the inter-practice agreement is not yet signed.")
            else:
                # A late release (the demo's evidence is accepted today, after the paper's due dates) or one under
                # the minimum is approved with the reason recorded, as a commissioner would.
                reason = "Demo: agreed at the primary care panel although late." if release.needs_exception else ""
                release = release_approve(release, actor=approver, reason=reason)
                if stage in {"authorised", "paid"} and release.state == "approved":
                    release = release_authorise(release, actor=finance)
                if stage == "paid":
                    to_pay.append(release)
            moved += 1
        if to_pay:
            run = payment_run_create(
                Commissioner.objects.get(code="15C"), actor=finance, name="LTS tranche 1 (demo)", cost_centre="LTS001"
            )
            payment_run_add(run, to_pay, actor=finance)
            payment_run_lock(run, actor=finance)
            payment_run_mark_paid(run, actor=finance)
    return moved
