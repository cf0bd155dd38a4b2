"""The synthetic scale data set: its size, every state represented, and the same rows for the same seed."""

import pytest
from django.core.management import call_command
from django.db import transaction

from devdata.scale import generate_scale_data
from funding.models import Evidence, EvidenceStatus, EvidenceTransition, Release, ReleaseLine, ReleaseState
from localities.models import Commissioner, ListSizeSnapshot, Locality, LocalityMembership, Practice


def digest() -> dict:
    return {
        "practices": sorted(Practice.objects.values_list("code", "postcode")),
        "list_sizes": sorted(
            ListSizeSnapshot.objects.values_list(
                "practice__code", "extract_date", "registered_patients", "weighted_patients"
            )
        ),
        "members": sorted(
            LocalityMembership.objects.values_list(
                "practice__code", "locality__code", "sub_locality__name", "opted_out_on"
            )
        ),
        "evidence": sorted(Evidence.objects.values_list("locality__code", "item__number", "status")),
        "releases": sorted(Release.objects.values_list("locality__code", "tranche__code", "state", "amount")),
    }


class Rollback(Exception):
    pass


def test_it_builds_the_asked_for_size_with_every_state(capsys):
    call_command("generate_scale_data", practices=200, localities=40, quarters=4, seed=3)
    assert Commissioner.objects.count() == 42
    assert Practice.objects.count() == 200
    assert Locality.objects.count() == 40
    assert ListSizeSnapshot.objects.count() == 800
    assert not ListSizeSnapshot.objects.filter(weighted_patients__isnull=True).exists()
    assert LocalityMembership.objects.count() == 200
    assert set(Evidence.objects.values_list("status", flat=True)) == set(EvidenceStatus.values)
    assert EvidenceTransition.objects.count() > Evidence.objects.count() / 2
    assert set(Release.objects.values_list("state", flat=True)) == set(ReleaseState.values)
    assert ReleaseLine.objects.exists()
    assert "practices: 200" in capsys.readouterr().out


def test_it_is_the_same_for_the_same_seed():
    try:
        with transaction.atomic():
            generate_scale_data(practices=120, localities=12, quarters=2, seed=7)
            first = digest()
            raise Rollback
    except Rollback:
        pass
    assert not Practice.objects.exists()
    generate_scale_data(practices=120, localities=12, quarters=2, seed=7)
    assert digest() == first


def test_it_grows_what_is_there():
    generate_scale_data(practices=50, localities=5, quarters=2, seed=1)
    generate_scale_data(practices=450, localities=45, quarters=2, seed=1)
    assert Practice.objects.count() == 500
    assert Locality.objects.count() == 50
    assert LocalityMembership.objects.values("practice").distinct().count() == 500


def test_it_refuses_fewer_practices_than_localities():
    with pytest.raises(ValueError):
        generate_scale_data(practices=3, localities=5, quarters=1)
