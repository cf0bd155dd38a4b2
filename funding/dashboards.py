"""The money as people read it: per CCG and locality (envelope, proposed, committed, paid, remaining) for the LTS and
Improved Access together, paid over time by month and scheme, the envelope used and remaining, and one locality's
released money with what unlocks its next tranche. A fixed number of queries each.

Envelopes (the figures the charts are drawn against):
- LTS: the active LTS tranches' rates added up (£3.00 a registered head) times the locality's registered population
  at the latest tranche reference date (today if no tranche has one).
- Improved Access: the payment terms' rate a weighted head a quarter (£1.50) for the four quarters of 2018/19 the
  scheme plans (2018Q1 to 2018Q4: £6.00 a weighted head), times the weighted population at the same date.
"Committed" (the page's word; "approved" in code) counts releases approved, authorised or scheduled: decided, not yet
paid. "Remaining" is the envelope less committed and paid (proposed money is still in it).
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Exists, F, JSONField, Max, OuterRef, QuerySet, Subquery, Sum

from localities.models import Locality
from localities.population import with_population
from onecare.aggregates import JSONList
from onecare.charts import BarChart, ColumnChart, Series, bar_chart, column_chart, months_between

from .checklist import PhaseRows
from .models import (
    DEAD_STATES,
    SEPARATE_SCHEMES,
    ChecklistItem,
    Evidence,
    EvidenceStatus,
    Release,
    ReleaseKind,
    ReleaseState,
    Tranche,
)
from .money import ZERO, to_pence
from .release_workflow import RELEASES

COMMITTED = [ReleaseState.APPROVED, ReleaseState.AUTHORISED, ReleaseState.SCHEDULED]
IA = "ia"  # improved_access.payments.SCHEME_CODE: its releases are in this ledger, with its own envelope
IA_QUARTERS_PLANNED = 4  # 2018Q1 to 2018Q4 (improved_access.quarters.FIRST_PAYABLE to LAST_PLANNED)

# The charts' series: the colours are portal-svg__series--<key> in static/portal.css.
STAGES = [
    Series("paid", "Paid"),
    Series("committed", "Committed (approved, authorised or in a payment run)"),
    Series("proposed", "Proposed"),
    Series("remaining", "Remaining, not yet proposed"),
]
SCHEMES = [Series("lts", "Locality Transformation Scheme"), Series("ia", "Improved Access")]


@dataclass
class Money:
    """One locality's (or a total's) LTS money, with its Improved Access money in `ia` and both in `both`."""

    name: str
    population: int | Decimal = 0
    envelope: Decimal = ZERO
    proposed: Decimal = ZERO
    approved: Decimal = ZERO
    paid: Decimal = ZERO
    locality: Locality | None = None
    ia: "Money | None" = None

    @property
    def committed(self) -> Decimal:
        return self.approved

    @property
    def remaining(self) -> Decimal:
        return self.envelope - self.approved - self.paid

    @property
    def not_proposed(self) -> Decimal:
        """What no release has touched yet: the envelope less paid, committed and proposed (never below nothing)."""
        return max(self.envelope - self.paid - self.approved - self.proposed, ZERO)

    @property
    def paid_percent(self) -> int:
        return int(self.paid * 100 / self.envelope) if self.envelope else 0

    @property
    def used_percent(self) -> int:
        """Paid and committed, of the envelope."""
        return int((self.paid + self.approved) * 100 / self.envelope) if self.envelope else 0

    @property
    def stages(self) -> list[Decimal]:
        """The chart's segments, in STAGES' order."""
        return [self.paid, self.approved, self.proposed, self.not_proposed]

    @property
    def both(self) -> "Money":
        """The LTS and Improved Access together (population: the LTS's registered patients)."""
        ia = self.ia or Money(self.name)
        return Money(
            self.name,
            self.population,
            envelope=self.envelope + ia.envelope,
            proposed=self.proposed + ia.proposed,
            approved=self.approved + ia.approved,
            paid=self.paid + ia.paid,
            locality=self.locality,
        )

    def add(self, other: "Money") -> None:
        self.population += other.population
        self.envelope += other.envelope
        self.proposed += other.proposed
        self.approved += other.approved
        self.paid += other.paid
        if other.ia is not None:
            if self.ia is None:
                self.ia = Money(self.name)
            self.ia.add(other.ia)


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
    tranches = lts_tranches().aggregate(rate=Sum("rate"), latest=Max("reference_date"))
    return tranches["rate"] or ZERO, tranches["latest"] or today


# The stage of the money each state counts in (rejected and withdrawn releases count in none).
STAGE_OF_STATE = {ReleaseState.PROPOSED: "proposed", ReleaseState.PAID: "paid", **dict.fromkeys(COMMITTED, "approved")}


def released_money(localities: QuerySet[Locality]) -> list[dict]:
    """The localities' releases added up by locality, state, scheme and day paid (`amount`; `paid_on` is None for
    money not paid), in one query: money_by_ccg adds them up by stage and paid_over_time by month (payments go out
    on a few days a month, so the rows are hardly more than by month, and the month is cheaper found here than
    asked of the database)."""
    return list(
        Release.objects.filter(locality__in=localities)
        .values("locality_id", "state", "tranche__scheme__code", "paid_on")
        .annotate(amount=Sum("amount"))
        .order_by()
    )


def _sums(released: list[dict]) -> dict[int, dict[str, Decimal]]:
    """Per locality, `lts_proposed`, `ia_paid` and so on: the money in each stage by scheme, added up here from the
    rows of released_money(): six filtered sums cost more to build than the rows to add."""
    sums: dict[int, dict[str, Decimal]] = {}
    for row in released:
        stage = STAGE_OF_STATE.get(row["state"])
        if stage is None:
            continue
        key = f"{IA if row['tranche__scheme__code'] == IA else 'lts'}_{stage}"
        figures = sums.setdefault(row["locality_id"], {})
        figures[key] = figures.get(key, ZERO) + row["amount"]
    return sums


def money_by_ccg(
    localities: QuerySet[Locality], today: datetime.date, ia_rate: Decimal, released: list[dict] | None = None
) -> tuple[list[CcgMoney], Money, Decimal]:
    """Per CCG and locality, the LTS money (and in each row's `ia` the Improved Access money, its envelope at
    `ia_rate` a weighted head a year: improved_access.dashboards.ia_rate_a_year), with the grand total and the LTS
    rate per head. Three queries whatever the number of localities (two given the released_money() rows)."""
    rate, at = envelope_terms(today)
    sums = _sums(released if released is not None else released_money(localities))
    groups: dict[int, CcgMoney] = {}
    grand = Money("All localities", ia=Money("All localities"))
    for locality in with_population(localities.select_related("commissioner"), at, practice_count=False).order_by(
        "commissioner__code", "name"
    ):
        row = sums.get(locality.pk, {})
        line = Money(
            locality.name,
            population=locality.population,
            envelope=to_pence(rate * locality.population),
            proposed=row.get("lts_proposed", ZERO),
            approved=row.get("lts_approved", ZERO),
            paid=row.get("lts_paid", ZERO),
            locality=locality,
            ia=Money(
                locality.name,
                population=locality.weighted_population or ZERO,
                envelope=to_pence(ia_rate * (locality.weighted_population or ZERO)),
                proposed=row.get("ia_proposed", ZERO),
                approved=row.get("ia_approved", ZERO),
                paid=row.get("ia_paid", ZERO),
                locality=locality,
            ),
        )
        group = groups.get(locality.commissioner_id)
        if group is None:  # a CCG's total is made once, for its first locality (not built and thrown away for each)
            name = str(locality.commissioner)
            group = groups[locality.commissioner_id] = CcgMoney(Money(name, ia=Money(name)))
        group.localities.append(line)
        group.total.add(line)
        grand.add(line)
    return list(groups.values()), grand, rate


def paid_over_time(localities: QuerySet[Locality], released: list[dict] | None = None) -> list[dict]:
    """Money paid per month by scheme (by the day finance says the money left: Release.paid_on), every month from the
    first payment to the last (a month without one is nothing paid), with the running total: in one query, or none
    given the released_money() rows."""
    paid = {}
    for row in released if released is not None else released_money(localities):
        if row["state"] != ReleaseState.PAID:
            continue
        scheme = IA if row["tranche__scheme__code"] == IA else "lts"
        month = paid.setdefault(row["paid_on"].replace(day=1), {"lts": ZERO, IA: ZERO})
        month[scheme] += row["amount"]
    if not paid:
        return []
    rows, running = [], ZERO
    for month in months_between(min(paid), max(paid)):
        figures = paid.get(month, {"lts": ZERO, IA: ZERO})
        in_month = figures["lts"] + figures[IA]
        running += in_month
        rows.append({"month": month, "lts": figures["lts"], "ia": figures[IA], "paid": in_month, "cumulative": running})
    return rows


def money_charts(groups: list[CcgMoney], grand: Money, months: list[dict]) -> dict[str, BarChart | ColumnChart | list]:
    """The page's charts: each CCG's localities (both schemes together), the envelope used and remaining per scheme,
    and paid over time by month and scheme with the running total."""
    ccg_charts = [
        bar_chart(
            f"money-chart-{position}",
            f"{group.total.name}: each locality's LTS and Improved Access money against its envelope",
            [(row.name, row.both.stages) for row in group.localities],
            STAGES,
        )
        for position, group in enumerate(groups, start=1)
    ]
    envelope = bar_chart(
        "envelope-chart",
        "The envelope used and remaining, by scheme",
        [
            ("Transformation (LTS)", grand.stages),
            ("Improved Access", (grand.ia or Money("")).stages),
            ("Both schemes", grand.both.stages),
        ],
        STAGES,
    )
    paid = (
        column_chart(
            "paid-chart",
            "Money paid each month, by scheme, and paid to date",
            [(row["month"], [row["lts"], row["ia"]]) for row in months],
            SCHEMES,
        )
        if months
        else None
    )
    return {"ccg_charts": ccg_charts, "envelope_chart": envelope, "paid_chart": paid}


def money_dashboard(localities: QuerySet[Locality], today: datetime.date, ia_rate: Decimal) -> dict:
    """Everything /funding/money/ shows, given the Improved Access rate a weighted head a year (three queries whatever
    the number of localities; portal.dashboards adds the one that reads the rate)."""
    released = released_money(localities)
    groups, grand, rate = money_by_ccg(localities, today, ia_rate, released)
    months = paid_over_time(localities, released)
    charts = money_charts(groups, grand, months)
    return {
        "groups": [{"money": group, "chart": chart} for group, chart in zip(groups, charts["ccg_charts"], strict=True)],
        "grand": grand,
        "rate": rate,
        "ia_rate": ia_rate / IA_QUARTERS_PLANNED,
        "months": months,
        "envelope_chart": charts["envelope_chart"],
        "paid_chart": charts["paid_chart"],
    }


def gate_item_ids() -> Subquery:
    """The tranche's (OuterRef("pk")) gate items' ids, as one list (None without any)."""
    gates = Tranche.gate_items.through.objects.filter(tranche=OuterRef("pk")).order_by().values("tranche")
    return Subquery(gates.annotate(ids=JSONList("checklistitem_id")).values("ids"), output_field=JSONField())


def missing_gate_items(locality: Locality, tranche: Tranche, checklist: list[PhaseRows] | None) -> list[ChecklistItem]:
    """The tranche's gate items without accepted evidence from the locality, in the items' order: taken from the
    locality's checklist when the page has read it, the tranche was read with its gate item ids (gate_item_ids(), as
    `gate_ids`) and every gate item is on the checklist; else read in one query."""
    if checklist is not None and "gate_ids" in tranche.__dict__:
        gate = set(tranche.gate_ids or ())
        rows = [row for phase in checklist for row in phase.rows if row.item.pk in gate]
        if len(rows) == len(gate):
            return [row.item for row in rows if row.status != EvidenceStatus.ACCEPTED]
    accepted = Evidence.objects.filter(locality=locality, item=OuterRef("pk"), status=EvidenceStatus.ACCEPTED)
    return list(ChecklistItem.objects.filter(tranches=tranche).exclude(Exists(accepted)))


@dataclass
class TrancheRow:
    tranche: Tranche
    release: Release | None
    missing: list = field(default_factory=list)  # the next tranche's gate items without accepted evidence

    @property
    def tag_class(self) -> str:
        return RELEASES.tag_class(self.release.state) if self.release else "nhsuk-tag--grey"


def locality_releases(locality: Locality) -> list[Release]:
    """The locality's live releases and adjustments of every scheme, each with its scheme's code, reading only the
    columns its page shows: one query for the page's money section (locality_money) and its payments
    (funding.remittances.remittances_for_user)."""
    live = Release.objects.filter(locality=locality).exclude(state__in=DEAD_STATES).order_by()
    return list(
        live.only("tranche", "kind", "amount", "state", "payment_run", "paid_on").annotate(
            scheme_code=F("tranche__scheme__code")
        )
    )


def locality_money(
    locality: Locality,
    day: datetime.date,
    checklist: list[PhaseRows] | None = None,
    releases: list[Release] | None = None,
) -> dict:
    """Each tranche with the locality's live release of it, and what is still missing to open the next one (3
    queries; one fewer with the locality's `checklist`, funding.checklist.locality_checklist, and one fewer with its
    `releases`, locality_releases, where the page has read them)."""
    tranches = lts_tranches().only("code", "rate", "opens_on_joining")
    if checklist is not None:
        tranches = tranches.annotate(gate_ids=gate_item_ids())
    tranches = list(tranches)
    if releases is not None:
        live = [release for release in releases if release.scheme_code not in SEPARATE_SCHEMES]
    else:
        # The locality's live LTS money, releases and adjustments, in one query (a handful of rows; no ordering
        # needed), with only the columns the page reads (not the rule's record).
        live = list(
            lts_releases()
            .filter(locality=locality)
            .exclude(state__in=DEAD_STATES)
            .order_by()
            .only("tranche", "kind", "amount", "state")
        )
    # One live release a tranche at most (the one_live_release_per_locality_tranche constraint).
    of_tranche = {r.tranche_id: r for r in live if r.kind == ReleaseKind.RELEASE}
    rows = [TrancheRow(tranche, of_tranche.get(tranche.pk)) for tranche in tranches]
    next_row = next((row for row in rows if row.release is None), None)
    if next_row:
        # The page says what unlocks the next tranche alone.
        next_row.missing = missing_gate_items(locality, next_row.tranche, checklist)
    # Paid includes adjustments (top-ups and claw-backs) already paid.
    paid = sum((r.amount for r in live if r.state == ReleaseState.PAID), ZERO)
    on_the_way = sum((r.amount for r in of_tranche.values() if r.state in COMMITTED), ZERO)
    return {"locality": locality, "rows": rows, "paid": paid, "on_the_way": on_the_way, "next": next_row, "today": day}
