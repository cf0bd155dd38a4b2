"""Migration 0007_historicalrelease_without_rule: the release history stops copying the rule record (the release
keeps it, and a historical record reads it from there); going back puts each release's rule into its records."""

import datetime
import json

import pytest
from django.core.management import call_command
from django.db import connection

from funding.evaluation import evaluate_milestones
from funding.models import Release
from funding.release_transitions import release_approve

from .ledger import join


def history_rules() -> list[object]:
    """Each historical release record's rule column as the database holds it, in the records' order."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT rule FROM funding_historicalrelease ORDER BY history_id")
        return [json.loads(rule) for (rule,) in cursor.fetchall()]


@pytest.mark.django_db(transaction=True)
def test_history_reads_the_releases_rule_and_going_back_copies_it_into_every_record(lts_rules, people):
    join(people.south_bristol, people.woodspring)
    released = evaluate_milestones(datetime.date(2018, 6, 1)).proposed
    south = next(r for r in released if r.locality == people.south_bristol)
    release_approve(south, actor=people.commissioner)  # more records of the same release
    releases = {r.pk: r for r in Release.objects.all()}
    records = list(Release.history.order_by("history_id"))
    assert len(records) > len(releases) == 2
    assert [record.instance.rule for record in records] == [releases[record.id].rule for record in records]

    call_command("migrate", "funding", "0006", verbosity=0)
    try:
        assert history_rules() == [releases[record.id].rule for record in records]
    finally:
        call_command("migrate", verbosity=0)

    with connection.cursor() as cursor:
        columns = connection.introspection.get_table_description(cursor, "funding_historicalrelease")
    assert "rule" not in {column.name for column in columns}
    assert [record.instance.rule for record in Release.history.order_by("history_id")] == [
        releases[record.id].rule for record in records
    ]
