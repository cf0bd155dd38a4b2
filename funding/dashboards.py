"""The money as people read it: per CCG and locality (envelope, proposed, approved, paid, remaining), paid over time,
and one locality's released money with what unlocks its next tranche. A fixed number of queries each.

The envelope is the scheme's total rate per head (GBP 3.00 for the LTS) times the locality's registered
population at the latest tranche reference date (today if that is later than no tranche at all).
"Approved" counts releases approved, authorised or scheduled (committed, not yet paid); "remaining" is
the envelope less approved and paid.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Max, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, TruncMonth

from localities.models import Locality
from localities.population import with_population

from .models import (
    DEAD_STATES,
    SEPARATE_SCHEMES,
    Evidence,
    EvidenceStatus,
    Release,
    ReleaseKind,
    ReleaseState,
    Tranche,
)
from .money import ZERO, to_pence
from .release_workflow import TAG_CLASS

COMMITTED = [ReleaseState.APPROVED, ReleaseState.AUTHORISED, ReleaseState.SCHEDULED]


@dataclass
class Money:
    name: str
    population: int = 0
    envelope: Decimal = ZERO
    proposed: Decimal = ZERO
    approved: Decimal = ZERO
    paid: Decimal = ZERO
    locality: Locality | None = None

    @property
    def remaining(self) -> Decimal:
        return self.envelope - self.approved - self.paid

    @property
    def paid_percent(self) -> int:
        return int(self.paid * 100 / self.envelope) if self.envelope else 0

    def add(self, other: "Money") -> None:
        for attr in ["population", "envelope", "proposed", "approved", "paid"]:
            setattr(self, attr, getattr(self, attr) + getattr(other, attr))


@dataclass
class CcgMoney:
    total: Money
    localities: list[Money] = field(default_factory=list)


def lts_tranches() -> QuerySet[Tranche]:
    return Tranche.objects.filter(active=True, scheme__active=True).exclude(scheme__code__in=SEPARATE_SCHEMES)


def lts_releases() -> QuerySet[Release]:
    """The ledger's LTS money: Improved Access (SEPARATE_SCHEMES) has its own envelope and pages."""
    return Release.objects.exclude(tranche__scheme__code__in=SEPARATE_SCHEMES)


def envelope_terms(today: datetime.date) -> tuple[Decimal, datetime.date]:
    tranches = lts_tranches().aggregate(rate=Coalesce(Sum("rate"), ZERO), latest=Max("reference_date"))
    return tranches["rate"], tranches["latest"] or today


def money_by_ccg(localities: QuerySet[Locality], today: datetime.date) -> tuple[list[CcgMoney], Money, Decimal]:
    rate, at = envelope_terms(today)
    money = Coalesce(Sum("amount"), ZERO)
    sums = {
        row["locality_id"]: row
        for row in lts_releases()
        .filter(locality__in=localities)
        .values("locality_id")
        .annotate(
            proposed=Coalesce(Sum("amount", filter=Q(state=ReleaseState.PROPOSED)), ZERO),
            approved=Coalesce(Sum("amount", filter=Q(state__in=COMMITTED)), ZERO),
            paid=Coalesce(Sum("amount", filter=Q(state=ReleaseState.PAID)), ZERO),
            all=money,
        )
    }
    groups: dict[int, CcgMoney] = {}
    grand = Money("All localities")
    for locality in with_population(localities.select_related("commissioner"), at).order_by(
        "commissioner__code", "name"
    ):
        row = sums.get(locality.pk, {})
        line = Money(
            locality.name,
            population=locality.population,
            envelope=to_pence(rate * locality.population),
            proposed=row.get("proposed", ZERO),
            approved=row.get("approved", ZERO),
            paid=row.get("paid", ZERO),
            locality=locality,
        )
        group = groups.setdefault(locality.commissioner_id, CcgMoney(Money(str(locality.commissioner))))
        group.localities.append(line)
        group.total.add(line)
        grand.add(line)
    return list(groups.values()), grand, rate


def paid_over_time(localities: QuerySet[Locality]) -> list[dict]:
    """Money paid per month (by the day finance says the money left: Release.paid_on), with the running total,
    in one query."""
    months = (
        Release.objects.filter(state=ReleaseState.PAID, locality__in=localities)
        .exclude(tranche__scheme__code__in=SEPARATE_SCHEMES)
        .annotate(month=TruncMonth("paid_on"))
        .values("month")
        .annotate(paid=Coalesce(Sum("amount"), ZERO))
        .order_by("month")
    )
    rows, running = [], ZERO
    for month in months:
        running += month["paid"]
        rows.append({"month": month["month"], "paid": month["paid"], "cumulative": running})
    peak = max((row["cumulative"] for row in rows), default=ZERO)
    for row in rows:
        row["percent"] = int(row["cumulative"] * 100 / peak) if peak else 0
    return rows


@dataclass
class TrancheRow:
    tranche: Tranche
    release: Release | None
    missing: list = field(default_factory=list)

    @property
    def tag_class(self) -> str:
        return TAG_CLASS[self.release.state] if self.release else "nhsuk-tag--grey"


def locality_money(locality: Locality, day: datetime.date) -> dict:
    """Each tranche with the locality's live release of it, or what is still missing to open it (4 queries)."""
    tranches = list(lts_tranches().select_related("scheme").prefetch_related("gate_items"))
    releases = {
        r.tranche_id: r
        for r in lts_releases()
        .filter(locality=locality, kind=ReleaseKind.RELEASE)
        .exclude(state__in=DEAD_STATES)
        .select_related("tranche")
    }
    accepted = set(
        Evidence.objects.filter(locality=locality, status=EvidenceStatus.ACCEPTED).values_list("item_id", flat=True)
    )
    rows = []
    for tranche in tranches:
        release = releases.get(tranche.pk)
        missing = [] if release else [item for item in tranche.gate_items.all() if item.pk not in accepted]
        rows.append(TrancheRow(tranche, release, missing))
    # Paid includes adjustments (top-ups and claw-backs) already paid.
    paid = (
        lts_releases()
        .filter(locality=locality, state=ReleaseState.PAID)
        .aggregate(paid=Coalesce(Sum("amount"), ZERO))["paid"]
    )
    on_the_way = sum((r.amount for r in releases.values() if r.state in COMMITTED), ZERO)
    next_row = next((row for row in rows if row.release is None), None)
    return {"locality": locality, "rows": rows, "paid": paid, "on_the_way": on_the_way, "next": next_row, "today": day}
