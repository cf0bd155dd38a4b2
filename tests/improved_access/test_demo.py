import datetime

from django.core.management import call_command

from improved_access.compliance import assess
from improved_access.demo import load_demo
from improved_access.models import Plan
from localities.models import Locality


def test_it_loads_one_compliant_and_one_non_compliant_locality():
    call_command("load_demo_data", verbosity=0)
    assert load_demo() in (0, 2)  # the lead's loader may already call it
    on = datetime.date(2018, 4, 2)
    south = assess(Locality.objects.get(code="sbris"), on)
    wood = assess(Locality.objects.get(code="wood"), on)
    assert south.compliant, south.reason()
    assert not wood.compliant
    assert "Sunday: no sessions" in wood.reason() and "Friday: 60 of 90" in wood.reason()
    assert load_demo() == 0
    assert Plan.objects.count() == 2
