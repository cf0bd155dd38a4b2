"""Demo Improved Access data on the BNSSG localities: South Bristol compliant in every quarter of 2018/19, Woodspring
not (its plan returned: no Sunday, a short Friday evening, only pre-bookable sessions, two declarations not yet
accepted), and South Bristol's 2018Q1 activity.

A locality's IA plan is the evidence for checklist items 1.7 (phase 1) and 2.4 (phase 2): the LTS demo submits or
accepts 1.7 through plan_as_evidence() (the plan's own transitions), and load_demo() then takes South Bristol
through what the scheme asks before a quarter is paid: every phase 1 item accepted (1.6 resubmitted and accepted),
the phase 1 plan accepted by 1 April 2018, the phase 2 plan accepted by 1 July 2018. All through the transitions;
then the demo dates those steps in 2017/18 (backdate()), because compliance counts an acceptance only from its day
and the demo's quarters are 2018's. Finally it evaluates 2018Q1-2018Q4, proposing South Bristol's four releases, and
pays its 2018Q1 release through the ledger's transitions (pay_one_quarter()): approved by the second commissioner (who
accepted none of its plans or items), authorised by finance (it is above the delegated limit), then a payment run
created, locked and marked paid. 2018Q2-2018Q4 stay proposed.

load_demo() is called by the demo loader after the demo users and the LTS demo evidence exist; it does nothing if
Woodspring has a plan already.
"""

import datetime

from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from funding.models import (
    ChecklistItem,
    Evidence,
    EvidenceStatus,
    EvidenceTransition,
    Release,
    ReleaseKind,
    ReleaseState,
)
from localities.models import Commissioner, Locality
from onecare.accounts.models import User

from .editing import plan_ensure
from .models import (
    LTS_SCHEME,
    PLAN_ITEMS,
    ActivityReturn,
    Appointment,
    Booking,
    ClinicianType,
    DeclarationKind,
    DeclarationStatus,
    Phase,
    Plan,
    PlanStatus,
    Session,
    defaults_ensure,
)
from .quarters import Quarter

APRIL_2018 = datetime.date(2018, 4, 1)
ACCEPTED_AT = timezone.make_aware(datetime.datetime(2018, 3, 28, 10, 0))
T = datetime.time
PRE, SAME_DAY, BOTH = Booking.PRE_BOOKABLE, Booking.SAME_DAY, Booking.BOTH

# (site, is hub, days, start, end, clinicians, booking): each clinician is a session of its own. The hubs offer
# pre-bookable and same-day slots; the practices' evenings are pre-bookable; Sunday is same-day.
COMPLIANT = [
    ("Knowle West Health Park", True, range(5), T(18, 30), T(20, 0), [ClinicianType.GP, ClinicianType.NURSE], BOTH),
    ("Hartcliffe Health Centre", True, range(5), T(18, 30), T(20, 0), [ClinicianType.GP, ClinicianType.ANP], BOTH),
    ("Bishopsworth Surgery", False, range(5), T(18, 30), T(20, 0), [ClinicianType.GP, ClinicianType.NURSE], PRE),
    ("Wells Road Surgery", False, range(5), T(18, 30), T(20, 0), [ClinicianType.GP, ClinicianType.HCA], PRE),
    ("Knowle West Health Park", True, [5], T(9, 0), T(17, 0), [ClinicianType.GP, ClinicianType.NURSE], BOTH),
    ("Hartcliffe Health Centre", True, [5], T(9, 0), T(17, 0), [ClinicianType.GP, ClinicianType.PHARMACIST], BOTH),
    ("Knowle West Health Park", True, [6], T(10, 0), T(14, 0), [ClinicianType.GP, ClinicianType.NURSE], SAME_DAY),
]
# Phase 2 (from 1 July 2018) grows towards 45 minutes per 1,000 registered patients (7,860 minutes a week for
# 163,506: 48.0): a fifth evening site, a Saturday morning at Bishopsworth and a second Sunday hub.
PHASE_TWO = [
    *COMPLIANT,
    ("Bedminster Family Practice", False, range(5), T(18, 30), T(20, 0), [ClinicianType.GP, ClinicianType.NURSE], PRE),
    ("Bishopsworth Surgery", False, [5], T(9, 0), T(13, 0), [ClinicianType.GP, ClinicianType.NURSE], PRE),
    ("Hartcliffe Health Centre", True, [6], T(10, 0), T(14, 0), [ClinicianType.GP, ClinicianType.NURSE], SAME_DAY),
]
NOT_COMPLIANT = [
    ("Clevedon Medical Centre", True, range(4), T(18, 30), T(20, 0), [ClinicianType.GP, ClinicianType.NURSE], PRE),
    ("Clevedon Medical Centre", True, [4], T(18, 30), T(19, 30), [ClinicianType.GP], PRE),
    ("Portishead Health Centre", True, [5], T(9, 0), T(13, 0), [ClinicianType.GP, ClinicianType.NURSE], PRE),
]
TIMETABLES = {("sbris", Phase.ONE): COMPLIANT, ("sbris", Phase.TWO): PHASE_TWO, ("wood", Phase.ONE): NOT_COMPLIANT}
EVIDENCE = {
    DeclarationKind.ADVERTISING: "Posters in every waiting room, practice websites and the CCG's leaflet.",
    DeclarationKind.RECEPTIONISTS: "Every practice's reception team books hub appointments through EMIS shared slots.",
    DeclarationKind.EQUAL_CHOICE: "Evening and weekend slots are offered alongside core-hours slots.",
    DeclarationKind.DIGITAL: "Online booking of hub slots through the NHS App; telephone and video consultations.",
    DeclarationKind.INEQUALITIES: "Extra Saturday sessions in Hartcliffe and Knowle West for the most deprived areas.",
    DeclarationKind.URGENT_CARE: "NHS 111 and the urgent care centre can book directly into evening slots.",
    DeclarationKind.MEASUREMENT: "The national appointment measurement tool runs at every site since 1 April 2018.",
}


