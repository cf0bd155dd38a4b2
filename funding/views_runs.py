"""Payment runs in the portal: finance creates a run for a pay date and cost centre, adds authorised releases,
sees the control totals, locks it, exports the schedule and marks it paid on the day the money left.

Who: a finance approver of the run's commissioner (or of the body it merged into) does everything
(funding.payment_runs.can_manage_payment_run); a commissioner of the same CCGs reads the runs and their
schedules, changing nothing (they approve the releases, so they see where the money went); any other role
answers 403; a run of another CCG answers 404, as a missing one does.

Every change is a confirmation page (GET says what will happen, POST with the CSRF token does it) and goes
through funding.payment_runs; a refusal is shown on the page in its own words and changes nothing. The same
POST sent twice is harmless: the transitions return quietly on a repeat, and the creation form carries a
one-time token.
"""

import re
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from onecare.accounts.roles import Role
from onecare.formats import long_date

from .exports import breakdown_csv, schedule_csv, schedule_of, schedule_xlsx
from .forms_runs import PAID_ON, PAY_DATE, PaidForm, RunCreateForm
from .models import PaymentRun, PaymentRunState, Release, ReleaseState
from .money import ZERO
from .payment_runs import (
    PAYMENT_RUNS,
    PaymentRunNotAllowed,
    can_manage_payment_run,
    payment_run_add,
    payment_run_create,
    payment_run_lock,
    payment_run_mark_paid,
    payment_run_remove,
)

READERS = (Role.FINANCE_APPROVER, Role.COMMISSIONER)
EXPORTS = {
    "schedule.csv": ("text/csv; charset=utf-8", schedule_csv),
    "breakdown.csv": ("text/csv; charset=utf-8", breakdown_csv),
    "schedule.xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", schedule_xlsx),
}
CREATED_TOKENS = "payment_run_tokens"  # session key: the creation forms already used, and the run each made


def require_reader(user) -> None:
    """Finance approvers and commissioners of a CCG; every other role may never use these pages."""
    if not (user.has_role(*READERS) and user.commissioner_id):
        raise PermissionDenied


def runs_for(user) -> QuerySet[PaymentRun]:
    """The runs of the user's CCG and of the CCGs merged into it."""
    require_reader(user)
    return PaymentRun.objects.filter(commissioner_id__in=user.commissioner_lineage()).select_related("commissioner")


def get_run_for_user(user, pk: int) -> PaymentRun:
    return get_object_or_404(runs_for(user).select_related("created_by", "locked_by", "paid_by"), pk=pk)


def may_manage(user, run: PaymentRun) -> bool:
    return can_manage_payment_run(user, run.commissioner)[0]


def by_reference(words: str, run: PaymentRun) -> str:
    """The transitions name a run by its number ("Payment run 7"); its pages by its reference ("15C-PR-0007")."""
    return re.sub(rf"\b([Pp]ayment run) {run.pk}\b", rf"\1 {run.reference}", words)


def breakdown_of_schedule(schedule) -> list[dict]:
    """Each line's per-practice breakdown, as the schedule has it (no query: the lines carry it)."""
    return [
        {
            "reference": line["reference"],
            "first": index == 0,
            "rows": len(line["breakdown"]),
            "practice_code": part["practice_code"],
            "practice_name": part["practice_name"],
            "patients": Decimal(part["patients"]),
            "opted_out": part["opted_out"],
            "amount": Decimal(part["amount"]),
        }
        for line in schedule.lines
        for index, part in enumerate(line["breakdown"])
    ]


def not_in_a_run(run: PaymentRun) -> QuerySet[Release]:
    """The authorised releases of the run's CCGs that no run holds yet: what finance may add."""
    return (
        Release.objects.filter(
            state=ReleaseState.AUTHORISED,
            payment_run__isnull=True,
            locality__commissioner_id__in=run.commissioner.lineage_ids(),
        )
        .select_related("locality__vehicle", "tranche")
        .order_by("locality__name", "tranche__position", "pk")
    )


