"""Demo Improved Access data on the BNSSG localities: South Bristol compliant in every quarter of 2018/19, Woodspring
not (its plan returned: no Sunday, a short Friday evening, only pre-bookable sessions, two declarations not yet
accepted), and South Bristol's 2018Q1 activity.

A locality's IA plan is the evidence for checklist items 1.7 (phase 1) and 2.4 (phase 2): the LTS demo submits or
accepts 1.7 through plan_as_evidence() (the plan's own transitions), and load_demo() then takes South Bristol
through what the scheme asks before a quarter is paid: every phase 1 item accepted (1.6 resubmitted and accepted in
January 2018), the phase 1 plan and its declarations accepted in March 2018, the phase 2 plan in June 2018. Every
step goes through the transitions on its own day (devdata.demo.funding.demo_clock), because compliance counts an
acceptance
only from its day and the demo's quarters are 2018/19's. Then it evaluates 2018Q1-2018Q4, each on the night after
the quarter ends (2018Q4's on 01/04/2019), proposing South Bristol's four releases, and pays its 2018Q1 release
through the ledger's transitions (pay_one_quarter()): approved by the second commissioner (who accepted none of its
plans or items) on 09/07/2018, authorised by finance the next day (it is above the delegated limit), then a payment
run made and locked on 16/07/2018 and paid on the CCG's pay date, 20/07/2018. 2018Q2-2018Q4 stay proposed.

load_demo() is called by the demo loader after the demo users and the LTS demo evidence exist; it does nothing if
Woodspring has a plan already.
"""

import datetime
from contextlib import nullcontext

