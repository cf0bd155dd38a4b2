"""People and a checklist for the funding tests: South Bristol (11H) and Woodspring (11T) from two_localities."""

import datetime
from types import SimpleNamespace

import pytest

from localities.models import LocalityMembership
from onecare.accounts.roles import Role
from tests.onecare.factories import UserFactory

from .factories import ItemFactory, PhaseFactory


@pytest.fixture
def checklist():
    phase1 = PhaseFactory(number=1, title="Locality vehicle established", deadline=datetime.date(2017, 12, 31))
    phase2 = PhaseFactory(number=2, title="Joint working", deadline=datetime.date(2018, 6, 30))
    items = [ItemFactory(phase=phase1, number=f"1.{n}", position=n) for n in range(1, 4)]
    items.append(ItemFactory(phase=phase2, number="2.1", position=1))
    return SimpleNamespace(phase1=phase1, phase2=phase2, items=items, item=items[0])


def practice_of(locality):
    return LocalityMembership.objects.filter(locality=locality).order_by("pk").first().practice


@pytest.fixture
def people(two_localities, bnssg):
    south_bristol, woodspring = two_localities
    bristol, north_somerset = south_bristol.commissioner, woodspring.commissioner
    return SimpleNamespace(
        south_bristol=south_bristol,
        woodspring=woodspring,
        manager=UserFactory(role=Role.PRACTICE_MANAGER, practice=practice_of(south_bristol)),
        other_manager=UserFactory(role=Role.PRACTICE_MANAGER, practice=practice_of(south_bristol)),
        lead=UserFactory(role=Role.LOCALITY_LEAD, locality=south_bristol),
        wood_manager=UserFactory(role=Role.PRACTICE_MANAGER, practice=practice_of(woodspring)),
        wood_lead=UserFactory(role=Role.LOCALITY_LEAD, locality=woodspring),
        commissioner=UserFactory(role=Role.COMMISSIONER, commissioner=bristol),
        ns_commissioner=UserFactory(role=Role.COMMISSIONER, commissioner=north_somerset),
        bnssg_commissioner=UserFactory(role=Role.COMMISSIONER, commissioner=bnssg),
        finance=UserFactory(role=Role.FINANCE_APPROVER, commissioner=bnssg),
        data_admin=UserFactory(role=Role.DATA_ADMIN),
    )


@pytest.fixture
def lts_rules():
    """The real checklist and tranche fixtures: T1 on joining, T2a (phase 1 + 2.1), T2b (2.2-2.4), T3 (3.1)."""
    from django.core.management import call_command

    call_command("loaddata", "fixtures/lts_checklist.json", "fixtures/lts_tranches.json", verbosity=0)
    from funding.models import ChecklistItem, Tranche

    return SimpleNamespace(
        tranches={t.code: t for t in Tranche.objects.all()},
        items={i.number: i for i in ChecklistItem.objects.all()},
    )
