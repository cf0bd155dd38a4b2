"""The LTS checklist fixture and the locality's task list built from it."""

import datetime
from pathlib import Path

from django.conf import settings
from django.core.management import call_command

from funding.checklist import locality_checklist
from funding.models import ChecklistItem, Phase

from .factories import EvidenceFactory


def test_it_loads_the_lts_checklist():
    call_command("loaddata", Path(settings.BASE_DIR) / "fixtures" / "lts_checklist.json", verbosity=0)
    numbers = list(ChecklistItem.objects.values_list("number", flat=True))
    assert numbers == ["1.1", "1.2", "1.3", "1.4", "1.5", "1.6", "1.7", "2.1", "2.2", "2.3", "2.4", "3.1"]
    deadlines = dict(Phase.objects.values_list("number", "deadline"))
    assert deadlines == {1: datetime.date(2017, 12, 31), 2: datetime.date(2018, 6, 30), 3: datetime.date(2019, 3, 31)}
    assert all(item.guidance for item in ChecklistItem.objects.all())


def test_it_shows_each_items_status_and_flags_overdue(people, checklist):
    EvidenceFactory(locality=people.south_bristol, item=checklist.items[0], accepted=True)
    EvidenceFactory(locality=people.south_bristol, item=checklist.items[1], draft=True)
    EvidenceFactory(locality=people.woodspring, item=checklist.items[2], submitted=True)
    phase1, phase2 = locality_checklist(people.south_bristol, datetime.date(2018, 1, 2))
    assert [row.status for row in phase1.rows] == ["accepted", "draft", "not_started"]
    assert [row.overdue for row in phase1.rows] == [False, True, True]
    assert phase1.accepted == 1
    assert [row.overdue for row in phase2.rows] == [False]


def test_it_flags_nothing_overdue_before_the_deadline(people, checklist):
    phases = locality_checklist(people.south_bristol, datetime.date(2017, 12, 31))
    assert not any(row.overdue for group in phases for row in group.rows)
