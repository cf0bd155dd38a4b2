"""Factories for IA plans, sessions and declarations; `compliant_plan` builds a plan that meets every rule."""

import datetime

import factory
from django.utils import timezone

from improved_access.models import (
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


MARCH_20 = datetime.datetime(2018, 3, 20, 12, tzinfo=datetime.UTC)


def accepted(plan):
    plan.status, plan.reviewed_at = PlanStatus.ACCEPTED, MARCH_20
    plan.save()
    return plan


def compliant_plan(locality, **fields):
    """5 x 90 evening minutes + 240 Saturday + 180 Sunday = 870 minutes a week; plan and declarations accepted."""
    plan = PlanFactory(locality=locality, status=PlanStatus.ACCEPTED, reviewed_at=MARCH_20, **fields)
    week(plan)
    declare_all(plan)
    return plan