def _sessions(plan: Plan, rows, actor) -> list[Session]:
    sessions = [
        Session(
            plan=plan,
            site=site,
            is_hub=hub,
            day=day,
            starts_at=start,
            ends_at=end,
            clinician_type=clinician,
            appointment_minutes=15,
            booking=kind,
            valid_from=plan.starts_on,
        )
        for site, hub, days, start, end, clinicians, kind in rows
        for day in days
        for clinician in clinicians
    ]
    return bulk_create_with_history(sessions, Session, default_user=actor, default_change_reason="Demo data")


def _declare(plan: Plan, lead, commissioner, pending: set, at: datetime.datetime = ACCEPTED_AT) -> None:
    # Written directly rather than through transitions.declaration_*: compliance counts a declaration
    # only from the day it was accepted, so the demo's must be dated in 2018, not today.
    for declaration in plan.declarations.all():
        declaration.evidence = EVIDENCE[declaration.kind]
        declaration.status = DeclarationStatus.SUBMITTED if declaration.kind in pending else DeclarationStatus.ACCEPTED
        declaration.submitted_by, declaration.submitted_at = lead, at
        if declaration.status == DeclarationStatus.ACCEPTED:
            declaration.reviewed_by, declaration.reviewed_at = commissioner, at
        declaration._history_user = commissioner
        declaration._change_reason = "Demo data"
        declaration.save()


def _activity(locality: Locality, sessions: list[Session], lead) -> None:
    """Every slot of every session in 2018Q1, about four in five booked and one in twelve not attended."""
    quarter = Quarter(2018, 1)
    activity_return = ActivityReturn(
        locality=locality, quarter=str(quarter), file_name="demo", uploaded_by=lead, uploaded_at=timezone.now()
    )
    activity_return.save()
    rows, n = [], 0
    day = quarter.start
    while day <= quarter.end:
        for session in sessions:
            if session.day != day.weekday():
                continue
            start = datetime.datetime.combine(day, session.starts_at)
            while start.time() < session.ends_at:
                n += 1
                booked = 0 if n % 5 == 0 else 1
                dna = 1 if booked and n % 12 == 0 else 0
                rows.append(
                    Appointment(
                        activity_return=activity_return,
                        date=day,
                        site=session.site,
                        slot_start=start.time(),
                        minutes=session.appointment_minutes,
                        booked=booked,
                        attended=booked - dna,
                        did_not_attend=dna,
                    )
                )
                start += datetime.timedelta(minutes=session.appointment_minutes)
        day += datetime.timedelta(days=1)
    Appointment.objects.bulk_create(rows, batch_size=2000)
    activity_return.rows = len(rows)
    activity_return.save(update_fields=["rows"])


