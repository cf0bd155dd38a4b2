"""The access matrix's world, with a record of every model the admin shows on each side (own and other).

"own" belongs to South Bristol (Bristol CCG, 11H), where every scoped user works; "other" to Woodspring
(North Somerset CCG, 11T). Records that belong to no organisation (the scheme, its rules, One Care's
register and plan) are the same record on both sides.
"""

import datetime
from collections.abc import Callable
from decimal import Decimal

from django.apps import apps
from django.utils import timezone

from funding.evaluation import evaluate_milestones
from funding.models import EvaluationRequest, PaymentRun, Release, SentReminder, Tranche
from funding.rule_changes import rule_change_propose
from improved_access.models import ActivityReturn, QuarterAssessment
from localities.models import ImportRecord, LocalityVehicle
from onecare.accounts.roles import Role
from onecare.ballots.models import Decision
from onecare.outbox.models import UnsentTask
from tests.funding.factories import TransitionFactory
from tests.improved_access.factories import PlanFactory
from tests.localities.factories import VehicleFactory
from tests.onecare.factories import UserFactory

from .world import build_world


def _side_records(side, finance) -> None:
    locality = side.locality
    side.transition = TransitionFactory(evidence=side.evidence)
    SentReminder.objects.create(
        locality=locality, phase=side.item.phase, kind="7", sent_at=timezone.now(), recipients="a@example.nhs.uk"
    )
    EvaluationRequest.objects.create(
        locality=locality, evidence=side.evidence, requested_by=finance, requested_at=timezone.now()
    )
    PaymentRun.objects.create(
        commissioner=locality.commissioner, name=f"{locality.name} run", created_by=finance, created_at=timezone.now()
    )
    PlanFactory(locality=locality)
    ActivityReturn.objects.create(
        locality=locality, quarter="2018Q1", file_name="return.csv", uploaded_at=timezone.now()
    )
    Decision.objects.create(locality=locality, text="Agreed the locality plan.", decided_on=datetime.date(2018, 2, 1))


def build_admin_world():
    world = build_world()
    finance = world.users["finance approver"]
    for side in (world.own, world.other):
        _side_records(side, finance)
    # T1 opens when a locality joins: both sides have a vehicle and member practices.
    tranche = Tranche.objects.create(
        scheme=world.own.item.phase.scheme,
        code="T1",
        name="On joining",
        rate=Decimal("0.50"),
        opens_on_joining=True,
        reference_date=datetime.date(2017, 4, 1),
    )
    # A change to it proposed by another commissioner, waiting for approval (funding.rule_changes).
    proposer = UserFactory(role=Role.COMMISSIONER, commissioner=world.own.locality.commissioner)
    rule_change_propose(tranche, {"name": "On joining the scheme"}, actor=proposer)
    # Two evaluations, so that each side has one of its own: the other side joins after the first.
    vehicle = LocalityVehicle.objects.get(locality=world.other.locality)
    vehicle.delete()
    evaluations = [evaluate_milestones(datetime.date(2018, 1, 15), trigger="access matrix").evaluation]
    VehicleFactory(locality=world.other.locality)
    evaluations.append(evaluate_milestones(datetime.date(2018, 1, 16), trigger="access matrix").evaluation)
    for side, evaluation in zip((world.own, world.other), evaluations, strict=True):
        release = Release.objects.filter(locality=side.locality, evaluation=evaluation).first()
        assert release, "the access matrix needs a proposed release on each side"
        QuarterAssessment.objects.create(
            evaluation=evaluation,
            locality=side.locality,
            quarter="2018Q1",
            judged_on=datetime.date(2018, 7, 1),
            compliant=False,
            results={},
            reason="No activity returned.",
        )
    ImportRecord.objects.create(
        file_name="practices.csv", sha256="0" * 64, size_bytes=10, format="epraccur", created_by=finance
    )
    UnsentTask.objects.create(task_name="onecare.tests.nothing", args=[], kwargs={})
    return world


def _first(model, **filters):
    return model._default_manager.filter(**filters).order_by("pk").first()


def by_locality(path: str) -> Callable:
    def pick(model, world, side):
        return _first(model, **{path: side.locality})

    return pick


def by_practice(path: str) -> Callable:
    def pick(model, world, side):
        return _first(model, **{path: side.practice})

    return pick


def by_commissioner(path: str) -> Callable:
    def pick(model, world, side):
        return _first(model, **{path: side.locality.commissioner.pk})

    return pick


def shared(model, world, side):
    return _first(model)


def evaluation_of(model, world, side):
    # The one evaluation proposed releases on both sides, so it is everyone's (within the CCG's scope).
    return _first(model, releases__locality=side.locality)


PICKERS: dict[str, Callable] = {
    "localities.commissioner": by_commissioner("pk"),
    "localities.practice": lambda m, w, s: s.practice,
    "localities.practicecommissioner": by_practice("practice"),
    "localities.listsizesnapshot": by_practice("practice"),
    "localities.locality": lambda m, w, s: s.locality,
    "localities.localityvehicle": by_locality("locality"),
    "localities.sublocality": by_locality("locality"),
    "localities.localitymembership": by_locality("locality"),
    "localities.representative": by_locality("locality"),
    "funding.evidence": by_locality("locality"),
    "funding.evidencefile": by_locality("evidence__locality"),
    "funding.evidencetransition": by_locality("evidence__locality"),
    "funding.sentreminder": by_locality("locality"),
    "funding.evaluationrequest": by_locality("locality"),
    "funding.release": by_locality("locality"),
    "funding.milestoneevaluation": evaluation_of,
    "funding.paymentrun": by_commissioner("commissioner"),
    "improved_access.plan": by_locality("locality"),
    "improved_access.quarterassessment": by_locality("locality"),
    "improved_access.activityreturn": by_locality("locality"),
    "ballots.decision": by_locality("locality"),
}


def record_for(label: str, world, side):
    model = apps.get_model(label)
    return PICKERS.get(label, shared)(model, world, side)


# Models kept for their organisation; every other admin model is the same record on both sides.
SCOPED_MODELS = set(PICKERS)
