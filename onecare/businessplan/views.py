"""The business plan tracker, read-only for member practices and One Care staff (who edit it in the admin)."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from onecare.ballots.permissions import runs_ballots, voter_practice_ids
from onecare.membership.models import Member, MemberStatus

from .charts import income_chart, risk_grid
from .forecast import income_forecast
from .models import Activity, Area, Risk


def can_view_business_plan(user) -> tuple[bool, str]:
    if runs_ballots(user):
        return True, ""
    practices = voter_practice_ids(user)
    if practices and Member.objects.filter(practice_id__in=practices, status=MemberStatus.MEMBER).exists():
        return True, ""
    return False, "The business plan is for One Care's member practices."


@login_required
def business_plan(request: HttpRequest) -> HttpResponse:
    allowed, reason = can_view_business_plan(request.user)
    if not allowed:
        raise PermissionDenied(reason)
    areas = Area.objects.prefetch_related(Prefetch("activities", queryset=Activity.objects.order_by("number")))
    risks, forecast = list(Risk.objects.all()), income_forecast()
    return render(
        request,
        "onecare/business_plan.html",
        {
            "areas": areas,
            "risks": risks,
            "forecast": forecast,
            "income_chart": income_chart(forecast),
            "risk_grid": risk_grid(risks),
        },
    )
