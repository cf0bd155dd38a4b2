"""Whether a locality meets the national IA requirements on a day, rule by rule, with the figure behind each.

Evenings count the time covered by at least one session after the evening start (parallel sessions do
not add up: the requirement is hours of provision); capacity counts every session's minutes (parallel
clinicians do add capacity). The timetable is the sessions valid on the day of the plan in force then
(the locality's latest plan started by that day); the capacity population is the registered population on the
day unless the rule's basis says weighted (payment stays per weighted head: improved_access.payments).
The scheme's own conditions are rules too: every phase 1 checklist item accepted (1.7 is the phase 1 plan) and
the phase 2 plan (item 2.4) accepted, each by the end of the day judged.
"""

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from funding.models import ChecklistItem, Evidence, EvidenceStatus
from localities.models import Basis, Locality
from localities.population import with_population

from .models import (
    LTS_SCHEME,
    PLAN_ITEMS,
    Booking,
    ComplianceRule,
    Declaration,
    DeclarationKind,
    DeclarationStatus,
    Phase,
    Plan,
    PlanStatus,
    RuleKind,
    Session,
    Weekday,
)

WEEKDAYS = [Weekday.MONDAY, Weekday.TUESDAY, Weekday.WEDNESDAY, Weekday.THURSDAY, Weekday.FRIDAY]
WEEKEND = [Weekday.SATURDAY, Weekday.SUNDAY]


@dataclass
class RuleResult:
    kind: str
    name: str
    passed: bool
    figures: list[str] = field(default_factory=list)
    threshold: Decimal | None = None

    def as_dict(self) -> dict:
        return {"kind": self.kind, "name": self.name, "passed": self.passed, "figures": self.figures}


@dataclass
class Assessment:
    locality: Locality
    on: datetime.date
    plan: Plan | None
    results: list[RuleResult]
    weighted_population: Decimal = Decimal(0)
    weekly_minutes: int = 0
    registered_population: Decimal = Decimal(0)

    @property
    def compliant(self) -> bool:
        return bool(self.results) and all(r.passed for r in self.results)

    def reason(self) -> str:
        if self.plan is None:
            return f"No Improved Access plan in force on {self.on:%d/%m/%Y}."
        return "; ".join(f"{r.name}: {', '.join(r.figures)}" for r in self.results if not r.passed)


def _minute(t: datetime.time) -> int:
    return t.hour * 60 + t.minute


def covered_minutes_after(sessions: list[Session], after: datetime.time) -> int:
    """Minutes from `after` to midnight covered by at least one session (overlaps counted once)."""
    cut = _minute(after)
    spans = sorted((max(_minute(s.starts_at), cut), _minute(s.ends_at)) for s in sessions)
    total, reach = 0, cut
    for start, end in spans:
        start = max(start, reach)
        if end > start:
            total += end - start
            reach = end
    return total


def rules_on(day: datetime.date, rules: list[ComplianceRule] | None = None) -> dict[str, ComplianceRule]:
    """The rule of each kind in force on the day: the active one that applies from the latest date by then."""
    if rules is None:
        rules = list(ComplianceRule.objects.filter(active=True, applies_from__lte=day).order_by("applies_from"))
    in_force = {}
    for rule in sorted(rules, key=lambda r: r.applies_from):
        if rule.active and rule.applies_from <= day:
            in_force[rule.kind] = rule
    return in_force


def _number(value: Decimal) -> str:
    return f"{value.normalize():f}" if value == value.to_integral_value() else f"{value:f}"


def evenings(rule: ComplianceRule, sessions: list[Session]) -> RuleResult:
    need = rule.threshold
    after = rule.evening_starts_at
    figures, passed = [], True
    for day in WEEKDAYS:
        got = covered_minutes_after([s for s in sessions if s.day == day], after)
        passed &= got >= need
        figures.append(f"{day.label}: {got} of {_number(need)} minutes after {after:%H:%M}")
    return RuleResult(rule.kind, "Weekday evenings", passed, figures, need)


def weekends(rule: ComplianceRule, sessions: list[Session]) -> RuleResult:
    need = max(rule.threshold, Decimal(1))
    figures, passed = [], True
    for day in WEEKEND:
        got = sum(s.minutes for s in sessions if s.day == day)
        passed &= got >= need
        figures.append(f"{day.label}: {got:,} minutes" if got else f"{day.label}: no sessions")
    return RuleResult(rule.kind, "Saturday and Sunday", passed, figures, need)


def per_thousand(minutes: int, population: Decimal) -> Decimal:
    """Minutes a week per 1,000 population, exact (compared unrounded against the threshold)."""
    return Decimal(minutes) * 1000 / population if population else Decimal(0)


def capacity_population(rule: ComplianceRule, registered: Decimal, weighted: Decimal) -> Decimal:
    """The population capacity is measured against: the rule's basis (registered unless it says weighted)."""
    return weighted if rule.basis == Basis.WEIGHTED else registered


