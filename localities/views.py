"""Locality pages: the overview for commissioners and a locality at a glance for its members."""

import datetime

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from improved_access.permissions import can_view_ia
from onecare.accounts.roles import Role
from onecare.accounts.scoping import get_locality_for_user, today, visible_localities
from onecare.pagecache import cached_page

from .governance import can_record_governance
from .models import Representative
from .population import figures_dated, practice_list_sizes, with_population


def date_from_query(request: HttpRequest) -> tuple[datetime.date, str | None]:
    """The `at` date asked for in the query string (today when absent), and an error message if it is not a date."""
    raw = request.GET.get("at", "").strip()
    if not raw:
        return today(), None
    try:
        return datetime.date.fromisoformat(raw), None
    except ValueError:
        return today(), "Enter the date as year-month-day, for example 2018-01-01."


@login_required
@cached_page
def overview(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not (user.is_superuser or user.has_role(Role.COMMISSIONER, Role.FINANCE_APPROVER, Role.DATA_ADMIN)):
        raise PermissionDenied
    at, date_error = date_from_query(request)
    localities = list(
        with_population(visible_localities(user), at)
        .select_related("commissioner")
        .order_by("commissioner__code", "name")
    )
    minimum = settings.LOCALITY_MINIMUM_POPULATION
    largest = max([loc.population for loc in localities] + [minimum])
    for locality in localities:
        locality.below_minimum = locality.population < minimum
        locality.bar_percent = round(100 * locality.population / largest) if largest else 0
    return render(
        request,
        "localities/overview.html",
        {
            "localities": localities,
            "at": at,
            "date_error": date_error,
            "minimum": minimum,
            "minimum_percent": round(100 * minimum / largest) if largest else 0,
            "total_population": sum(loc.population for loc in localities),
            "total_weighted_population": sum(loc.weighted_population for loc in localities),
            "total_practices": sum(loc.practice_count for loc in localities),
        },
    )


@login_required
@cached_page
def detail(request: HttpRequest, code: str) -> HttpResponse:
    locality = get_locality_for_user(request.user, code)
    at, date_error = date_from_query(request)
    members = list(practice_list_sizes(locality, at))
    representatives = (
        Representative.objects.on(at).filter(locality=locality).select_related("practice").order_by("role", "name")
    )
    population = sum(m.registered or 0 for m in members)
    weighted = sum(m.weighted or 0 for m in members)
    minimum = settings.LOCALITY_MINIMUM_POPULATION
    return render(
        request,
        "localities/detail.html",
        {
            "locality": locality,
            "vehicle": getattr(locality, "vehicle", None),
            "representatives": representatives,
            "sub_localities": locality.sub_localities.prefetch_related(
                Prefetch("memberships", queryset=locality.memberships.on(at).select_related("practice"))
            ),
            "members": members,
            "opted_out": [m for m in members if m.opted_out_on and m.opted_out_on <= at],
            "population": population,
            "weighted_population": weighted,
            "registered_dated": figures_dated(m.registered_at for m in members),
            "weighted_dated": figures_dated(m.weighted_at for m in members),
            "minimum": minimum,
            "below_minimum": population < minimum,
            "population_percent": min(100, round(100 * population / minimum)) if minimum else 100,
            "at": at,
            "date_error": date_error,
            "can_record_governance": can_record_governance(request.user, locality)[0],
            "can_view_improved_access": can_view_ia(request.user, locality)[0],
        },
    )
