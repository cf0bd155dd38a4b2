"""A commissioner's lineage: it and every body that merged into it, at any depth, read in one query."""

import datetime

import pytest

from localities.models import Commissioner
from tests.localities.factories import CommissionerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def merged():
    """Two CCGs merged into a third, one of which had itself taken in another: three levels."""
    ended = {"valid_to": datetime.date(2020, 3, 31)}
    top = CommissionerFactory(code="15C", valid_from=datetime.date(2020, 4, 1))
    middle = CommissionerFactory(code="11H", successor=top, **ended)
    side = CommissionerFactory(code="11T", successor=top, **ended)
    bottom = CommissionerFactory(code="5A3", successor=middle, valid_to=datetime.date(2018, 3, 31))
    unrelated = CommissionerFactory(code="99Z")
    return top, middle, side, bottom, unrelated


def test_it_follows_every_level_in_one_query_and_keeps_the_answer(merged, django_assert_num_queries):
    top, middle, side, bottom, unrelated = merged
    top = Commissioner.objects.get(pk=top.pk)
    with django_assert_num_queries(1):
        assert top.lineage_ids() == {top.pk, middle.pk, side.pk, bottom.pk}
    with django_assert_num_queries(0):
        assert top.lineage_ids() == {top.pk, middle.pk, side.pk, bottom.pk}
    assert Commissioner.objects.get(pk=middle.pk).lineage_ids() == {middle.pk, bottom.pk}
    assert Commissioner.objects.get(pk=unrelated.pk).lineage_ids() == {unrelated.pk}


def test_it_reads_the_lineage_without_building_a_query_around_it(merged, compiled):
    """The recursive statement is run as written: no queryset built and compiled on every request that reads it."""
    top, middle, side, bottom, _ = merged
    compiled.clear()
    assert Commissioner.lineage_kept_on(bottom, top.pk) == {top.pk, middle.pk, side.pk, bottom.pk}
    assert compiled == []


def test_the_subquery_gives_the_same_lineage_inside_another_query(merged):
    top, middle, side, bottom, _ = merged
    found = Commissioner.objects.filter(pk__in=Commissioner.lineage_query(middle.pk)).values_list("pk", flat=True)
    assert set(found) == {middle.pk, bottom.pk}
    found = Commissioner.objects.filter(pk__in=Commissioner.lineage_query(top.pk)).values_list("pk", flat=True)
    assert set(found) == {top.pk, middle.pk, side.pk, bottom.pk}


def test_a_commissioner_saved_in_this_process_makes_it_work_the_lineage_out_again(merged):
    top, middle, side, bottom, unrelated = merged
    top = Commissioner.objects.get(pk=top.pk)
    assert unrelated.pk not in top.lineage_ids()
    unrelated.successor = side
    unrelated.valid_to = datetime.date(2016, 3, 31)
    unrelated.save()
    assert top.lineage_ids() == {top.pk, middle.pk, side.pk, bottom.pk, unrelated.pk}
