import datetime
from decimal import Decimal

from funding.models import Tranche
from localities.models import Basis


def test_it_adds_the_tranches_up_to_exactly_three_pounds(lts_rules):
    rates = [t.rate for t in Tranche.objects.filter(scheme__code="lts")]

    assert rates == [Decimal("0.50"), Decimal("0.50"), Decimal("0.50"), Decimal("1.50")]
    assert sum(rates) == Decimal("3.00")


def test_it_gates_each_tranche_as_the_scheme_paper_says(lts_rules):
    gates = {t.code: sorted(i.number for i in t.gate_items.all()) for t in Tranche.objects.all()}

    assert gates == {
        "T1": [],
        "T2a": ["2.1"],
        "T2b": ["2.2", "2.3", "2.4"],
        "T3": ["3.1"],
    }
    assert [t.code for t in Tranche.objects.filter(opens_on_joining=True)] == ["T1"]
    windows = {
        t.code: (t.releasable_from, t.due_by, sorted(t.after.values_list("code", flat=True)))
        for t in Tranche.objects.all()
    }
    assert windows == {
        "T1": (datetime.date(2017, 10, 3), datetime.date(2017, 12, 31), []),
        "T2a": (datetime.date(2018, 1, 1), datetime.date(2018, 6, 30), []),
        "T2b": (datetime.date(2018, 1, 1), datetime.date(2018, 6, 30), []),
        "T3": (datetime.date(2018, 7, 1), datetime.date(2019, 3, 31), ["T2a", "T2b"]),
    }
    assert {t.basis for t in Tranche.objects.all()} == {Basis.REGISTERED}


def test_it_keeps_the_history_of_a_rule_change(lts_rules):
    t3 = lts_rules.tranches["T3"]
    t3.reference_date = datetime.date(2018, 10, 1)
    t3.save()

    assert t3.history.first().reference_date == datetime.date(2018, 10, 1)