def capacity(rule: ComplianceRule, sessions: list[Session], population: Decimal) -> RuleResult:
    minutes = sum(s.minutes for s in sessions)
    rate = per_thousand(minutes, population)
    passed = population > 0 and rate >= rule.threshold
    # Rounded down for display, so a figure shown as 30.0 never fails a threshold of 30.
    shown = rate.quantize(Decimal("0.1"), rounding=ROUND_DOWN)
    patients = "weighted patients" if rule.basis == Basis.WEIGHTED else "registered patients"
    figure = (
        f"{shown} of {_number(rule.threshold)} minutes a week per 1,000 "
        f"({minutes:,} minutes for {population:,.0f} {patients})"
    )
    return RuleResult(rule.kind, "Capacity", passed, [figure], rule.threshold)


OFFERS_PRE_BOOKABLE = {Booking.PRE_BOOKABLE, Booking.BOTH}
OFFERS_SAME_DAY = {Booking.SAME_DAY, Booking.BOTH}


def booking(rule: ComplianceRule, sessions: list[Session]) -> RuleResult:
    """Pre-bookable and same-day appointments: the timetable has sessions offering each kind."""
    pre = sum(1 for s in sessions if s.booking in OFFERS_PRE_BOOKABLE)
    same_day = sum(1 for s in sessions if s.booking in OFFERS_SAME_DAY)
    figures = [
        f"Pre-bookable: {pre} of {len(sessions)} sessions" if pre else "Pre-bookable: no sessions",
        f"Same day: {same_day} of {len(sessions)} sessions" if same_day else "Same day: no sessions",
    ]
    return RuleResult(rule.kind, "Pre-bookable and same-day appointments", bool(pre and same_day), figures)


def _accepted_by(status: str, reviewed_at, on: datetime.date, accepted: str) -> bool:
    return status == accepted and reviewed_at is not None and timezone.localdate(reviewed_at) <= on


def declarations(rule: ComplianceRule, plan: Plan, found: list[Declaration], on: datetime.date) -> RuleResult:
    """The plan (its timetable) and every declaration accepted by a commissioner by the end of the day."""
    plan_ok = _accepted_by(plan.status, plan.reviewed_at, on, PlanStatus.ACCEPTED)
    accepted = {d.kind for d in found if _accepted_by(d.status, d.reviewed_at, on, DeclarationStatus.ACCEPTED)}
    missing = [kind.label for kind in DeclarationKind if kind not in accepted]
    figures = ["Plan: accepted" if plan_ok else f"Plan: {plan.get_status_display().lower()}, not accepted"]
    figures.append(f"Declarations: {len(DeclarationKind) - len(missing)} of {len(DeclarationKind)} accepted")
    figures += [f"not accepted: {label}" for label in missing]
    return RuleResult(rule.kind, "Plan and declarations accepted", plan_ok and not missing, figures)


def phase_one_items(rule: ComplianceRule, numbers: list[str], accepted: set[str]) -> RuleResult:
    """Every phase 1 item of the LTS checklist accepted by the end of the day (1.7 is the phase 1 plan)."""
    missing = [number for number in numbers if number not in accepted]
    if not numbers:
        return RuleResult(rule.kind, "Phase 1 checklist items accepted", False, ["The checklist has no phase 1 items"])
    figures = [f"{len(numbers) - len(missing)} of {len(numbers)} phase 1 items accepted"]
    figures += [f"not accepted: {number}" for number in missing]
    return RuleResult(rule.kind, "Phase 1 checklist items accepted", not missing, figures)


def phase_two_plan(rule: ComplianceRule, plan: Plan | None, on: datetime.date) -> RuleResult:
    """The phase 2 plan (checklist item 2.4) accepted by the end of the day."""
    item = PLAN_ITEMS[Phase.TWO]
    if plan is None:
        return RuleResult(rule.kind, "Phase 2 plan accepted", False, [f"No phase 2 plan (item {item})"])
    ok = _accepted_by(plan.status, plan.reviewed_at, on, PlanStatus.ACCEPTED)
    state = "accepted" if ok else f"{plan.get_status_display().lower()}, not accepted"
    figure = f"Phase 2 plan (item {item}): {state}"
    return RuleResult(rule.kind, "Phase 2 plan accepted", ok, [figure])


