"""Demo evidence and money: localities at different stages of the checklist and of their releases,
made through the real transitions, each step on its day in 2017/18 or 2018/19.

Call load_demo_evidence() after the demo users exist (and outside any open transaction, so the
notification tasks queued on commit run under the dummy mail backend), then load_demo_releases()
(needs fixtures/lts_tranches.json loaded). Each does nothing if its records exist already, so both
are safe to run on every `load_demo_data`.

The dates: evidence is submitted and reviewed between November 2017 and March 2018 (the phase 1 deadline was
31/12/2017); the evaluation that proposes the releases runs overnight on 03/04/2018, the first working day of the
merged CCG (15C) after Easter; approvals follow in April to June 2018, and each payment run is locked on the Monday
of the CCG's pay week and paid on the month's pay date (the 20th, or the Friday before when the 20th is a weekend).
Every step still goes through its transition function: demo_clock() only tells the transitions what day it is.
"""

import datetime
from collections.abc import Iterator
from contextlib import contextmanager

from django.contrib.auth.models import Group
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from funding.evaluation import evaluate_milestones
from funding.models import ChecklistItem, Evidence, Release, ReleaseKind, Tranche
from funding.payment_runs import payment_run_add, payment_run_create, payment_run_lock, payment_run_mark_paid
from funding.release_transitions import release_approve, release_authorise, release_reject
from funding.transitions import evidence_accept, evidence_return, evidence_save_draft, evidence_submit
from localities.models import Commissioner, Locality
from onecare.accounts.models import User
from onecare.accounts.roles import Role


@contextmanager
def demo_clock(at: datetime.datetime) -> Iterator[None]:
    """Demo data only: while the block runs, django.utils.timezone.now() (and with it localdate(), auto_now fields,
    history records and every transition's "now") reads `at`, moving on as real time does. The demo loaders take
    each step through the real transition functions inside one of these, so a release approved in April 2018 says
    so. Nothing but the demo loaders may use it: the portal's own clock is never moved."""
    real_now = timezone.now
    started = real_now()
    timezone.now = lambda: at + (real_now() - started)
    try:
        yield
    finally:
        timezone.now = real_now


