"""The register with its totals: members, shares paid, practices and registered population covered."""

import datetime
from dataclasses import dataclass

from django.db.models import Count, IntegerField, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce

from localities.population import Basis, latest_list_size

from .models import Member, MemberStatus


def register_rows(at: datetime.date) -> QuerySet[Member]:
    """Every practice in the register, with its registered patients at `at`, in one query."""
    return (
        Member.objects.select_related("practice")
        .annotate(registered=latest_list_size(at, Basis.REGISTERED, practice_ref="practice_id"))
        .order_by("practice__name")
    )


@dataclass(frozen=True)
class RegisterTotals:
    practices: int
    members: int
    invited: int
    declined: int
    left: int
    shares_paid: int
    population_covered: int


def register_totals(at: datetime.date) -> RegisterTotals:
    members = Q(status=MemberStatus.MEMBER)
    counts = Member.objects.aggregate(
        practices=Count("pk"),
        members=Count("pk", filter=members),
        invited=Count("pk", filter=Q(status=MemberStatus.INVITED)),
        declined=Count("pk", filter=Q(status=MemberStatus.DECLINED)),
        left=Count("pk", filter=Q(status=MemberStatus.LEFT)),
        shares_paid=Count("pk", filter=members & Q(share_paid_on__isnull=False)),
    )
    population = (
        Member.objects.filter(members)
        .annotate(registered=latest_list_size(at, Basis.REGISTERED))
        .aggregate(total=Coalesce(Sum("registered"), Value(0, output_field=IntegerField())))["total"]
    )
    return RegisterTotals(population_covered=population, **counts)