def accepted_phase_one(localities: QuerySet[Locality], on: datetime.date) -> tuple[list[str], dict[int, set[str]]]:
    """The LTS phase 1 item numbers, and per locality the numbers accepted by the end of the day (one query each).

    Item 1.7 counts as accepted when the phase 1 plan is: the plan's acceptance is what accepts its evidence
    (improved_access.transitions), so the evidence row says the same."""
    numbers = list(
        ChecklistItem.objects.filter(phase__scheme__code=LTS_SCHEME, phase__number=1)
        .order_by("position", "number")
        .values_list("number", flat=True)
    )
    accepted: dict[int, set[str]] = {}
    rows = Evidence.objects.filter(
        locality__in=localities,
        item__phase__scheme__code=LTS_SCHEME,
        item__phase__number=1,
        status=EvidenceStatus.ACCEPTED,
        reviewed_at__isnull=False,
    ).values_list("locality_id", "item__number", "reviewed_at")
    for locality_id, number, reviewed_at in rows:
        if timezone.localdate(reviewed_at) <= on:
            accepted.setdefault(locality_id, set()).add(number)
    return numbers, accepted


def plans_in_force(localities: QuerySet[Locality], on: datetime.date) -> dict[int, Plan]:
    """Each locality's plan in force on the day, with its sessions valid then and its declarations (3 queries).

    The plan in force is the latest plan started by the day that was accepted by the end of it: a phase 2 draft (or
    one submitted, or returned) does not replace the accepted phase 1 plan. A locality with no accepted plan is
    judged on its latest plan started by then (which fails "Plan and declarations accepted", naming what is missing).
    """
    plans = (
        Plan.objects.filter(locality__in=localities, starts_on__lte=on)
        .order_by("locality_id", "starts_on")
        .prefetch_related(
            Prefetch("sessions", queryset=Session.objects.order_by("day", "starts_at")),
            "declarations",
        )
    )
    latest, accepted = {}, {}
    for plan in plans:
        latest[plan.locality_id] = plan
        if _accepted_by(plan.status, plan.reviewed_at, on, PlanStatus.ACCEPTED):
            accepted[plan.locality_id] = plan
    return {**latest, **accepted}


def phase_two_plans(localities: QuerySet[Locality]) -> dict[int, Plan]:
    return {p.locality_id: p for p in Plan.objects.filter(locality__in=localities, phase=Phase.TWO)}


def assess_all(
    localities: QuerySet[Locality], on: datetime.date, plans: dict[int, Plan] | None = None
) -> list[Assessment]:
    """Every locality's assessment on the day, in a fixed number of queries; plans (locality id: plan) judges those
    plans instead of the plans in force (a plan's own page shows how the plan itself fares)."""
    rules = rules_on(on)
    if plans is None:
        plans = plans_in_force(localities, on)
    numbers, phase_one = accepted_phase_one(localities, on) if RuleKind.PHASE_ONE_ITEMS in rules else ([], {})
    second = phase_two_plans(localities) if RuleKind.PHASE_TWO_PLAN in rules else {}
    assessments = []
    for locality in with_population(localities, on).order_by("name"):
        plan = plans.get(locality.pk)
        population = Decimal(locality.weighted_population or 0)
        registered = Decimal(locality.population or 0)
        sessions = [s for s in plan.sessions.all() if s.holds_on(on)] if plan else []
        results = []
        if plan is not None:
            if RuleKind.EVENINGS in rules:
                results.append(evenings(rules[RuleKind.EVENINGS], sessions))
            if RuleKind.WEEKENDS in rules:
                results.append(weekends(rules[RuleKind.WEEKENDS], sessions))
            if RuleKind.CAPACITY in rules:
                rule = rules[RuleKind.CAPACITY]
                results.append(capacity(rule, sessions, capacity_population(rule, registered, population)))
            if RuleKind.BOOKING in rules:
                results.append(booking(rules[RuleKind.BOOKING], sessions))
            if RuleKind.DECLARATIONS in rules:
                results.append(declarations(rules[RuleKind.DECLARATIONS], plan, list(plan.declarations.all()), on))
            if RuleKind.PHASE_ONE_ITEMS in rules:
                results.append(
                    phase_one_items(rules[RuleKind.PHASE_ONE_ITEMS], numbers, phase_one.get(locality.pk, set()))
                )
            if RuleKind.PHASE_TWO_PLAN in rules:
                results.append(phase_two_plan(rules[RuleKind.PHASE_TWO_PLAN], second.get(locality.pk), on))
        assessments.append(
            Assessment(locality, on, plan, results, population, sum(s.minutes for s in sessions), registered)
        )
    return assessments


def assess(locality: Locality, on: datetime.date) -> Assessment:
    return assess_all(Locality.objects.filter(pk=locality.pk), on)[0]


def assess_plan(plan: Plan, on: datetime.date) -> Assessment:
    """The plan itself against the rules in force on the day (at the earliest its first day), whether or not it is
    the plan in force: what its page shows, so a lead sees what the plan still lacks before submitting it."""
    day = max(on, plan.starts_on)
    fetched = (
        Plan.objects.filter(pk=plan.pk)
        .prefetch_related(Prefetch("sessions", queryset=Session.objects.order_by("day", "starts_at")), "declarations")
        .get()
    )
    return assess_all(Locality.objects.filter(pk=plan.locality_id), day, {plan.locality_id: fetched})[0]
