"""Demo Improved Access data on the BNSSG localities: South Bristol compliant, Woodspring not (no Sunday,
a short Friday evening, two declarations not yet accepted), and South Bristol's 2018Q1 activity.

load_demo() is called by the demo loader after the demo users exist; it does nothing if a plan exists.
"""

import datetime

from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from localities.models import Locality
from onecare.accounts.models import User

from .editing import plan_ensure
from .models import (
    ActivityReturn,
    Appointment,
    Booking,
    ClinicianType,
    DeclarationKind,
    DeclarationStatus,
    Plan,
    PlanStatus,
    Session,
    defaults_ensure,
)
from .quarters import Quarter

APRIL_2018 = datetime.date(2018, 4, 1)
ACCEPTED_AT = timezone.make_aware(datetime.datetime(2018, 3, 28, 10, 0))
T = datetime.time

# (site, is hub, days, start, end, clinicians): each clinician is a session of its own.
COMPLIANT = [
    ("Knowle West Health Park", True, range(5), T(18, 30), T(20, 0), [ClinicianType.GP, ClinicianType.NURSE]),
    ("Hartcliffe Health Centre", True, range(5), T(18, 30), T(20, 0), [ClinicianType.GP, ClinicianType.ANP]),
    ("Bishopsworth Surgery", False, range(5), T(18, 30), T(20, 0), [ClinicianType.GP, ClinicianType.NURSE]),
    ("Wells Road Surgery", False, range(5), T(18, 30), T(20, 0), [ClinicianType.GP, ClinicianType.HCA]),
    ("Knowle West Health Park", True, [5], T(9, 0), T(17, 0), [ClinicianType.GP, ClinicianType.NURSE]),
    ("Hartcliffe Health Centre", True, [5], T(9, 0), T(17, 0), [ClinicianType.GP, ClinicianType.PHARMACIST]),
    ("Knowle West Health Park", True, [6], T(10, 0), T(14, 0), [ClinicianType.GP, ClinicianType.NURSE]),
]
NOT_COMPLIANT = [
    ("Clevedon Medical Centre", True, range(4), T(18, 30), T(20, 0), [ClinicianType.GP, ClinicianType.NURSE]),
    ("Clevedon Medical Centre", True, [4], T(18, 30), T(19, 30), [ClinicianType.GP]),
    ("Portishead Health Centre", True, [5], T(9, 0), T(13, 0), [ClinicianType.GP, ClinicianType.NURSE]),
]
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
            booking=Booking.BOTH,
            valid_from=plan.starts_on,
        )
        for site, hub, days, start, end, clinicians in rows
        for day in days
        for clinician in clinicians
    ]
    return bulk_create_with_history(sessions, Session, default_user=actor, default_change_reason="Demo data")


def _declare(plan: Plan, lead, commissioner, pending: set) -> None:
    # Written directly rather than through transitions.declaration_*: compliance counts a declaration
    # only from the day it was accepted, so the demo's must be dated in 2018, not today.
    for declaration in plan.declarations.all():
        declaration.evidence = EVIDENCE[declaration.kind]
        declaration.status = DeclarationStatus.SUBMITTED if declaration.kind in pending else DeclarationStatus.ACCEPTED
        declaration.submitted_by, declaration.submitted_at = lead, ACCEPTED_AT
        if declaration.status == DeclarationStatus.ACCEPTED:
            declaration.reviewed_by, declaration.reviewed_at = commissioner, ACCEPTED_AT
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


def load_demo() -> int:
    """Plans for South Bristol (compliant) and Woodspring (not); returns how many plans it made (0 if any exist)."""
    defaults_ensure()
    if Plan.objects.exists():
        return 0
    localities = {loc.code: loc for loc in Locality.objects.filter(code__in=["sbris", "wood"])}
    if len(localities) < 2:
        return 0
    users = {u.username: u for u in User.objects.filter(username__in=["locality.lead", "commissioner"])}
    lead, commissioner = users.get("locality.lead"), users.get("commissioner")
    with transaction.atomic():
        south = plan_ensure(localities["sbris"], 1, actor=lead)
        south.status, south.submitted_by, south.submitted_at = PlanStatus.ACCEPTED, lead, ACCEPTED_AT
        south.reviewed_by, south.reviewed_at = commissioner, ACCEPTED_AT
        south._history_user = commissioner
        south.save()
        sessions = _sessions(south, COMPLIANT, lead)
        _declare(south, lead, commissioner, pending=set())
        _activity(localities["sbris"], sessions, lead)
        wood = plan_ensure(localities["wood"], 1, actor=None)
        _sessions(wood, NOT_COMPLIANT, None)
        _declare(wood, None, commissioner, pending={DeclarationKind.DIGITAL, DeclarationKind.MEASUREMENT})
    return 2
