"""Locality pages: the overview for commissioners (a locality at a glance for its members, with its checklist and
money, is portal.views.locality_page)."""

import datetime

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from onecare.accounts.roles import Role
from onecare.accounts.scoping import today, visible_localities
from onecare.pagecache import cached_page

from .links import locality_page_url
from .population import with_population


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
    url = locality_page_url()
    # Each row's link keeps the date asked for, if it is one: worked out here once, not by the template for each row
    # (whose lookup of a missing request.GET.at cost a failed attribute search every time).
    keep_at = f"?at={at.isoformat()}" if request.GET.get("at") and not date_error else ""
    for locality in localities:
        locality.url = url(locality.code) + keep_at
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