def plan_as_evidence(locality: Locality, number: str, step: str, *, lead, reviewer) -> Plan:
    """The LTS demo's step for item 1.7 or 2.4, made on the locality's plan (its evidence): the plan is made with
    its demo timetable, submitted by the lead, and accepted or returned by the reviewer (step "submit", "accept"
    or "return"); the item follows the plan."""
    from .transitions import plan_accept, plan_return, plan_submit

    phase = next(phase for phase, item in PLAN_ITEMS.items() if item == number)
    plan = plan_ensure(locality, phase, actor=lead)
    rows = TIMETABLES.get((locality.code, phase))
    if rows and not plan.sessions.exists():
        _sessions(plan, rows, lead)
    plan = plan_submit(plan, actor=lead)
    if step == "accept":
        plan = plan_accept(plan, actor=reviewer)
    elif step == "return":
        plan = plan_return(plan, actor=reviewer, reason="Please add the hub rota for Saturdays and Sundays.")
    return plan


def _at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, 0)))


def backdate(locality: Locality, numbers: dict[str, list[datetime.date]], plans: dict[int, tuple]) -> None:
    """Date the demo's steps in 2017/18: each item's transitions in order (the dates given), its submitted and
    reviewed times from them; each plan's submitted and reviewed times (phase: (submitted, reviewed))."""
    for evidence in Evidence.objects.filter(locality=locality, item__number__in=numbers).select_related("item"):
        days = numbers[evidence.item.number]
        moves = list(EvidenceTransition.objects.filter(evidence=evidence).order_by("at", "pk"))
        for move, day in zip(moves, days, strict=False):
            EvidenceTransition.objects.filter(pk=move.pk).update(at=_at(day))
            if move.to_status == EvidenceStatus.SUBMITTED:
                Evidence.objects.filter(pk=evidence.pk).update(submitted_at=_at(day))
            elif move.to_status in (EvidenceStatus.ACCEPTED, EvidenceStatus.RETURNED):
                Evidence.objects.filter(pk=evidence.pk).update(reviewed_at=_at(day))
    for phase, (submitted, reviewed) in plans.items():
        Plan.objects.filter(locality=locality, phase=phase).update(
            submitted_at=_at(submitted), reviewed_at=_at(reviewed)
        )


# South Bristol's year: phase 1 items submitted and accepted before the 31/12/2017 deadline (1.6 returned,
# resubmitted in January and accepted), the phase 1 plan accepted in March 2018, the phase 2 plan in June 2018.
DEC_15, DEC_20 = datetime.date(2017, 12, 15), datetime.date(2017, 12, 20)
SOUTH_BRISTOL_ITEMS = {
    **{n: [DEC_15, DEC_20] for n in ("1.1", "1.2", "1.3", "1.4", "1.5")},
    "1.6": [DEC_15, DEC_20, datetime.date(2018, 1, 15), datetime.date(2018, 1, 22)],
    "1.7": [datetime.date(2018, 3, 20), datetime.date(2018, 3, 28)],
    "2.4": [datetime.date(2018, 6, 18), datetime.date(2018, 6, 25)],
}
SOUTH_BRISTOL_PLANS = {
    Phase.ONE: (datetime.date(2018, 3, 20), datetime.date(2018, 3, 28)),
    Phase.TWO: (datetime.date(2018, 6, 18), datetime.date(2018, 6, 25)),
}
DEMO_QUARTERS = [Quarter(2018, 1), Quarter(2018, 2), Quarter(2018, 3), Quarter(2018, 4)]


def _south_bristol(south: Locality, lead, commissioner) -> Plan:
    """South Bristol meets every condition of the scheme: through the transitions, then dated in 2017/18."""
    from funding.transitions import evidence_accept, evidence_submit

    from .transitions import plan_accept

    six = ChecklistItem.objects.filter(phase__scheme__code=LTS_SCHEME, number="1.6").first()
    returned = Evidence.objects.filter(locality=south, item=six, status=EvidenceStatus.RETURNED).first()
    if returned is not None:
        statement = f"{returned.statement} The signed ratification minutes of 10 January 2018 are attached."
        evidence_accept(evidence_submit(south, six, actor=lead, statement=statement), actor=commissioner)
    first = Plan.objects.filter(locality=south, phase=Phase.ONE).first()
    if first is None or first.status != PlanStatus.SUBMITTED:
        first = plan_as_evidence(south, PLAN_ITEMS[Phase.ONE], "submit", lead=lead, reviewer=commissioner)
    _declare(first, lead, commissioner, pending=set())
    plan_accept(first, actor=commissioner)
    second = plan_ensure(south, Phase.TWO, actor=lead)
    _declare(second, lead, commissioner, pending=set(), at=_at(SOUTH_BRISTOL_PLANS[Phase.TWO][1]))
    plan_as_evidence(south, PLAN_ITEMS[Phase.TWO], "accept", lead=lead, reviewer=commissioner)
    backdate(south, SOUTH_BRISTOL_ITEMS, SOUTH_BRISTOL_PLANS)
    return first


