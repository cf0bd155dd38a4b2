import random
from decimal import Decimal

import pytest

from funding.money import largest_remainder, release_amount, to_pence


def test_it_rounds_half_up_once():
    assert to_pence(Decimal("0.005")) == Decimal("0.01")
    assert to_pence(Decimal("0.0049")) == Decimal("0.00")
    assert to_pence(Decimal("2.675")) == Decimal("2.68")  # a float would give 2.67
    assert release_amount(Decimal("0.50"), Decimal("1234.567")) == Decimal("617.28")  # 617.2835
    assert release_amount(Decimal("0.50"), Decimal("1.01")) == Decimal("0.51")  # 0.505 half up


def test_it_splits_by_largest_remainder():
    assert largest_remainder(Decimal("1.00"), [1, 1, 1]) == [Decimal("0.34"), Decimal("0.33"), Decimal("0.33")]
    assert largest_remainder(Decimal("10.00"), [3, 6, 1]) == [Decimal("3.00"), Decimal("6.00"), Decimal("1.00")]
    # 1.5p, 2.5p and 1p exactly: the spare penny goes to the first of the tied remainders.
    assert largest_remainder(Decimal("0.05"), [Decimal("1.5"), Decimal("2.5"), Decimal("1")]) == [
        Decimal("0.02"),
        Decimal("0.02"),
        Decimal("0.01"),
    ]


def test_it_keeps_zero_weights_at_zero_and_splits_all_zero_evenly():
    assert largest_remainder(Decimal("5.00"), [0, 1, 0]) == [Decimal("0.00"), Decimal("5.00"), Decimal("0.00")]
    assert largest_remainder(Decimal("0.02"), [0, 0, 0]) == [Decimal("0.01"), Decimal("0.01"), Decimal("0.00")]


def test_it_splits_a_claw_back_as_negatives():
    assert largest_remainder(Decimal("-1.00"), [1, 1, 1]) == [Decimal("-0.34"), Decimal("-0.33"), Decimal("-0.33")]


def test_it_refuses_fractions_of_a_penny_and_nowhere_to_go():
    with pytest.raises(ValueError):
        largest_remainder(Decimal("1.005"), [1])
    with pytest.raises(ValueError):
        largest_remainder(Decimal("1.00"), [])


def test_it_adds_up_exactly_for_every_small_case():
    # Exhaustive: every total up to £1.00 over every 1-3 practice split of up to 6 patients.
    for pence in range(0, 101):
        total = Decimal(pence) / 100
        for weights in [(a,) for a in range(7)] + [(a, b) for a in range(7) for b in range(7)]:
            parts = largest_remainder(total, weights)
            assert sum(parts) == total
            assert all(part >= 0 for part in parts)


def test_it_holds_its_properties_for_random_lists():
    rng = random.Random(20171003)
    for _ in range(2000):
        weights = [Decimal(rng.randint(0, 30_000_000)) / 1000 for _ in range(rng.randint(1, 40))]
        rate = Decimal(rng.choice(["0.50", "1.50", "0.33", "1.37"]))
        total = release_amount(rate, sum(weights))
        parts = largest_remainder(total, weights)
        assert sum(parts) == total  # to the penny
        assert all(part == part.quantize(Decimal("0.01")) for part in parts)
        whole = sum(weights)
        for part, weight in zip(parts, weights, strict=True):
            exact = total * weight / whole if whole else total / len(weights)
            assert abs(part - exact) < Decimal("0.01")  # each part within a penny of its exact share


def _split_by_the_rule(total: Decimal, weights: list[Decimal]) -> list[Decimal]:
    """largest_remainder's general rule, written out: exact share rounded down, spare pence by largest remainder."""
    if total < 0:
        return [-part for part in _split_by_the_rule(-total, weights)]
    whole = sum(weights)
    if whole == 0:
        weights, whole = [Decimal(1)] * len(weights), Decimal(len(weights))
    pence = int(total * 100)
    exact = [Decimal(pence) * w / whole for w in weights]
    floors = [int(e) for e in exact]
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in order[: pence - sum(floors)]:
        floors[i] += 1
    return [(Decimal(p) * Decimal("0.01")).quantize(Decimal("0.01")) for p in floors]


def test_its_whole_pence_shortcut_gives_what_the_rule_gives():
    # A rate in pence times whole-number list sizes splits into whole pence: the shortcut must change nothing.
    rng = random.Random(20181001)
    for _ in range(3000):
        weights = [Decimal(rng.randint(0, 20_000)) for _ in range(rng.randint(1, 12))]
        if rng.random() < 0.3:
            weights[rng.randrange(len(weights))] = Decimal(rng.randint(0, 20_000_000)) / 1000
        rate = Decimal(rng.choice(["0.50", "1.50", "3.00", "0.37"]))
        for total in (release_amount(rate, sum(weights)), -release_amount(rate, sum(weights)), Decimal("0.07")):
            parts = largest_remainder(total, weights)
            assert [str(p) for p in parts] == [str(p) for p in _split_by_the_rule(total, weights)]
