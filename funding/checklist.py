"""The checklist as a locality sees it: every item of the active schemes with its status, in one query."""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import F, FilteredRelation, Q
from django.urls import reverse

from localities.models import Locality

from .models import ChecklistItem, EvidenceStatus, Phase
from .workflow import EVIDENCE, OVERDUE_WHEN


@dataclass
class ItemRow:
    item: ChecklistItem
    status: EvidenceStatus
    overdue: bool
    url: str  # the item's page for the locality (funding:item)

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


def item_page_url(locality: Locality) -> Callable[[int], str]:
    """A function of an item's pk that gives reverse("funding:item", args=[locality.code, pk]): the URLs of a
    locality's items differ only in the pk at their end, so reverse() runs once a list rather than once a row."""
    before, after = reverse("funding:item", args=[locality.code, 0]).rsplit("0", 1)
    return lambda pk: f"{before}{pk}{after}"


def locality_checklist(locality: Locality, day: datetime.date) -> list[PhaseRows]:
    # Each item with the locality's evidence status (one evidence a locality and item: a constraint), joined in.
    items = (
        ChecklistItem.objects.filter(phase__scheme__active=True)
        .select_related("phase__scheme")
        .annotate(here=FilteredRelation("evidence", condition=Q(evidence__locality=locality)))
        .annotate(evidence_status=F("here__status"))
    )
    url = item_page_url(locality)
    phases: dict[int, PhaseRows] = {}
    for item in items:
        phase = item.phase
        if phase.pk not in phases:
            phases[phase.pk] = PhaseRows(phase, phase.is_overdue_on(day))
        group = phases[phase.pk]
        status = EvidenceStatus(item.evidence_status or EvidenceStatus.NOT_STARTED)
        group.rows.append(ItemRow(item, status, group.overdue and status in OVERDUE_WHEN, url(item.pk)))
    return list(phases.values())