def _woodspring(wood: Locality, commissioner) -> Plan:
    """Woodspring's phase 1 plan (its item 1.7) submitted in March 2018 and returned: no Sunday, a short Friday
    evening, only pre-bookable sessions; two declarations still waiting for review."""
    from funding.demo import stand_in_lead

    lead = stand_in_lead(wood)
    plan = plan_as_evidence(wood, PLAN_ITEMS[Phase.ONE], "return", lead=lead, reviewer=commissioner)
    _declare(plan, lead, commissioner, pending={DeclarationKind.DIGITAL, DeclarationKind.MEASUREMENT})
    backdate(wood, {"1.7": [WOOD_SUBMITTED, WOOD_RETURNED]}, {Phase.ONE: (WOOD_SUBMITTED, WOOD_RETURNED)})
    return plan


WOOD_SUBMITTED, WOOD_RETURNED = datetime.date(2018, 3, 21), datetime.date(2018, 3, 27)


PAID_QUARTER = Quarter(2018, 1)


def pay_one_quarter(locality: Locality) -> Release | None:
    """South Bristol's 2018Q1 payment, through the real transitions as funding.demo pays LTS tranche 1."""
    from funding.demo import stand_in_approver
    from funding.payment_runs import payment_run_add, payment_run_create, payment_run_lock, payment_run_mark_paid
    from funding.release_transitions import release_approve, release_authorise

    release = (
        Release.objects.filter(
            locality=locality,
            kind=ReleaseKind.RELEASE,
            tranche__scheme__code="ia",
            tranche__code=str(PAID_QUARTER),
            state=ReleaseState.PROPOSED,
        )
        .select_related("locality", "tranche")
        .first()
    )
    if release is None:
        return None
    approver = User.objects.filter(username="approver").first() or stand_in_approver()
    finance = User.objects.get(username="finance")
    reason = "Demo: agreed at the primary care panel although late." if release.needs_exception else ""
    release = release_approve(release, actor=approver, reason=reason)
    if release.state == ReleaseState.APPROVED:  # above the delegated limit: finance's second approval
        release = release_authorise(release, actor=finance)
    run = payment_run_create(
        Commissioner.objects.get(code="15C"),
        actor=finance,
        name=f"Improved Access {PAID_QUARTER} (demo)",
        cost_centre="IA001",
    )
    payment_run_add(run, [release], actor=finance)
    payment_run_lock(run, actor=finance)
    payment_run_mark_paid(run, actor=finance)
    release.refresh_from_db()
    return release


def load_demo() -> int:
    """Plans for South Bristol (compliant) and Woodspring (not); returns how many plans it made (0 if Woodspring
    has one already)."""
    from .payments import IAPaymentError, evaluate_improved_access

    defaults_ensure()
    if Plan.objects.filter(locality__code="wood").exists():
        return 0
    localities = {loc.code: loc for loc in Locality.objects.filter(code__in=["sbris", "wood"])}
    if len(localities) < 2:
        return 0
    users = {u.username: u for u in User.objects.filter(username__in=["locality.lead", "commissioner"])}
    lead, commissioner = users.get("locality.lead"), users.get("commissioner")
    if lead is None or commissioner is None:
        return 0
    before = Plan.objects.count()
    with transaction.atomic():
        south = _south_bristol(localities["sbris"], lead, commissioner)
        _activity(localities["sbris"], list(south.sessions.all()), lead)
        _woodspring(localities["wood"], commissioner)
        for quarter in DEMO_QUARTERS:
            try:
                evaluate_improved_access(quarter, trigger="demo data")
            except IAPaymentError:  # a quarter not started yet (a clock set before 2019)
                continue
        if User.objects.filter(username="finance").exists():
            pay_one_quarter(localities["sbris"])
    return Plan.objects.count() - before
