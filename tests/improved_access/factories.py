"""Factories for IA plans, sessions and declarations; `compliant_plan` builds a plan that meets every rule."""

import datetime

import factory
from django.core.management import call_command
from django.utils import timezone

from funding.models import ChecklistItem, Evidence, EvidenceStatus
from improved_access.models import (
    LTS_SCHEME,
    PLAN_ITEMS,
    Declaration,
    DeclarationKind,
    DeclarationStatus,
    Plan,
    PlanStatus,
    Session,
)
from tests.localities.factories import LocalityFactory

APRIL_2018 = datetime.date(2018, 4, 1)


class PlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Plan

    locality = factory.SubFactory(LocalityFactory)
    phase = 1
    starts_on = APRIL_2018
    status = PlanStatus.DRAFT


class SessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Session

    plan = factory.SubFactory(PlanFactory)
    site = "Central hub"
    is_hub = True
    day = 0
    starts_at = datetime.time(18, 30)
    ends_at = datetime.time(20, 0)
    valid_from = APRIL_2018


class DeclarationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Declaration

    plan = factory.SubFactory(PlanFactory)
    kind = DeclarationKind.ADVERTISING
    evidence = "Posters in every waiting room and on every practice website."

    class Params:
        accepted = factory.Trait(
            status=DeclarationStatus.ACCEPTED,
            reviewed_at=factory.LazyFunction(lambda: timezone.make_aware(datetime.datetime(2018, 3, 20, 12))),
        )


def t(text: str) -> datetime.time:
    return datetime.time.fromisoformat(text)


def week(plan, evening=("18:30", "20:00"), saturday=("09:00", "13:00"), sunday=("09:00", "12:00"), **fields):
    """A session every weekday evening and one on each weekend day (None leaves that day out)."""
    sessions = []
    for day in range(5):
        if evening:
            sessions.append(
                SessionFactory(plan=plan, day=day, starts_at=t(evening[0]), ends_at=t(evening[1]), **fields)
            )
    for day, span in ((5, saturday), (6, sunday)):
        if span:
            sessions.append(SessionFactory(plan=plan, day=day, starts_at=t(span[0]), ends_at=t(span[1]), **fields))
    return sessions


def declare_all(plan, accepted: bool = True):
    return [DeclarationFactory(plan=plan, kind=kind, accepted=accepted) for kind in DeclarationKind]


def submit_declarations(plan, lead):
    """The lead submits each of the plan's draft or returned declarations through its transition."""
    from improved_access.transitions import declaration_submit

    for declaration in plan.declarations.all():
        if declaration.status in (DeclarationStatus.DRAFT, DeclarationStatus.RETURNED):
            declaration_submit(declaration, actor=lead, evidence="Shown on every practice's website.")
    return plan


def submit_all(plan):
    """Every declaration of the plan submitted and waiting for review: what a plan needs before it is submitted."""
    submitted = timezone.make_aware(datetime.datetime(2018, 3, 19, 12))
    return [
        DeclarationFactory(plan=plan, kind=kind, status=DeclarationStatus.SUBMITTED, submitted_at=submitted)
        for kind in DeclarationKind
    ]


MARCH_20 = datetime.datetime(2018, 3, 20, 12, tzinfo=datetime.UTC)


def accepted(plan):
    plan.status, plan.reviewed_at = PlanStatus.ACCEPTED, MARCH_20
    plan.save()
    return plan


def checklist_loaded() -> None:
    if not ChecklistItem.objects.filter(phase__scheme__code=LTS_SCHEME).exists():
        call_command("loaddata", "fixtures/lts_checklist.json", verbosity=0)


def item(number: str) -> ChecklistItem:
    checklist_loaded()
    return ChecklistItem.objects.get(phase__scheme__code=LTS_SCHEME, number=number)


def evidence_accepted(locality, number: str, at=MARCH_20, by=None) -> Evidence:
    """The locality's evidence for the item, accepted at `at` (written directly: a fixture of the past)."""
    evidence, _ = Evidence.objects.update_or_create(
        locality=locality,
        item=item(number),
        defaults={"status": EvidenceStatus.ACCEPTED, "statement": "Accepted.", "reviewed_at": at, "reviewed_by": by},
    )
    return evidence


def phase_one_accepted(locality, plan=None, at=MARCH_20, by=None, leave_out=()) -> list[Evidence]:
    """Every phase 1 item accepted (1.7 as the plan's evidence when a plan is given), but those left out."""
    checklist_loaded()
    numbers = ChecklistItem.objects.filter(phase__scheme__code=LTS_SCHEME, phase__number=1).values_list(
        "number", flat=True
    )
    accepted = [evidence_accepted(locality, n, at, by) for n in numbers if n not in leave_out]
    if plan is not None:
        plan.evidence = next((e for e in accepted if e.item.number == PLAN_ITEMS[plan.phase]), None)
        plan.save()
    return accepted


JUNE_20 = datetime.datetime(2018, 6, 20, 12, tzinfo=datetime.UTC)
JULY_2018 = datetime.date(2018, 7, 1)


def compliant_plan(locality, **fields):
    """5 x 90 evening minutes + 240 Saturday + 180 Sunday = 870 minutes a week; plan and declarations accepted, and
    every phase 1 checklist item accepted (1.7 is the plan)."""
    fields.setdefault("reviewed_at", MARCH_20)
    plan = PlanFactory(locality=locality, status=PlanStatus.ACCEPTED, **fields)
    week(plan)
    declare_all(plan)
    if plan.phase == 1:
        phase_one_accepted(locality, plan)
    return plan


def compliant_phase_two(locality, **fields):
    """The phase 2 plan (item 2.4), accepted on 20 June 2018, with the same week and declarations."""
    plan = compliant_plan(locality, phase=2, starts_on=JULY_2018, reviewed_at=JUNE_20, **fields)
    plan.evidence = evidence_accepted(locality, PLAN_ITEMS[plan.phase], JUNE_20)
    plan.save()
    return plan