from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from devdata.demo.funding import demo_clock, on
from funding.models import ChecklistItem, Evidence, EvidenceStatus, Release, ReleaseKind, ReleaseState
from improved_access.editing import plan_ensure
from improved_access.models import (
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
from improved_access.quarters import Quarter
from localities.models import Commissioner, Locality
from onecare.accounts.models import User

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


def _declarations_submit(plan: Plan, lead) -> None:
    """The lead submits each declaration still to submit, with its demo evidence (before the plan: IA.md)."""
    from improved_access.transitions import declaration_submit

    for declaration in plan.declarations.all():
        if declaration.status in (DeclarationStatus.DRAFT, DeclarationStatus.RETURNED):
            declaration_submit(declaration, actor=lead, evidence=EVIDENCE[declaration.kind])


def _declarations_accept(plan: Plan, commissioner, pending: set) -> None:
    """The commissioner accepts each submitted declaration but those left pending."""
    from improved_access.transitions import declaration_accept

    for declaration in plan.declarations.all():
        if declaration.status == DeclarationStatus.SUBMITTED and declaration.kind not in pending:
            declaration_accept(declaration, actor=commissioner)


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


def _clock(day: datetime.date | None, hour: int, minute: int = 0):
    return demo_clock(on(day, hour, minute)) if day else nullcontext()


def plan_as_evidence(
    locality: Locality,
    number: str,
    step: str,
    *,
    lead,
    reviewer,
    on_days: tuple[datetime.date | None, datetime.date | None] = (None, None),
    pending: frozenset = frozenset(),
) -> Plan:
    """The LTS demo's step for item 1.7 or 2.4, made on the locality's plan (its evidence): the plan is made with
    its demo timetable (if it has one), its declarations and then the plan submitted by the lead, and accepted or
    returned by the reviewer (step "submit", "accept" or "return") with the declarations not `pending`; the item
    follows the plan.
    on_days: the days it is submitted and reviewed (none: today)."""
    from improved_access.transitions import plan_accept, plan_return, plan_submit

    submitted, reviewed = on_days
    phase = next(phase for phase, item in PLAN_ITEMS.items() if item == number)
    rows = TIMETABLES.get((locality.code, phase))
    with _clock(submitted, 9):
        plan = plan_ensure(locality, phase, actor=lead)
        if rows and not plan.sessions.exists():
            _sessions(plan, rows, lead)
    with _clock(submitted, 10):
        _declarations_submit(plan, lead)  # every declaration before the plan (the transition insists: IA.md)
        plan = plan_submit(plan, actor=lead)
    if step not in ("accept", "return"):
        return plan
    with _clock(reviewed, 14):
        _declarations_accept(plan, reviewer, pending)
        if step == "accept":
            plan = plan_accept(plan, actor=reviewer)
        else:
            plan = plan_return(plan, actor=reviewer, reason="Please add the hub rota for Saturdays and Sundays.")
    return plan


# South Bristol's year: phase 1 items submitted and accepted before the 31/12/2017 deadline (1.6 returned, resubmitted
# in January and accepted; devdata.demo.funding), the phase 1 plan accepted in March 2018, the phase 2 plan in June
# 2018.
D = datetime.date
SIX_RESUBMITTED = (D(2018, 1, 15), D(2018, 1, 22))
SOUTH_BRISTOL_PLANS = {Phase.ONE: (D(2018, 3, 20), D(2018, 3, 28)), Phase.TWO: (D(2018, 6, 18), D(2018, 6, 25))}
WOODSPRING_PLAN = (D(2018, 3, 21), D(2018, 3, 27))
# Each quarter is evaluated on the night after it ends (the quarterly schedule), and the demo's run of the whole
# year commits on the night of the phase 1 plan's acceptance, before the first quarter starts.
DEMO_QUARTERS = [Quarter(2018, 1), Quarter(2018, 2), Quarter(2018, 3), Quarter(2018, 4)]
PLANS_COMMITTED_AT = on(D(2018, 3, 29), 2)


def _south_bristol(south: Locality, lead, commissioner) -> Plan:
    """South Bristol meets every condition of the scheme: each step through its transition on its day."""
    from funding.transitions import evidence_accept, evidence_submit
    from improved_access.transitions import plan_accept

    six = ChecklistItem.objects.filter(phase__scheme__code=LTS_SCHEME, number="1.6").first()
    returned = Evidence.objects.filter(locality=south, item=six, status=EvidenceStatus.RETURNED).first()
    if returned is not None:
        statement = f"{returned.statement} The signed ratification minutes of 10 January 2018 are attached."
        with _clock(SIX_RESUBMITTED[0], 10):
            resubmitted = evidence_submit(south, six, actor=lead, statement=statement)
        with _clock(SIX_RESUBMITTED[1], 14):
            evidence_accept(resubmitted, actor=commissioner)
    submitted, accepted = SOUTH_BRISTOL_PLANS[Phase.ONE]
    first = Plan.objects.filter(locality=south, phase=Phase.ONE).first()
    if first is None or first.status != PlanStatus.SUBMITTED:
        first = plan_as_evidence(
            south, PLAN_ITEMS[Phase.ONE], "submit", lead=lead, reviewer=commissioner, on_days=(submitted, None)
        )
    with _clock(accepted - datetime.timedelta(days=1), 14):
        _declarations_accept(first, commissioner, pending=set())
    with _clock(accepted, 10):
        first = plan_accept(first, actor=commissioner)
    plan_as_evidence(
        south, PLAN_ITEMS[Phase.TWO], "accept", lead=lead, reviewer=commissioner, on_days=SOUTH_BRISTOL_PLANS[Phase.TWO]
    )
    return first


def _woodspring(wood: Locality, commissioner) -> Plan:
    """Woodspring's phase 1 plan (its item 1.7) submitted in March 2018 and returned: no Sunday, a short Friday
    evening, only pre-bookable sessions; two declarations still waiting for review."""
    from devdata.demo.funding import stand_in_lead

    lead = stand_in_lead(wood)
    return plan_as_evidence(
        wood,
        PLAN_ITEMS[Phase.ONE],
        "return",
        lead=lead,
        reviewer=commissioner,
        on_days=WOODSPRING_PLAN,
        pending=frozenset({DeclarationKind.DIGITAL, DeclarationKind.MEASUREMENT}),
    )


PAID_QUARTER = Quarter(2018, 1)
# 2018Q1's payment: approved, authorised the next day, the run made and locked on the Monday of the pay week, paid on
# the CCG's pay date (the 20th).
PAID_STEPS = {"approved": D(2018, 7, 9), "authorised": D(2018, 7, 10), "locked": D(2018, 7, 16), "paid": D(2018, 7, 20)}


def evaluated_on(quarter: Quarter) -> datetime.datetime:
    """The quarterly schedule's run for a quarter: the night after it ends."""
    return on(quarter.end + datetime.timedelta(days=1), 2)


def pay_one_quarter(locality: Locality) -> Release | None:
    """South Bristol's 2018Q1 payment, through the real transitions as devdata.demo.funding pays LTS tranche 1, each
    step on its day in July 2018."""
    from devdata.demo.funding import stand_in_approver
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
    with _clock(PAID_STEPS["approved"], 11):
        release = release_approve(release, actor=approver, reason=reason)
    if release.state == ReleaseState.APPROVED:  # above the delegated limit: finance's second approval
        with _clock(PAID_STEPS["authorised"], 15):
            release = release_authorise(release, actor=finance)
    with _clock(PAID_STEPS["locked"], 9):
        run = payment_run_create(
            Commissioner.objects.get(code="15C"),
            actor=finance,
            name=f"Improved Access {PAID_QUARTER} (demo)",
            cost_centre="IA001",
            pay_date=PAID_STEPS["paid"],
        )
        payment_run_add(run, [release], actor=finance)
    with _clock(PAID_STEPS["locked"], 16):
        payment_run_lock(run, actor=finance)
    with _clock(PAID_STEPS["paid"], 12):
        payment_run_mark_paid(run, actor=finance)
    release.refresh_from_db()
    return release


def load_demo() -> int:
    """Plans for South Bristol (compliant) and Woodspring (not), South Bristol's 2018Q1 activity, the four quarters
    evaluated and 2018Q1 paid; returns how many plans it made (0 if Woodspring has one already)."""
    from improved_access.payments import IAPaymentError, evaluate_improved_access

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
    # The plans in one transaction; what their acceptances queue on commit runs on PLANS_COMMITTED_AT.
    with demo_clock(PLANS_COMMITTED_AT), transaction.atomic():
        south = _south_bristol(localities["sbris"], lead, commissioner)
        with _clock(PAID_QUARTER.end + datetime.timedelta(days=4), 9):
            _activity(localities["sbris"], list(south.sessions.all()), lead)
        _woodspring(localities["wood"], commissioner)
    # Then each quarter on its night, and 2018Q1's payment, each step committing on its own day.
    for quarter in DEMO_QUARTERS:
        when = evaluated_on(quarter)
        if when > timezone.now():  # a quarter not ended yet (a clock set before April 2019): not evaluated
            continue
        with demo_clock(when):
            try:
                evaluate_improved_access(quarter, today=timezone.localdate(), trigger="demo data")
            except IAPaymentError:
                continue
    if User.objects.filter(username="finance").exists():
        pay_one_quarter(localities["sbris"])
    return Plan.objects.count() - before
