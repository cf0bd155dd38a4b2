"""Pounds and pence: the one place a figure is rounded to the penny, and the largest-remainder breakdown."""

from collections.abc import Sequence
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

PENNY = Decimal("0.01")
ZERO = Decimal("0.00")
# Decimal's default context holds 28 digits: products of pence and weights below this are exact there too.
EXACT_BELOW = 10**27


def to_pence(amount: Decimal) -> Decimal:
    """Round to the penny, half up: done once per release, on rate x population."""
    return Decimal(amount).quantize(PENNY, rounding=ROUND_HALF_UP)


def release_amount(rate: Decimal, population: Decimal | int) -> Decimal:
    return to_pence(Decimal(rate) * Decimal(population))


def largest_remainder(total: Decimal, weights: Sequence[Decimal | int]) -> list[Decimal]:
    """Split `total` (whole pence) in proportion to `weights` so the parts add up to it exactly.

    Each part is first its exact share rounded down to the penny; the pence left over go one each
    to the parts with the largest remainders (ties to the earlier part). With no weight at all, the
    total is split as evenly as it goes. A negative total is split as its absolute value, negated.
    """
    total = Decimal(total)
    if total != to_pence(total):
        raise ValueError(f"{total} is not a whole number of pence.")
    if total < 0:
        return [-part for part in largest_remainder(-total, weights)]
    weights = [Decimal(w) for w in weights]
    if any(w < 0 for w in weights):
        raise ValueError("Weights cannot be negative.")
    if not weights:
        if total:
            raise ValueError("Nothing to split the amount between.")
        return []
    whole = sum(weights)
    if whole == 0:
        weights, whole = [Decimal(1)] * len(weights), Decimal(len(weights))
    pence = int(total / PENNY)
    whole_pence = _whole_pence_shares(pence, weights, whole)
    if whole_pence is not None:  # nothing to round: each part is its exact share
        return [(Decimal(p) * PENNY).quantize(PENNY) for p in whole_pence]
    exact = [Decimal(pence) * w / whole for w in weights]
    floors = [int(e.to_integral_value(rounding=ROUND_DOWN)) for e in exact]
    left = pence - sum(floors)
    by_remainder = sorted(range(len(weights)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in by_remainder[:left]:
        floors[i] += 1
    return [(Decimal(p) * PENNY).quantize(PENNY) for p in floors]


def _whole_pence_shares(pence: int, weights: list[Decimal], whole: Decimal) -> list[int] | None:
    """Each weight's exact share of `pence` if every one is a whole number of pence (as when the total is a rate in
    pence times whole-number weights), in integers; else None, and the general split applies."""
    if whole != whole.to_integral_value():
        return None
    denominator = int(whole)
    if pence * denominator >= EXACT_BELOW:  # beyond what the general split computes exactly: leave it to that
        return None
    shares = []
    for w in weights:
        whole_w = int(w)
        if whole_w != w:
            return None
        share, remainder = divmod(pence * whole_w, denominator)
        if remainder:
            return None
        shares.append(share)
    return shares
