"""Portal pages for the checklist: a locality's task list, an item page with its evidence form, files, review."""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from onecare.accounts.roles import Role
from onecare.accounts.scoping import get_locality_for_user, today, visible_localities
from onecare.pagecache import cached_page

from . import permissions, transitions
from .checklist import locality_checklist
from .forms import EvidenceForm, ReviewForm
from .models import ChecklistItem, Evidence, EvidenceFile, EvidenceStatus, EvidenceTransition, Phase
from .workflow import EVIDENCE, OVERDUE_WHEN


def get_evidence_for_user(user, pk: int) -> Evidence:
    """Evidence in a locality the user can see, with everything the review page shows; 404 otherwise."""
    queryset = Evidence.objects.filter(locality__in=visible_localities(user)).select_related(
        "locality__commissioner", "item__phase", "submitted_by", "reviewed_by"
    )
    return get_object_or_404(queryset, pk=pk)


def get_file_for_user(user, public_id) -> EvidenceFile:
    queryset = EvidenceFile.objects.filter(evidence__locality__in=visible_localities(user))
    return get_object_or_404(queryset, public_id=public_id)


def with_history(evidence: Evidence | None) -> dict:
    if evidence is None or evidence.pk is None:
        return {"files": [], "history": []}
    return {
        "files": list(evidence.files.all()),
        "history": list(
            EvidenceTransition.objects.filter(evidence=evidence).select_related("actor").order_by("-at", "-pk")
        ),
    }


def status_context(evidence: Evidence, phase: Phase) -> dict:
    overdue = phase.is_overdue_on(today()) and evidence.status in OVERDUE_WHEN
    return {
        "status_label": "Overdue" if overdue else evidence.get_status_display(),
        "tag_class": "nhsuk-tag--red" if overdue else EVIDENCE.tag_class(evidence.status),
    }


@login_required
def checklist(request: HttpRequest, code: str) -> HttpResponse:
    locality = get_locality_for_user(request.user, code)
    return render(
        request,
        "funding/checklist.html",
        {"locality": locality, "phases": locality_checklist(locality, today()), "today": today()},
    )


@login_required
def item(request: HttpRequest, code: str, item_id: int) -> HttpResponse:
    locality = get_locality_for_user(request.user, code)
    checklist_item = get_object_or_404(ChecklistItem.objects.select_related("phase__scheme"), pk=item_id)
    evidence = Evidence.objects.filter(locality=locality, item=checklist_item).select_related(
        "submitted_by"
    ).first() or Evidence(locality=locality, item=checklist_item)
    can_edit = permissions.can_submit(request.user, evidence)[0]
    form = EvidenceForm(initial={"statement": evidence.statement})
    removable = can_edit and evidence.status in (EvidenceStatus.DRAFT, EvidenceStatus.RETURNED)
    if request.method == "POST" and "remove_file" in request.POST:
        return _remove_file(request, evidence, removable)
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied
        form = EvidenceForm(request.POST, request.FILES)
        if form.is_valid():
            submit = form.cleaned_data["action"] == "submit"
            write = transitions.evidence_submit if submit else transitions.evidence_save_draft
            try:
                write(
                    locality,
                    checklist_item,
                    actor=request.user,
                    statement=form.cleaned_data["statement"],
                    files=form.cleaned_data["files"],
                )
            except transitions.TransitionNotAllowed as error:
                form.add_error(None, str(error))
            else:
                done = "submitted for review" if form.cleaned_data["action"] == "submit" else "saved as a draft"
                messages.success(request, f"Evidence for {checklist_item.number} {done}.")
                return redirect("funding:item", locality.code, checklist_item.pk)
    return render(
        request,
        "funding/item.html",
        {
            "locality": locality,
            "item": checklist_item,
            "evidence": evidence,
            "can_edit": can_edit,
            "form": form,
            "plan_phase": permissions.plan_phase_of(evidence),
            "removable": removable,
            "removing": _file_to_remove(evidence, request.GET.get("remove")) if removable else None,
            **status_context(evidence, checklist_item.phase),
            **with_history(evidence),
        },
    )


def _file_to_remove(evidence: Evidence, public_id: str | None) -> EvidenceFile | None:
    """The file of this evidence named by ?remove=, for the confirmation; None for anything else."""
    if not public_id or evidence.pk is None:
        return None
    try:
        return evidence.files.filter(public_id=uuid.UUID(public_id)).first()
    except ValueError:
        return None


