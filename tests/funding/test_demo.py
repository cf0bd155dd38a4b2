"""The demo evidence: localities at different stages, made through the transitions."""

from pathlib import Path

from django.conf import settings
from django.core.management import call_command

from devdata.demo.funding import load_demo_evidence
from funding.models import EvaluationRequest, Evidence, EvidenceTransition
from localities.models import Commissioner
from onecare.accounts.roles import Role
from tests.localities.factories import LocalityFactory
from tests.onecare.factories import UserFactory


def test_it_loads_localities_at_different_stages(bnssg, bristol):
    call_command("loaddata", Path(settings.BASE_DIR) / "fixtures" / "lts_checklist.json", verbosity=0)
    sbris = LocalityFactory(code="sbris", name="South Bristol", commissioner=bristol)
    LocalityFactory(code="wwv", name="Weston", commissioner=Commissioner.objects.get(code="11T"))
    UserFactory(username="locality.lead", role=Role.LOCALITY_LEAD, locality=sbris)
    UserFactory(username="commissioner", role=Role.COMMISSIONER, commissioner=bnssg)
    assert load_demo_evidence() == 9
    statuses = dict(Evidence.objects.filter(locality=sbris).values_list("item__number", "status"))
    assert statuses["1.1"] == "accepted" and statuses["1.6"] == "returned" and statuses["1.7"] == "submitted"
    assert Evidence.objects.get(locality__code="wwv").status == "draft"
    assert EvaluationRequest.objects.count() == 5
    assert EvidenceTransition.objects.count() == 15
    assert load_demo_evidence() == 0