def chosen_ids(request: HttpRequest) -> list[int]:
    """The ticked releases (GET on the confirmation page, POST when confirmed); anything not a number is ignored."""
    data = request.POST if request.method == "POST" else request.GET
    return sorted({int(value) for value in data.getlist("release") if value.isdigit() and len(value) < 12})


@login_required
def runs(request: HttpRequest) -> HttpResponse:
    user = request.user
    listed = (
        runs_for(user)
        .annotate(release_count=Count("releases"), total=Coalesce(Sum("releases__amount"), ZERO))
        .order_by("-created_at", "-pk")
    )
    listed = list(listed)
    for each in listed:
        each.state_tag = PAYMENT_RUNS.tag_class(each.state)
    return render(
        request,
        "funding/runs/list.html",
        {
            "runs": listed,
            "can_create": can_manage_payment_run(user, user.commissioner)[0],
        },
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def run_create(request: HttpRequest) -> HttpResponse:
    user = request.user
    require_reader(user)
    allowed, why = can_manage_payment_run(user, user.commissioner)
    if not allowed:
        raise PermissionDenied(why)
    form = RunCreateForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        token = data["token"]
        made = request.session.get(CREATED_TOKENS, {})
        if token and token in made and runs_for(user).filter(pk=made[token]).exists():
            messages.info(request, "That payment run was already created: here it is.")
            return redirect("funding:run", made[token])
        try:
            run = payment_run_create(
                user.commissioner,
                actor=user,
                name=data["name"],
                cost_centre=data["cost_centre"],
                pay_date=data["pay_date"],
                subjective_code=data["subjective_code"],
            )
        except PaymentRunNotAllowed as error:
            form.add_error(None, str(error))
        else:
            if token:
                request.session[CREATED_TOKENS] = {**dict(list(made.items())[-19:]), token: run.pk}
            messages.success(request, f"Payment run {run.reference} created. Add authorised releases to it.")
            return redirect("funding:run", run.pk)
    return render(request, "funding/runs/create.html", {"form": form, "date": PAY_DATE})


@login_required
def run(request: HttpRequest, pk: int) -> HttpResponse:
    run = get_run_for_user(request.user, pk)
    manage = may_manage(request.user, run)
    schedule = schedule_of(run)
    candidates = list(not_in_a_run(run)) if manage and run.state == PaymentRunState.DRAFT else []
    return render(
        request,
        "funding/runs/detail.html",
        {
            "run": run,
            "manage": manage,
            "schedule": schedule,
            "lines": schedule.lines,
            "parts": breakdown_of_schedule(schedule),
            "candidates": [{"release": r} for r in candidates],
            "candidates_total": sum((r.amount for r in candidates), ZERO),
            "state_tag": PAYMENT_RUNS.tag_class(run.state),
        },
    )


def _refusal_before(step: str, run: PaymentRun, schedule) -> str:
    """Why the step cannot be taken in the run's state, in words (blank: it can); the transition has the last word."""
    state = run.get_state_display().lower()
    if step == "lock" and run.state == PaymentRunState.DRAFT and not schedule.count:
        return "Add releases to the run before locking it."
    if step in ("add", "remove") and not PAYMENT_RUNS.allows(step, run.state):
        return f"Payment run {run.reference} is {state}: releases go in or out only while it is a draft."
    if step == "lock" and not PAYMENT_RUNS.allows(step, run.state):
        return f"Payment run {run.reference} is already {state}."
    if step == "pay" and run.state == PaymentRunState.DRAFT:
        return "Lock the run (and send its schedule) before marking it paid."
    if step == "pay" and run.state == PaymentRunState.PAID:
        return f"Payment run {run.reference} was marked paid on {long_date(run.paid_on)}."
    return ""


STEP_WORDS = {  # the page's title ({} the run's reference) and the words when nothing is ticked; its button is the
    # step's label (PAYMENT_RUNS)
    "add": ("Add releases to payment run {}", "Select at least one release to add"),
    "remove": ("Take releases out of payment run {}", "Select at least one release to take out"),
    "lock": ("Lock payment run {}", ""),
    "pay": ("Mark payment run {} paid", ""),
}


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def run_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    if step not in STEP_WORDS:
        raise Http404("No such step.")
    user = request.user
    run = get_run_for_user(user, pk)
    allowed, why = can_manage_payment_run(user, run.commissioner)
    if not allowed:
        raise PermissionDenied(why)
    releases = []
    if step == "add":
        scope = Q(locality__commissioner_id__in=run.commissioner.lineage_ids())
        releases = list(
            Release.objects.filter(scope, pk__in=chosen_ids(request))
            .select_related("locality__vehicle", "tranche")
            .order_by("locality__name", "tranche__position", "pk")
        )
    elif step == "remove":
        releases = list(
            run.releases.filter(pk__in=chosen_ids(request))
            .select_related("locality__vehicle", "tranche")
            .order_by("locality__name", "tranche__position", "pk")
        )
    form = PaidForm(request.POST if request.method == "POST" else None, today=timezone.localdate())
    schedule = schedule_of(run) if step in ("lock", "pay") else None
    blocked = _refusal_before(step, run, schedule) if request.method != "POST" else ""
    error = blocked
    nothing_chosen = step in ("add", "remove") and not releases
    if step == "remove" and nothing_chosen and request.method == "POST" and chosen_ids(request):
        # The same confirmation sent again: what it named is out of the run already.
        messages.info(request, f"Those releases are not in payment run {run.reference} (any more).")
        return redirect("funding:run", run.pk)
    if request.method == "POST" and not nothing_chosen and (step != "pay" or form.is_valid()):
        try:
            if step == "add":
                waiting = sum(release.payment_run_id is None for release in releases)
                payment_run_add(run, releases, actor=user)
                done = (
                    f"{waiting} release{'' if waiting == 1 else 's'} added to {run.reference}."
                    if waiting
                    else f"Those releases were already in payment run {run.reference}."
                )
            elif step == "remove":
                payment_run_remove(run, releases, actor=user)
                done = f"{len(releases)} release{'' if len(releases) == 1 else 's'} taken out of {run.reference}."
            elif step == "lock":
                payment_run_lock(run, actor=user)
                done = f"Payment run {run.reference} is locked: its schedule is final. Send it to be paid."
            else:
                paid = payment_run_mark_paid(run, actor=user, paid_on=form.cleaned_data["paid_on"])
                done = f"Payment run {run.reference} is marked paid on {long_date(paid.paid_on)}."
        except PaymentRunNotAllowed as refusal:
            error = by_reference(str(refusal), run)
            run.refresh_from_db()
        else:
            messages.success(request, done)
            return redirect("funding:run", run.pk)
    (title, none_chosen), button = STEP_WORDS[step], PAYMENT_RUNS.step(step).label
    if step in ("lock", "pay") and request.method == "POST":
        schedule = schedule_of(run)  # as it stands after the refusal
    return render(
        request,
        "funding/runs/step.html",
        {
            "run": run,
            "step": step,
            "title": title.format(run.reference),
            "button": button,
            "error": error,
            "blocked": bool(blocked),
            "none_chosen": none_chosen if nothing_chosen else "",
            "releases": [{"release": r} for r in releases],
            "releases_total": sum((r.amount for r in releases), ZERO),
            "schedule": schedule,
            "form": form,
            "date": PAID_ON,
        },
    )


@login_required
def run_export(request: HttpRequest, pk: int, filename: str) -> HttpResponse:
    run = get_run_for_user(request.user, pk)
    if filename not in EXPORTS:
        raise Http404("No such export.")
    content_type, export = EXPORTS[filename]
    response = HttpResponse(export(run), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{run.reference}-{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response
