"""The pages that combine the apps: the locality page and the money dashboard (their URLs: portal.urls)."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from funding.checklist import locality_checklist
from funding.dashboards import locality_releases
from improved_access.permissions import can_view_ia
from localities.governance import can_record_governance
from localities.models import LocalityMembership, Representative, SubLocality
from localities.population import figures_dated, practice_list_sizes
from localities.views import date_from_query
from onecare.accounts.scoping import get_locality_for_user, today, visible_localities
from onecare.pagecache import cached_page

from .dashboards import money_dashboard


def sub_localities_with_members(locality, members: list[LocalityMembership]) -> list[SubLocality]:
    """The locality's sub-localities, each with its `members` on the page's date (by practice code), taken from the
    members the page has already read rather than read again."""
    subs = list(locality.sub_localities.order_by("name"))
    for sub in subs:
        sub.members = []
    by_pk = {sub.pk: sub for sub in subs}
    for member in sorted(members, key=lambda m: (m.practice.code, m.valid_from)):
        if member.sub_locality_id in by_pk:
            by_pk[member.sub_locality_id].members.append(member)
    return subs


@login_required
@cached_page
def locality_page(request: HttpRequest, code: str) -> HttpResponse:
    """A locality at a glance (localities:detail): its population and governance, with its checklist, money and
    remittance advice (funding's template tags) and, for those who may see it, the link to its Improved Access."""
    locality = get_locality_for_user(request.user, code, "vehicle")
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
        "portal/locality.html",
        {
            "locality": locality,
            "vehicle": getattr(locality, "vehicle", None),
            "representatives": representatives,
            "sub_localities": sub_localities_with_members(locality, members),
            "members": members,
            # Read once for the checklist and for what unlocks the next tranche ({% locality_money %}), and the
            # releases once for the money and the payments ({% locality_remittances %}).
            "checklist": locality_checklist(locality, today()),
            "releases": locality_releases(locality),
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


@login_required
@cached_page
def money(request: HttpRequest) -> HttpResponse:
    """LTS and Improved Access money per CCG and locality the user can see (envelope, proposed, committed, paid,
    remaining), paid over time, and the envelope used: charts with their figures in tables."""
    return render(request, "funding/money.html", money_dashboard(visible_localities(request.user), today()))
