import datetime

from django.core.management import call_command

from devdata.demo.improved_access import load_demo
from funding.models import Evidence, EvidenceStatus, Release
from improved_access.compliance import assess
from improved_access.models import Plan, PlanStatus
from localities.models import Locality


def test_it_loads_one_compliant_and_one_non_compliant_locality():
    call_command("load_demo_data", verbosity=0)
    assert load_demo() == 0  # the loader has called it
    south, wood = Locality.objects.get(code="sbris"), Locality.objects.get(code="wood")
    for on in (datetime.date(2018, 4, 2), datetime.date(2018, 7, 2), datetime.date(2019, 3, 31)):
        assessment = assess(south, on)
        assert assessment.compliant, (on, assessment.reason())
    woodspring = assess(wood, datetime.date(2018, 4, 2))
    assert not woodspring.compliant
    assert "Sunday: no sessions" in woodspring.reason() and "Friday: 60 of 90" in woodspring.reason()
    assert "Same day: no sessions" in woodspring.reason()
    wood_plan = Plan.objects.get(locality=wood)
    assert wood_plan.status == PlanStatus.RETURNED and wood_plan.evidence.status == EvidenceStatus.RETURNED
    # South Bristol's plans are its evidence for 1.7 and 2.4, accepted with them; 1.6 was returned, then accepted.
    plans = {p.phase: p for p in Plan.objects.filter(locality=south)}
    assert {p.status for p in plans.values()} == {PlanStatus.ACCEPTED}
    assert plans[1].evidence.item.number == "1.7" and plans[2].evidence.item.number == "2.4"
    assert plans[2].evidence.status == EvidenceStatus.ACCEPTED
    phase_one = Evidence.objects.filter(locality=south, item__phase__number=1)
    assert set(phase_one.values_list("status", flat=True)) == {EvidenceStatus.ACCEPTED}
    # Proposed for each quarter of 2018/19, Woodspring for none.
    ia = Release.objects.filter(tranche__scheme__code="ia")
    assert sorted(ia.filter(locality=south).values_list("tranche__code", flat=True)) == [
        "2018Q1",
        "2018Q2",
        "2018Q3",
        "2018Q4",
    ]
    assert not ia.filter(locality=wood).exists()
    assert load_demo() == 0
