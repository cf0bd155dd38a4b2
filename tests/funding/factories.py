"""Factories for the checklist and evidence, with lifecycle traits (draft, submitted, returned, accepted)."""

import datetime

import factory
from django.utils import timezone

from funding.models import ChecklistItem, Evidence, EvidenceStatus, EvidenceTransition, Phase, Scheme
from tests.localities.factories import LocalityFactory
from tests.onecare.factories import UserFactory


class SchemeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Scheme
        django_get_or_create = ["code"]

    code = "lts"
    name = "Locality Transformation Scheme"


class PhaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Phase

    scheme = factory.SubFactory(SchemeFactory)
    number = factory.Sequence(lambda n: n + 1)
    title = factory.Sequence(lambda n: f"Phase title {n}")
    deadline = datetime.date(2017, 12, 31)


class ItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ChecklistItem

    phase = factory.SubFactory(PhaseFactory)
    number = factory.Sequence(lambda n: f"1.{n + 1}")
    position = factory.Sequence(lambda n: n)
    title = factory.Sequence(lambda n: f"Checklist item {n}")
    guidance = "What good evidence looks like."


class EvidenceFactory(factory.django.DjangoModelFactory):
    """Evidence in a given state, built directly: tests of the transitions themselves start from these."""

    class Meta:
        model = Evidence

    locality = factory.SubFactory(LocalityFactory)
    item = factory.SubFactory(ItemFactory)
    statement = "Our inter-practice agreement, signed by every member practice."

    class Params:
        draft = factory.Trait(status=EvidenceStatus.DRAFT)
        submitted = factory.Trait(
            status=EvidenceStatus.SUBMITTED,
            submitted_by=factory.SubFactory(UserFactory),
            submitted_at=factory.LazyFunction(timezone.now),
        )
        returned = factory.Trait(
            status=EvidenceStatus.RETURNED,
            submitted_by=factory.SubFactory(UserFactory),
            submitted_at=factory.LazyFunction(timezone.now),
            return_reason="The agreement is not signed.",
        )
        accepted = factory.Trait(
            status=EvidenceStatus.ACCEPTED,
            submitted_by=factory.SubFactory(UserFactory),
            submitted_at=factory.LazyFunction(timezone.now),
        )


class TransitionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EvidenceTransition

    evidence = factory.SubFactory(EvidenceFactory)
    from_status = EvidenceStatus.DRAFT
    to_status = EvidenceStatus.SUBMITTED
    actor = factory.SubFactory(UserFactory)
    at = factory.LazyFunction(timezone.now)
