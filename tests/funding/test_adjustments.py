import datetime
from decimal import Decimal

from funding.evaluation import evaluate_milestones
from funding.models import Release, ReleaseKind, ReleaseState
from localities.models import ListSizeSnapshot

from .ledger import join, mark

JUNE_2018 = datetime.date(2018, 6, 1)


def paid_t1(locality):
    join(locality)
    release = evaluate_milestones(JUNE_2018).proposed[0]
    return mark(release, ReleaseState.PAID)


def revise(locality, patients):
    snapshot = ListSizeSnapshot.objects.filter(practice__memberships__locality=locality).order_by("pk").first()
    snapshot.registered_patients = patients  # a revised figure for the same extract date, as an import does
    snapshot.save()
    return snapshot


def test_it_proposes_a_top_up_when_a_list_size_is_revised_up(lts_rules, two_localities):
    south_bristol, _ = two_localities
    release = paid_t1(south_bristol)
    snapshot = revise(south_bristol, 60_123)

    outcome = evaluate_milestones(JUNE_2018)

    adjustment = outcome.adjustments[0]
    assert outcome.proposed == []
    assert (adjustment.kind, adjustment.adjusts, adjustment.state) == (ReleaseKind.ADJUSTMENT, release, "proposed")
    assert adjustment.amount == Decimal("61.50")
    assert [(line.practice_id, line.amount) for line in adjustment.lines.all()] == [
        (snapshot.practice_id, Decimal("61.50"))
    ]
    release.refresh_from_db()
    assert release.amount == Decimal("52500.00")  # paid releases are never edited


def test_it_proposes_a_claw_back_when_revised_down(lts_rules, two_localities):
    south_bristol, _ = two_localities
    paid_t1(south_bristol)
    revise(south_bristol, 59_000)

    adjustment = evaluate_milestones(JUNE_2018).adjustments[0]

    assert adjustment.amount == Decimal("-500.00")
    assert sum(line.amount for line in adjustment.lines.all()) == Decimal("-500.00")
    assert "claw-back" in adjustment.reason


def test_it_proposes_one_adjustment_until_it_is_settled(lts_rules, two_localities):
    south_bristol, _ = two_localities
    paid_t1(south_bristol)
    revise(south_bristol, 61_000)
    first = evaluate_milestones(JUNE_2018).adjustments[0]

    assert evaluate_milestones(JUNE_2018).adjustments == []

    mark(first, ReleaseState.PAID)
    assert evaluate_milestones(JUNE_2018).adjustments == []  # the paid adjustment settled it

    revise(south_bristol, 60_500)
    second = evaluate_milestones(JUNE_2018).adjustments[0]
    assert second.amount == Decimal("-250.00")
    assert Release.objects.filter(kind=ReleaseKind.ADJUSTMENT).count() == 2


def test_it_proposes_again_after_an_adjustment_is_rejected(lts_rules, two_localities):
    south_bristol, _ = two_localities
    paid_t1(south_bristol)
    revise(south_bristol, 61_000)
    first = evaluate_milestones(JUNE_2018).adjustments[0]
    Release.objects.filter(pk=first.pk).update(state=ReleaseState.REJECTED, reason="Figure under query.")

    assert len(evaluate_milestones(JUNE_2018).adjustments) == 1
