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

from .compliance import Assessment, assess_all, capacity_population, per_thousand, rules_on
from .models import Appointment, RuleKind
from .payments import SCHEME_CODE
from .quarters import FIRST_PAYABLE, Quarter


@dataclass
class QuarterPoint:
    quarter: Quarter
    capacity: Decimal
    threshold: Decimal
    slots: int
    booked: int
    release: Release | None = None

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


def quarters_until(today: datetime.date) -> list[Quarter]:
    quarters, quarter = [], FIRST_PAYABLE
    last = Quarter.of(today)
    while quarter <= last:
        quarters.append(quarter)
        quarter = quarter.next()
    return quarters


def trend(locality: Locality, today: datetime.date) -> list[QuarterPoint]:
    """Per quarter so far: planned capacity per 1,000 on the quarter's first day, utilisation and the release."""
    quarters = quarters_until(today)
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
            )
        )
    return points


@dataclass
class OverviewRow:
    assessment: Assessment
    release: Release | None

    @property
    def locality(self) -> Locality:
        return self.assessment.locality


def overview(localities: QuerySet[Locality], today: datetime.date) -> tuple[Quarter, list[OverviewRow]]:
    quarter = Quarter.of(today)
    releases = {
        r.locality_id: r
        for r in Release.objects.filter(
            Q(locality__in=localities),
            kind=ReleaseKind.RELEASE,
            tranche__scheme__code=SCHEME_CODE,
            tranche__code=str(quarter),
        ).exclude(state__in=DEAD_STATES)
    }
    rows = [OverviewRow(a, releases.get(a.locality.pk)) for a in assess_all(localities, today)]
    return quarter, rows
