"""Portal pages of the approval work: the approvals inbox, a release's page, and the confirmation of each step.

Every step is made by funding.release_transitions (or, to return a rejected release's gate evidence,
funding.transitions.evidence_reopen), the functions the admin's buttons and bulk actions call too.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from onecare.accounts.roles import Role
from onecare.accounts.scoping import visible_localities
from onecare.pagecache import cached_page

from . import inbox as queries
from .models import Release
from .release_actions import (
    REOPEN,
    REOPEN_BUTTON,
    STEPS,
    about_the_person,
    needs_reason,
    offers,
    reopen,
    reopenable,
    what_happened,
    what_remains,
)
from .release_page import explained, release_for_page
from .release_transitions import ReleaseTransitionNotAllowed, exception_needed
from .release_workflow import RELEASES, delegated_limit, needs_second_approval
from .workflow import EVIDENCE

PAGE_SIZE = 50
APPROVERS = (Role.COMMISSIONER, Role.FINANCE_APPROVER)


def get_release_for_user(user, pk: int) -> Release:
    """A release in a locality the user can see, with what its page shows; 404 otherwise."""
    try:
        return release_for_page(Release.objects.filter(locality__in=visible_localities(user)), pk)
    except Release.DoesNotExist:
        raise Http404("No such release.") from None


@login_required
@cached_page
def inbox(request: HttpRequest) -> HttpResponse:
    if not request.user.has_role(*APPROVERS):
        raise PermissionDenied
    localities = list(visible_localities(request.user).select_related("commissioner").order_by("name"))
    offered = queries.options(localities)
    chosen, valid = queries.chosen_from(request.GET, offered)
    releases = queries.inbox_releases(request.user, localities, chosen) if valid else Release.objects.none()
    page = Paginator(releases, PAGE_SIZE).get_page(request.GET.get("page"))
    limit = delegated_limit()
    return render(
        request,
        "funding/releases/inbox.html",
        {
            "rows": queries.rows(request.user, page.object_list, limit),
            "page": page,
            "totals": queries.totals(releases),
            "offered": offered,
            "chosen": chosen,
            "limit": limit,
            "tag_class": RELEASES.tags,
            "finance": request.user.has_role(Role.FINANCE_APPROVER),
            "query": _without_page(request),
        },
    )


def _without_page(request: HttpRequest) -> str:
    """The filters as a query string, for the pagination links."""
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


@login_required
@cached_page
def release(request: HttpRequest, pk: int) -> HttpResponse:
    found = get_release_for_user(request.user, pk)
    details = explained(found)
    allowed, refused = offers(request.user, found)
    limit = delegated_limit()
    return render(
        request,
        "funding/releases/release.html",
        {
            "release": found,
            **details,
            "happened": what_happened(found, details["history"][-1] if details["history"] else None),
            "remains": what_remains(found, limit),
            "allowed": allowed,
            "refused": refused,
            "reopen": reopenable(request.user, found),
            "reopen_button": REOPEN_BUTTON,
            "limit": limit,
            "second_approval": needs_second_approval(found.amount, limit),
            "exception": exception_needed(found),
            "tag_class": RELEASES.tag_class(found.state),
            "approver": request.user.has_role(*APPROVERS),
        },
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label="Reason",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2_000,
        required=False,
        error_messages={"required": "Give the reason.", "max_length": "Keep the reason to 2,000 characters."},
    )

    def __init__(self, *args, required: bool, hint: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].required = required
        self.fields["reason"].help_text = hint


REASON_HINTS = {
    "approve": "Approving this release is an exception to the scheme's rules: say why it should be paid. "
    "The reason is kept on the approval.",
    "reject": "Say why, so the locality and the other approvers know what would need to change.",
    "withdraw": "Say why it is being taken back (for example, figures proposed in error).",
    REOPEN: "Say what has to be put right: the locality sees the reason with its evidence.",
}


def _refusal(user, found: Release, step: str, why: str) -> str:
    """Why the person may not take the step now, in words: a reason about them, or where the release stands."""
    if step == REOPEN:
        return (
            f"{found.reference}: there is no accepted gate evidence you may return. Evidence is returned only while a "
            "release it opened is rejected, by a commissioner of the locality."
        )
    if about_the_person(user, found, step):
        return why
    return f"{found.reference}: {what_happened(found)} {what_remains(found, delegated_limit())}"


@login_required
def release_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    """GET: the confirmation page of one step (with a reason where one is required); POST: the step itself.

    A post is always answered by the transition (a repeat of one's own step is quiet; someone else's a moment
    before is named), so a confirmation page left open says what happened instead of failing.
    """
    if step not in STEPS and step != REOPEN:
        raise Http404("No such step.")
    found = get_release_for_user(request.user, pk)
    if not request.user.has_role(*(EVIDENCE.step(REOPEN) if step == REOPEN else RELEASES.step(step)).roles):
        raise PermissionDenied
    back = redirect("funding:release", found.pk)
    evidence = reopenable(request.user, found) if step == REOPEN else []
    ok, why = (bool(evidence), "") if step == REOPEN else STEPS[step].allowed(request.user, found)
    if not ok and (request.method != "POST" or step == REOPEN):
        (messages.error if request.method == "POST" else messages.info)(
            request, _refusal(request.user, found, step, why)
        )
        return back
    form = ReasonForm(
        request.POST if request.method == "POST" else None,
        required=ok and needs_reason(step, found),
        hint=REASON_HINTS.get(step, ""),
    )
    if request.method == "POST" and form.is_valid():
        _make(request, found, step, form.cleaned_data["reason"])
        return back
    if not ok:  # a post refused by the form alone (a reason it cannot keep) for a step no longer open
        messages.error(request, _refusal(request.user, found, step, why))
        return back
    limit = delegated_limit()
    return render(
        request,
        "funding/releases/confirm.html",
        {
            "release": found,
            "step": step,
            "button": REOPEN_BUTTON if step == REOPEN else STEPS[step].button,
            "confirm": "Confirm return of the evidence" if step == REOPEN else STEPS[step].confirm,
            "form": form,
            "evidence": evidence,
            "exception": exception_needed(found) if step == "approve" else "",
            "limit": limit,
            "second_approval": needs_second_approval(found.amount, limit),
            "tag_class": RELEASES.tag_class(found.state),
        },
    )


def _make(request: HttpRequest, found: Release, step: str, reason: str) -> None:
    """Take the step, and say what happened (or why not) on the release's page."""
    if step == REOPEN:
        done, refused = reopen(request.user, found, reason)
        for message in refused:
            messages.error(request, message)
        if done:
            messages.success(request, done)
        return
    try:
        done = STEPS[step].make(found, actor=request.user, reason=reason)
    except ReleaseTransitionNotAllowed as error:
        messages.error(request, str(error))
        return
    done = release_for_page(Release.objects.all(), done.pk)
    messages.success(request, f"{done.reference}: {what_happened(done)} {what_remains(done, delegated_limit())}")
