"""The demo money: releases at different stages, made through the transitions on the BNSSG demo data."""

from django.core.management import call_command

from funding.demo import load_demo_releases
from funding.models import PaymentRun, Release


def test_it_walks_demo_releases_to_different_states():
    call_command("load_demo_data", verbosity=0)  # loads the tranches and calls load_demo_releases()

    states = {(r.locality.code, r.tranche.code): r.state for r in Release.objects.select_related("locality", "tranche")}
    assert states[("sbris", "T1")] == states[("sglos", "T1")] == "paid"
    assert states[("icebris", "T1")] == "authorised"
    assert states[("icebris", "T2a")] == "approved"
    assert states[("wwv", "T1")] == "rejected"
    assert states[("nwbris", "T1")] == states[("wood", "T1")] == "proposed"
    assert Release.objects.get(locality__code="sbris", tranche__code="T1").amount == 81_753  # 163,506 x £0.50
    # Two paid runs: LTS tranche 1, and South Bristol's Improved Access 2018Q1 (improved_access.demo).
    assert set(PaymentRun.objects.values_list("name", "state")) == {
        ("LTS tranche 1 (demo)", "paid"),
        ("Improved Access 2018Q1 (demo)", "paid"),
    }
    assert load_demo_releases() == 0
