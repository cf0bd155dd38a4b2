"""The member register for One Care staff: totals, every practice, and a CSV export."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from localities.views import date_from_query

from .exports import register_csv
from .register import register_rows, register_totals
from .roles import is_onecare_staff


def can_view_register(user) -> tuple[bool, str]:
    if is_onecare_staff(user):
        return True, ""
    return False, "Only One Care staff see the member register."


def _check(user) -> None:
    allowed, reason = can_view_register(user)
    if not allowed:
        raise PermissionDenied(reason)


@login_required
def register(request: HttpRequest) -> HttpResponse:
    _check(request.user)
    at, date_error = date_from_query(request)
    return render(
        request,
        "onecare/register.html",
        {"members": register_rows(at), "totals": register_totals(at), "at": at, "date_error": date_error},
    )


@login_required
def register_export(request: HttpRequest) -> HttpResponse:
    _check(request.user)
    at, _ = date_from_query(request)
    response = HttpResponse(register_csv(register_rows(at)), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="one-care-register-{at:%Y-%m-%d}.csv"'
    return response
