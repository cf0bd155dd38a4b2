"""Portal pages of remittance advice (on screen and as PDF) and of a practice's money (funding.remittances)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .remittance_pdf import remittance_pdf
from .remittances import get_remittance_for_user, practice_for_user, practice_money, remittances_for_user


@login_required
def remittances(request: HttpRequest) -> HttpResponse:
    """Every remittance advice the person may read: one per paid payment run and payee."""
    return render(request, "funding/remittances/list.html", {"rows": remittances_for_user(request.user)})


@login_required
def remittance(request: HttpRequest, run_pk: int, code: str) -> HttpResponse:
    advice = get_remittance_for_user(request.user, run_pk, code)
    return render(request, "funding/remittances/detail.html", {"advice": advice})


@login_required
def remittance_pdf_view(request: HttpRequest, run_pk: int, code: str) -> HttpResponse:
    advice = get_remittance_for_user(request.user, run_pk, code)
    response = HttpResponse(remittance_pdf(advice), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{advice.filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def practice_money_view(request: HttpRequest, pk: int) -> HttpResponse:
    practice = practice_for_user(request.user, pk)
    money = practice_money(request.user, practice)
    return render(
        request,
        "funding/practice_money.html",
        {"money": money, "practice": practice, "own_practice": request.user.practice_id == practice.pk},
    )