def on(day: datetime.date, hour: int = 10, minute: int = 0) -> datetime.datetime:
    """A working-day moment of the demo, Europe/London."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


D = datetime.date
PHASE_1 = ["1.1", "1.2", "1.3", "1.4", "1.5", "1.6", "1.7"]

# locality code: {item number: (what happens to it, the day it is saved or submitted, the day it is reviewed)}
STAGES = {
    "sbris": {
        **{n: ("accept", D(2017, 12, 15), D(2017, 12, 20)) for n in PHASE_1[:5]},
        "1.6": ("return", D(2017, 12, 15), D(2017, 12, 20)),
        "1.7": ("submit", D(2018, 3, 20), None),
        "2.1": ("draft", D(2018, 3, 26), None),
    },
    "icebris": {
        **{n: ("accept", D(2017, 12, 4), D(2017, 12, 11)) for n in PHASE_1},
        "2.1": ("accept", D(2018, 2, 5), D(2018, 2, 12)),
        "2.2": ("submit", D(2018, 3, 19), None),
    },
    "nwbris": {n: ("submit", D(2018, 1, 8), None) for n in PHASE_1[:3]},
    "wwv": {"1.1": ("draft", D(2018, 1, 15), None)},
    "sglos": {n: ("accept", D(2017, 11, 27), D(2017, 12, 4)) for n in PHASE_1},
}
STATEMENT = "Demo evidence for {number} from {locality}: see the attached agreement and minutes."
# The nightly evaluation that proposes the demo's releases (and, in `make run`, the evaluations the acceptances ask
# for, which run when the evidence's transaction commits).
EVALUATED_AT = on(D(2018, 4, 3), 2)


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
    from devdata.demo.improved_access import plan_as_evidence
    from improved_access.models import PLAN_ITEMS

    if Evidence.objects.exists():
        return 0
    reviewer = User.objects.get(username="commissioner")
    items = {item.number: item for item in ChecklistItem.objects.all()}
    made = 0
    # The evaluations the acceptances queue run on commit: on the night of EVALUATED_AT, as the demo's releases.
    with demo_clock(EVALUATED_AT), transaction.atomic():
        for code, steps in STAGES.items():
            locality = Locality.objects.filter(code=code).first()
            if locality is None:
                continue
            lead = stand_in_lead(locality)
            for number, (step, saved, reviewed) in steps.items():
                item = items[number]
                statement = STATEMENT.format(number=number, locality=locality.name)
                made += 1
                if number in PLAN_ITEMS.values():  # the evidence is the locality's IA plan: its review is the item's
                    plan_as_evidence(locality, number, step, lead=lead, reviewer=reviewer, on_days=(saved, reviewed))
                    continue
                with demo_clock(on(saved)):
                    if step == "draft":
                        evidence_save_draft(locality, item, actor=lead, statement=statement)
                        continue
                    evidence = evidence_submit(locality, item, actor=lead, statement=statement)
                if step not in ("accept", "return"):
                    continue
                with demo_clock(on(reviewed, 14)):
                    if step == "accept":
                        evidence_accept(evidence, actor=reviewer)
                    else:
                        evidence_return(evidence, actor=reviewer, reason="Please add the signed ratification minutes.")
    return made


# (locality code, tranche code): the state the demo leaves the release in, and the day of each step. The rest stay
# proposed. Above the delegated limit (£50,000.00) finance authorises the day after the approval.
RELEASE_STAGES = {
    ("sglos", "T1"): ("paid", D(2018, 4, 10)),
    ("wwv", "T1"): ("rejected", D(2018, 4, 10)),
    ("sbris", "T1"): ("paid", D(2018, 5, 8)),
    ("icebris", "T1"): ("authorised", D(2018, 5, 14)),
    ("icebris", "T2a"): ("approved", D(2018, 6, 4)),
}
# The payment runs: name, the releases on it, the day it is made and locked (the Monday of the pay week), the pay date.
PAYMENT_RUNS = [
    ("LTS April 2018 (demo)", [("sglos", "T1")], D(2018, 4, 16), D(2018, 4, 20)),
    ("LTS May 2018 (demo)", [("sbris", "T1")], D(2018, 5, 14), D(2018, 5, 18)),
]


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
    """Propose what is due (on the night of EVALUATED_AT unless `at` is given), then walk some releases on, each on
    its day: two paid in payment runs of April and May 2018, one authorised, one approved, one rejected. Returns how
    many releases it moved on (0 if a payment run or a decision exists already)."""
    if not Tranche.objects.exists() or Release.objects.exclude(state="proposed").exists():
        return 0
    evaluated = on(at, 2) if at else EVALUATED_AT
    with demo_clock(evaluated):
        evaluate_milestones(timezone.localdate(), trigger="demo data")
    approver = stand_in_approver()
    finance = User.objects.get(username="finance")
    releases = {
        (r.locality.code, r.tranche.code): r
        for r in Release.objects.filter(kind=ReleaseKind.RELEASE).select_related("locality", "tranche")
    }
    moved = 0
    # No transaction around the steps: each transition commits on its own day, so whatever it queues on commit runs
    # on that day too.
    for key, (stage, day) in RELEASE_STAGES.items():
        release = releases.get(key)
        if release is None:
            continue
        if stage == "rejected":
            with demo_clock(on(day, 11)):
                reason = "Demo: the inter-practice agreement is not yet signed."
                releases[key] = release_reject(release, actor=approver, reason=reason)
        else:
            # A late release or one under the minimum is approved with the reason recorded, as a commissioner
            # would (none of the demo's is: its evidence was accepted in time).
            reason = "Demo: agreed at the primary care panel although late." if release.needs_exception else ""
            with demo_clock(on(day, 11)):
                release = release_approve(release, actor=approver, reason=reason)
            if stage in {"authorised", "paid"} and release.state == "approved":
                with demo_clock(on(day + datetime.timedelta(days=1), 15)):
                    release = release_authorise(release, actor=finance)
            releases[key] = release
        moved += 1
    fifteen_c = Commissioner.objects.get(code="15C")
    for name, keys, locked, paid in PAYMENT_RUNS:
        to_pay = [releases[key] for key in keys if key in releases and releases[key].state == "authorised"]
        if not to_pay:
            continue
        with demo_clock(on(locked, 9)):
            run = payment_run_create(fifteen_c, actor=finance, name=name, cost_centre="LTS001", pay_date=paid)
            payment_run_add(run, to_pay, actor=finance)
        with demo_clock(on(locked, 16)):
            payment_run_lock(run, actor=finance)
        with demo_clock(on(paid, 12)):
            payment_run_mark_paid(run, actor=finance)
    return moved
