"""Portal pages for Improved Access: a locality's status, its plan and declarations, activity returns, and the
commissioners' overview. Views fetch through get_ia_locality_for_user (404 outsiders, 403 other roles)
and change things only through improved_access.transitions and improved_access.editing."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from localities.models import Locality
from onecare.accounts.roles import Role
from onecare.accounts.scoping import today, visible_localities
from onecare.charts import Series, bar_chart

from . import permissions, transitions
from .activity import ActivityRejected, activity_upload, utilisation
from .compliance import assess, assess_plan
from .editing import plan_ensure, session_add, session_remove
from .forms import ActivityForm, EvaluateForm, EvidenceForm, ReviewForm, SessionForm
from .models import PLAN_ITEMS, ActivityUpload, Declaration, DeclarationKind, Phase, Plan, Session, UploadStatus
from .payments import IAPaymentError, evaluate_improved_access
from .quarters import Quarter
from .status import money, quarters_until, trend
from .status import overview as overview_rows
from .transitions import IATransitionNotAllowed
from .workflow import DECLARATIONS, PLANS


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    user = request.user
    if user.has_role(Role.LOCALITY_LEAD) and user.locality_id and not user.has_role(Role.COMMISSIONER):
        return redirect("improved_access:status", code=user.locality.code)
    if not (user.is_superuser or user.has_role(Role.COMMISSIONER)):
        raise PermissionDenied("Only commissioners see the Improved Access overview.")
    day = today()
    quarters = quarters_until(day)
    can_evaluate = user.has_role(Role.COMMISSIONER)
    form = EvaluateForm(quarters=quarters, initial={"quarter": str(quarters[-1]) if quarters else ""})
    if request.method == "POST":
        if not can_evaluate:
            raise PermissionDenied("Only commissioners run the Improved Access evaluation.")
        form = EvaluateForm(request.POST, quarters=quarters)
        if form.is_valid():
            try:
                outcome = evaluate_improved_access(
                    form.cleaned_data["quarter"], today=day, triggered_by=user, trigger="run from the portal"
                )
            except IAPaymentError as error:
                form.add_error("quarter", str(error))
            else:
                messages.success(request, evaluated_words(outcome, visible_localities(user)))
                return redirect(request.path)
    quarter, rows = overview_rows(visible_localities(user), day)
    return render(
        request,
        "improved_access/overview.html",
        {
            "quarter": quarter,
            "rows": rows,
            "chart": money_chart(rows),
            "today": day,
            "form": form,
            "can_evaluate": can_evaluate,
        },
    )


MONEY_SERIES = [Series("paid", "Paid"), Series("proposed", "Proposed or being approved")]


def money_chart(rows):
    """Each locality's Improved Access money so far as a stacked bar (onecare.charts): paid, then proposed or on its
    way; the chart's description names the localities not compliant today (the table beside it says it too)."""
    refused = [row.locality.name for row in rows if not row.assessment.compliant]
    compliance = f"Not compliant today: {', '.join(refused)}." if refused else "Every locality is compliant today."
    return bar_chart(
        "ia-money-chart",
        "Improved Access money so far, by locality",
        [(row.locality.name, [row.paid, row.due]) for row in rows],
        MONEY_SERIES,
        description=f"{compliance} Every figure is in the table beside the chart.",
    )


def evaluated_words(outcome, localities) -> str:
    """What a run proposed, in words, for the localities the user sees: "2018Q2 evaluated: £40,069.10 proposed for
    South Bristol. Not compliant: Woodspring." """
    visible = set(localities.values_list("pk", flat=True))
    names = {a.locality_id: a.locality.name for a in outcome.assessments or [] if a.locality_id in visible}
    proposed = [r for r in outcome.proposed if r.locality_id in visible]
    parts = [f"{outcome.quarter} evaluated on {outcome.evaluation.at:%d/%m/%Y}:"]
    if proposed:
        each = ", ".join(f"{money(r.amount)} for {names.get(r.locality_id, r.locality_id)}" for r in proposed)
        parts.append(f"{money(sum(r.amount for r in proposed))} proposed ({each}).")
    else:
        parts.append("nothing new proposed.")
    already = [
        names[a.locality_id]
        for a in outcome.assessments or []
        if a.locality_id in visible
        and a.compliant
        and not any(r.locality_id == a.locality_id for r in proposed)
        and a.release_id
    ]
    if already:
        parts.append(f"Already proposed or paid: {', '.join(already)}.")
    refused = [names[a.locality_id] for a in outcome.assessments or [] if a.locality_id in visible and not a.compliant]
    if refused:
        parts.append(f"Not compliant: {', '.join(refused)}.")
    if outcome.adjustments:
        parts.append(f"{len(outcome.adjustments)} adjustments to paid quarters.")
    return " ".join(parts)


