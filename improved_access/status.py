"""What the IA pages show: a locality's rules today, its trend by quarter, and the overview across localities.

A fixed number of queries per quarter shown (the trend) and per page, whatever the number of localities.
"""

import datetime
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from funding.models import DEAD_STATES, Release, ReleaseKind
from localities.models import Locality
from onecare import formats

from .compliance import Assessment, assess_all, capacity_population, per_thousand, rules_on
from .models import ActivityReturn, Appointment, QuarterAssessment, RuleKind
from .payments import SCHEME_CODE
from .quarters import FIRST_PAYABLE, LAST_PLANNED, Quarter


def money(amount: Decimal) -> str:
    """The one money format (onecare.formats.money): £40,069.10, a claw-back -£40,069.10."""
    return formats.money(amount)


def payment_words(release: Release | None, compliant: bool | None) -> str:
    """A quarter's payment in words: the release's amount and state ("£40,069.10 proposed"), or why there is none
    ("Not paid: not compliant" when the quarter's latest evaluation found the locality not compliant), or
    "No payment yet" (not evaluated, or evaluated with nothing due)."""
    if release is not None:
        return f"{money(release.amount)} {release.get_state_display().lower()}"
    if compliant is False:
        return "Not paid: not compliant"
    return "No payment yet"


@dataclass
class QuarterPoint:
    quarter: Quarter
    capacity: Decimal
    threshold: Decimal
    slots: int
    booked: int
    release: Release | None = None
    compliant: bool | None = None  # the quarter's latest evaluation, None when not evaluated

    @property
    def payment(self) -> str:
        return payment_words(self.release, self.compliant)

    @property
    def capacity_shown(self) -> Decimal:
        return self.capacity.quantize(Decimal("0.1"), rounding=ROUND_DOWN)

    @property
    def utilisation(self) -> int | None:
        return min(100, self.booked * 100 // self.slots) if self.slots else None

    @property
    def meter_max(self) -> int:
        """The meter's scale: twice the threshold, so the threshold sits at the middle."""
        return int(self.threshold * 2) or 60


def quarters_until(today: datetime.date, locality: Locality | None = None) -> list[Quarter]:
    """The scheme's quarters started by today: from 2018Q1 to the last of 2018/19 (LAST_PLANNED), and on to the last
    quarter with an activity return or an IA release (of the locality, or of any locality when none is given)."""
    last = LAST_PLANNED
    returns = ActivityReturn.objects.all()
    releases = Release.objects.filter(tranche__scheme__code=SCHEME_CODE)
    if locality is not None:
        returns, releases = returns.filter(locality=locality), releases.filter(locality=locality)
    for code in [
        *returns.values_list("quarter", flat=True).distinct(),
        *releases.values_list("tranche__code", flat=True).distinct(),
    ]:
        try:
            last = max(last, Quarter.parse(code))
        except ValueError:
            continue
    last = min(last, Quarter.of(today))
    quarters, quarter = [], FIRST_PAYABLE
    while quarter <= last:
        quarters.append(quarter)
        quarter = quarter.next()
    return quarters


def latest_assessments(localities, quarters: list[str]) -> dict[tuple[int, str], bool]:
    """Per (locality, quarter): whether the quarter's latest evaluation found the locality compliant (one query)."""
    found: dict[tuple[int, str], bool] = {}
    rows = (
        QuarterAssessment.objects.filter(locality__in=localities, quarter__in=quarters)
        .order_by("evaluation__started_at", "pk")
        .values_list("locality_id", "quarter", "compliant")
    )
    for locality_id, quarter, compliant in rows:
        found[(locality_id, quarter)] = compliant
    return found


def trend(locality: Locality, today: datetime.date) -> list[QuarterPoint]:
    """Per quarter so far: planned capacity per 1,000 on the quarter's first day, utilisation and the release."""
    quarters = quarters_until(today, locality)
    assessed = latest_assessments([locality.pk], [str(q) for q in quarters])
    activity = {
        row["activity_return__quarter"]: row
        for row in Appointment.objects.filter(activity_return__locality=locality, activity_return__superseded=False)
        .values("activity_return__quarter")
        .annotate(slots=Count("pk"), booked=Coalesce(Sum("booked"), 0))
    }
    releases = {
        r.tranche.code: r
        for r in Release.objects.filter(locality=locality, kind=ReleaseKind.RELEASE, tranche__scheme__code=SCHEME_CODE)
        .exclude(state__in=DEAD_STATES)
        .select_related("tranche")
    }
    points = []
    for quarter in quarters:
        (assessment,) = assess_all(Locality.objects.filter(pk=locality.pk), quarter.start)
        rule = rules_on(quarter.start).get(RuleKind.CAPACITY)
        row = activity.get(str(quarter), {})
        population = (
            capacity_population(rule, assessment.registered_population, assessment.weighted_population)
            if rule
            else assessment.registered_population
        )
        points.append(
            QuarterPoint(
                quarter,
                per_thousand(assessment.weekly_minutes, population),
                rule.threshold if rule else Decimal(0),
                row.get("slots", 0),
                row.get("booked", 0),
                releases.get(str(quarter)),
                assessed.get((locality.pk, str(quarter))),
            )
        )
    return points


@dataclass
class OverviewRow:
    assessment: Assessment
    release: Release | None
    compliant: bool | None = None  # the quarter's latest evaluation
    paid: Decimal = Decimal(0)  # every quarter's IA releases paid
    due: Decimal = Decimal(0)  # every quarter's IA releases proposed, approved, authorised or scheduled

    @property
    def locality(self) -> Locality:
        return self.assessment.locality

    @property
    def money_so_far(self) -> str:
        if not (self.paid or self.due):
            return "Nothing paid or proposed yet"
        parts = [f"{money(self.paid)} paid"] if self.paid else []
        if self.due:
            parts.append(f"{money(self.due)} proposed or being approved")
        return ", ".join(parts)

    @property
    def payment(self) -> str:
        return payment_words(self.release, self.compliant)


def overview(localities: QuerySet[Locality], today: datetime.date) -> tuple[Quarter, list[OverviewRow]]:
    """Each locality's compliance today, its payment for the scheme's latest quarter started by today, and its IA
    money so far (paid, and proposed or on its way)."""
    from funding.models import ReleaseState

    shown = quarters_until(today)
    quarter = shown[-1] if shown else Quarter.of(today)
    live = (
        Release.objects.filter(Q(locality__in=localities), kind=ReleaseKind.RELEASE, tranche__scheme__code=SCHEME_CODE)
        .exclude(state__in=DEAD_STATES)
        .select_related("tranche")
    )
    releases, paid, due = {}, {}, {}
    for release in live:
        if release.tranche.code == str(quarter):
            releases[release.locality_id] = release
        into = paid if release.state == ReleaseState.PAID else due
        into[release.locality_id] = into.get(release.locality_id, Decimal(0)) + release.amount
    assessed = latest_assessments(localities, [str(quarter)])
    rows = [
        OverviewRow(
            a,
            releases.get(a.locality.pk),
            assessed.get((a.locality.pk, str(quarter))),
            paid.get(a.locality.pk, Decimal(0)),
            due.get(a.locality.pk, Decimal(0)),
        )
        for a in assess_all(localities, today)
    ]
    return quarter, rows


@dataclass
class QuarterMoney:
    """One scheme quarter across the localities the user sees: what is proposed (or further on) and paid."""

    quarter: Quarter
    releases: int
    amount: Decimal
    paid: Decimal

    @property
    def amount_shown(self) -> str:
        return money(self.amount)

    @property
    def paid_shown(self) -> str:
        return money(self.paid)


def money_by_quarter(localities: QuerySet[Locality], today: datetime.date) -> list[QuarterMoney]:
    """The scheme's quarters with their live IA releases' total and the part paid (one query)."""
    from funding.models import ReleaseState

    totals = {
        row["tranche__code"]: row
        for row in Release.objects.filter(
            locality__in=localities, kind=ReleaseKind.RELEASE, tranche__scheme__code=SCHEME_CODE
        )
        .exclude(state__in=DEAD_STATES)
        .values("tranche__code")
        .annotate(
            n=Count("pk"),
            total=Coalesce(Sum("amount"), Decimal(0)),
            paid=Coalesce(Sum("amount", filter=Q(state=ReleaseState.PAID)), Decimal(0)),
        )
    }
    found = []
    for quarter in quarters_until(today):
        row = totals.get(str(quarter), {})
        found.append(QuarterMoney(quarter, row.get("n", 0), row.get("total", Decimal(0)), row.get("paid", Decimal(0))))
    return found
