"""The checklist as a locality sees it: every item of the active schemes with its status, in two queries."""

import datetime
from dataclasses import dataclass, field

from localities.models import Locality

from .models import ChecklistItem, Evidence, EvidenceStatus, Phase
from .workflow import EVIDENCE, OVERDUE_WHEN


@dataclass
class ItemRow:
    item: ChecklistItem
    status: EvidenceStatus
    overdue: bool

    @property
    def status_label(self) -> str:
        return "Overdue" if self.overdue else EvidenceStatus(self.status).label

    @property
    def tag_class(self) -> str:
        return "nhsuk-tag--red" if self.overdue else EVIDENCE.tag_class(self.status)


@dataclass
class PhaseRows:
    phase: Phase
    overdue: bool
    rows: list[ItemRow] = field(default_factory=list)

    @property
    def accepted(self) -> int:
        return sum(row.status == EvidenceStatus.ACCEPTED for row in self.rows)

    @property
    def complete(self) -> bool:
        """Every item of the phase accepted: its deadline no longer matters."""
        return bool(self.rows) and self.accepted == len(self.rows)


def locality_checklist(locality: Locality, day: datetime.date) -> list[PhaseRows]:
    # One evidence a locality and item (a constraint): unordered, as the evidence's default ordering joins two tables.
    statuses = dict(Evidence.objects.filter(locality=locality).order_by().values_list("item_id", "status"))
    phases: dict[int, PhaseRows] = {}
    items = ChecklistItem.objects.filter(phase__scheme__active=True).select_related("phase__scheme")
    for item in items:
        phase = item.phase
        if phase.pk not in phases:
            phases[phase.pk] = PhaseRows(phase, phase.is_overdue_on(day))
        status = EvidenceStatus(statuses.get(item.pk, EvidenceStatus.NOT_STARTED))
        phases[phase.pk].rows.append(ItemRow(item, status, phase.is_overdue_on(day) and status in OVERDUE_WHEN))
    return list(phases.values())