def _plans(locality) -> dict[int, Plan]:
    return {p.phase: p for p in Plan.objects.filter(locality=locality)}


@login_required
def status(request: HttpRequest, code: str) -> HttpResponse:
    locality = permissions.get_ia_locality_for_user(request.user, code)
    day = today()
    quarter = Quarter.of(day)
    total, sessions = utilisation(locality, quarter)
    plans = _plans(locality)
    return render(
        request,
        "improved_access/status.html",
        {
            "locality": locality,
            "assessment": assess(locality, day),
            "points": trend(locality, day),
            "phase_plans": [(value, label, plans.get(value)) for value, label in Phase.choices],
            "quarter": quarter,
            "utilisation": total,
            "session_use": sessions,
            "is_lead": permissions.is_lead_of(request.user, locality),
            "today": day,
        },
    )


def _plan_for(request, code: str, phase: int) -> tuple[Locality, Plan | None]:
    """The locality and its plan for the phase. Without a plan: a lead's POST starts it, a lead's GET gets
    None (the page offers to start it: a GET changes nothing), and anyone else is refused."""
    locality = permissions.get_ia_locality_for_user(request.user, code)
    if phase not in Phase.values:
        raise PermissionDenied("No such phase.")
    plan = Plan.objects.filter(locality=locality, phase=phase).select_related("locality").first()
    if plan is None:
        if not permissions.is_lead_of(request.user, locality):
            raise PermissionDenied("The locality has no plan for this phase yet.")
        if request.method != "POST":
            return locality, None
        plan = plan_ensure(locality, phase, actor=request.user)
    return locality, plan


@login_required
def plan(request: HttpRequest, code: str, phase: int) -> HttpResponse:
    locality, the_plan = _plan_for(request, code, phase)
    if the_plan is None:
        return render(request, "improved_access/plan_start.html", {"locality": locality, "phase": Phase(phase).label})
    user = request.user
    form, review = SessionForm(initial={"valid_from": the_plan.starts_on}), ReviewForm()
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "start":  # made above, if it was missing
                return redirect(request.path)
            if action == "add-session":
                form = SessionForm(request.POST)
                if form.is_valid():
                    session_add(the_plan, actor=user, **form.cleaned_data)
                    messages.success(request, "Session added.")
                    return redirect(request.path)
            elif action == "remove-session":
                session = get_object_or_404(Session, plan=the_plan, pk=request.POST.get("session"))
                session_remove(session, actor=user)
                messages.success(request, "Session removed.")
                return redirect(request.path)
            elif action == "submit":
                missing = permissions.declarations_missing(the_plan)
                if missing:  # the transition refuses it too: said here as a message beside the declarations
                    messages.error(request, permissions.declarations_missing_words(missing))
                    return redirect(request.path)
                transitions.plan_submit(the_plan, actor=user)
                messages.success(request, "Plan submitted to the commissioners.")
                return redirect(request.path)
            elif action == "review":
                review = ReviewForm(request.POST)
                if review.is_valid():
                    if review.cleaned_data["decision"] == "accept":
                        transitions.plan_accept(the_plan, actor=user)
                    else:
                        transitions.plan_return(the_plan, actor=user, reason=review.cleaned_data["reason"])
                    messages.success(request, "Decision recorded.")
                    return redirect(request.path)
            else:
                raise PermissionDenied("Unknown action.")
        except IATransitionNotAllowed as error:
            raise PermissionDenied(str(error)) from None
    the_plan = (
        Plan.objects.prefetch_related("sessions", "declarations")
        .select_related("locality", "evidence")
        .get(pk=the_plan.pk)
    )
    return render(
        request,
        "improved_access/plan.html",
        {
            "plan": the_plan,
            "locality": the_plan.locality,
            "form": form,
            "review": review,
            "can_edit": permissions.can_edit_plan(user, the_plan)[0],
            "can_review": permissions.can_review_plan(user, the_plan)[0],
            "plan_item": PLAN_ITEMS[Phase(the_plan.phase)],
            "tags": PLANS.tags,
            "declaration_tags": DECLARATIONS.tags,
            "assessment": assess_plan(the_plan, today()),
            "missing": permissions.declarations_missing(the_plan),
        },
    )