def _remove_file(request: HttpRequest, evidence: Evidence, removable: bool) -> HttpResponse:
    """The confirmed removal of one file from a draft, through funding.transitions."""
    if not removable:
        raise PermissionDenied
    back = redirect("funding:item", evidence.locality.code, evidence.item_id)
    stored = _file_to_remove(evidence, request.POST.get("remove_file"))
    if stored is None:
        messages.info(request, "That file had already been removed.")
        return back
    try:
        transitions.evidence_file_remove(stored, actor=request.user)
    except transitions.TransitionNotAllowed as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"{stored.download_name} has been removed from the draft.")
    return back


@login_required
def file_download(request: HttpRequest, public_id) -> FileResponse:
    stored = get_file_for_user(request.user, public_id)
    try:
        handle = stored.file.open("rb")
    except FileNotFoundError:
        raise Http404("The file is missing.") from None
    # The name, the Content-Type and the stored file all carry the type detected from the content.
    name, content_type = stored.served_as
    response = FileResponse(handle, as_attachment=True, filename=name, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def require_reviewer(user) -> None:
    if not user.has_role(Role.COMMISSIONER):
        raise PermissionDenied


@login_required
@cached_page
def review_queue(request: HttpRequest) -> HttpResponse:
    require_reviewer(request.user)
    localities = list(visible_localities(request.user).order_by("name"))
    phases = list(Phase.objects.filter(scheme__active=True).order_by("number"))
    chosen = {
        "locality": request.GET.get("locality", ""),
        "phase": request.GET.get("phase", ""),
        "status": request.GET.get("status", EvidenceStatus.SUBMITTED),
    }
    queue = Evidence.objects.filter(locality__in=localities).exclude(status=EvidenceStatus.NOT_STARTED)
    if chosen["locality"]:
        # Only a code the page offers reaches the database (a NUL byte in the query string is a 500 there).
        known = chosen["locality"] in {locality.code for locality in localities}
        queue = queue.filter(locality__code=chosen["locality"]) if known else queue.none()
    if chosen["phase"].isdigit():
        queue = queue.filter(item__phase_id=int(chosen["phase"]))
    if chosen["status"] in EvidenceStatus.values:
        queue = queue.filter(status=chosen["status"])
    queue = queue.select_related("locality", "item__phase", "submitted_by").order_by("submitted_at", "pk")
    statuses = [(value, label) for value, label in EvidenceStatus.choices if value != EvidenceStatus.NOT_STARTED]
    return render(
        request,
        "funding/review_queue.html",
        {
            "queue": list(queue),
            "localities": localities,
            "phases": phases,
            "statuses": statuses,
            "chosen": chosen,
            "tag_class": EVIDENCE.tags,
        },
    )


@login_required
def review(request: HttpRequest, pk: int) -> HttpResponse:
    require_reviewer(request.user)
    evidence = get_evidence_for_user(request.user, pk)
    allowed, reason = permissions.can_review(request.user, evidence)
    form = ReviewForm()
    if request.method == "POST":
        if not allowed:
            raise PermissionDenied(reason)
        form = ReviewForm(request.POST)
        if form.is_valid():
            try:
                if form.cleaned_data["decision"] == "accept":
                    transitions.evidence_accept(evidence, actor=request.user)
                else:
                    transitions.evidence_return(evidence, actor=request.user, reason=form.cleaned_data["reason"])
            except transitions.TransitionNotAllowed as error:
                form.add_error(None, str(error))
            else:
                evidence.refresh_from_db()
                messages.success(
                    request,
                    f"Evidence for {evidence.item.number} from {evidence.locality.name} "
                    f"{evidence.get_status_display().lower()}.",
                )
                return redirect("funding:review-queue")
    return render(
        request,
        "funding/review.html",
        {
            "evidence": evidence,
            "locality": evidence.locality,
            "item": evidence.item,
            "can_review": allowed,
            "cannot_review_reason": reason,
            "plan_phase": permissions.plan_phase_of(evidence),
            "form": form,
            **status_context(evidence, evidence.item.phase),
            **with_history(evidence),
        },
    )
