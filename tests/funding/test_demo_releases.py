"""The demo money: releases at different stages, made through the transitions on the BNSSG demo data."""

import datetime

from django.core.management import call_command

from devdata.demo.funding import load_demo_releases
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
    # Three paid runs on the CCG's pay dates of 2018/19: South Gloucestershire's T1 in April, South Bristol's in May,
    # and South Bristol's Improved Access 2018Q1 in July (devdata.demo.improved_access).
    assert set(PaymentRun.objects.values_list("name", "state", "paid_on")) == {
        ("LTS April 2018 (demo)", "paid", datetime.date(2018, 4, 20)),
        ("LTS May 2018 (demo)", "paid", datetime.date(2018, 5, 18)),
        ("Improved Access 2018Q1 (demo)", "paid", datetime.date(2018, 7, 20)),
    }
    assert load_demo_releases() == 0


def test_it_dates_the_demo_like_2018_19_each_step_after_the_one_before():
    from django.utils import timezone

    from funding.models import EvidenceTransition, ReleaseTransition

    call_command("load_demo_data", verbosity=0)

    def day(at):
        return timezone.localdate(at)

    # Evidence submitted and reviewed in 2017/18 (South Bristol's phase 2 plan, item 2.4, in June 2018).
    evidence_days = [
        day(at) for at in EvidenceTransition.objects.exclude(evidence__item__number="2.4").values_list("at", flat=True)
    ]
    assert evidence_days and all(datetime.date(2017, 11, 1) <= d <= datetime.date(2018, 3, 31) for d in evidence_days)
    # Releases proposed by the night's evaluation on 03/04/2018 (Improved Access: each quarter the night after it ends),
    # none late or needing an exception.
    for release in Release.objects.select_related("tranche", "tranche__scheme"):
        moves = list(release.transitions.order_by("at", "pk"))
        assert moves[0].to_state == "proposed"
        proposed = day(moves[0].at)
        if release.tranche.scheme.code == "ia":
            assert proposed in {
                datetime.date(2018, 7, 1),
                datetime.date(2018, 10, 1),
                datetime.date(2019, 1, 1),
                datetime.date(2019, 4, 1),
            }
        else:
            assert proposed == datetime.date(2018, 4, 3)
        assert [m.at for m in moves] == sorted(m.at for m in moves)
        assert not release.late and not release.below_minimum
        assert not any("exception" in m.reason for m in moves)
    # Each run locked on the Monday of its pay week, paid on the pay date (a Friday), after its releases' approvals.
    for run in PaymentRun.objects.all():
        locked = day(run.locked_at)
        assert locked.weekday() == 0 and run.paid_on.weekday() == 4
        assert 0 < (run.paid_on - locked).days <= 5 and run.pay_date == run.paid_on
        for release in Release.objects.filter(payment_run=run):
            assert release.paid_on == run.paid_on
            approved = release.transitions.get(to_state="approved").at
            assert day(approved) < locked
    # Nothing the demo did is dated today: every transition is in 2017/18 or 2018/19.
    latest = ReleaseTransition.objects.order_by("-at").first().at
    assert day(latest) <= datetime.date(2019, 4, 1)