@login_required
def declaration(request: HttpRequest, code: str, phase: int, kind: str) -> HttpResponse:
    _, the_plan = _plan_for(request, code, phase)
    if the_plan is None:  # no plan yet: its page offers to start it
        return redirect("improved_access:plan", code, phase)
    if kind not in DeclarationKind.values:
        raise PermissionDenied("No such declaration.")
    item = get_object_or_404(Declaration.objects.select_related("plan__locality"), plan=the_plan, kind=kind)
    user = request.user
    form, review = EvidenceForm(initial={"evidence": item.evidence}), ReviewForm()
    if request.method == "POST":
        try:
            if request.POST.get("action") == "submit":
                form = EvidenceForm(request.POST)
                if form.is_valid():
                    transitions.declaration_submit(item, actor=user, evidence=form.cleaned_data["evidence"])
                    messages.success(request, "Declaration submitted to the commissioners.")
                    return redirect(request.path)
            elif request.POST.get("action") == "review":
                review = ReviewForm(request.POST)
                if review.is_valid():
                    if review.cleaned_data["decision"] == "accept":
                        transitions.declaration_accept(item, actor=user)
                    else:
                        transitions.declaration_return(item, actor=user, reason=review.cleaned_data["reason"])
                    messages.success(request, "Decision recorded.")
                    return redirect(request.path)
            else:
                raise PermissionDenied("Unknown action.")
        except IATransitionNotAllowed as error:
            raise PermissionDenied(str(error)) from None
    return render(
        request,
        "improved_access/declaration.html",
        {
            "plan": the_plan,
            "locality": the_plan.locality,
            "declaration": item,
            "form": form,
            "review": review,
            "can_edit": permissions.can_edit_declaration(user, item)[0],
            "can_review": permissions.can_review_declaration(user, item)[0],
            "declaration_tags": DECLARATIONS.tags,
        },
    )


@login_required
def activity(request: HttpRequest, code: str) -> HttpResponse:
    locality = permissions.get_ia_locality_for_user(request.user, code)
    if not permissions.is_lead_of(request.user, locality):
        raise PermissionDenied("Only the locality's leads return its activity.")
    form, problems = ActivityForm(initial={"quarter": str(Quarter.of(today()))}), []
    if request.method == "POST":
        form = ActivityForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                upload = activity_upload(
                    locality, form.cleaned_data["quarter"], form.cleaned_data["file"], actor=request.user
                )
            except ActivityRejected as error:
                problems = error.lines()
            else:
                if upload.status == UploadStatus.IMPORTED:
                    done = upload.activity_return
                    messages.success(request, f"{done.rows} rows of {done.quarter} activity imported.")
                    return redirect(reverse("improved_access:status", args=[locality.code]))
                if upload.status == UploadStatus.CHECKING:
                    messages.info(request, f"{upload.file_name} is being checked: this page shows its progress.")
                    return redirect(request.path)
                problems = [upload.reason, *upload.problems]
    latest = ActivityUpload.objects.filter(locality=locality).select_related("uploaded_by", "activity_return")
    uploads = list(latest[:5])
    return render(
        request,
        "improved_access/activity.html",
        {
            "locality": locality,
            "form": form,
            "problems": problems,
            "uploads": uploads,
            "running": any(u.running for u in uploads),
        },
    )
