"""Ballot pages: the list, a ballot (and its vote form), recording postal and meeting votes, results and certification,
and a locality's decisions log."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from localities.models import Locality, Practice
from onecare.membership.roles import is_onecare_staff, is_scrutineer

from . import permissions
from .count import result_of, turnout
from .forms import RecordVoteForm, VoteForm
from .models import BallotStatus, Channel, Vote
from .transitions import BallotError, ballot_certify, vote_cast
from .workflow import BALLOTS


@login_required
def ballot_list(request: HttpRequest) -> HttpResponse:
    ballots = permissions.visible_ballots(request.user).select_related("locality").order_by("-opens_at")
    if not (permissions.runs_ballots(request.user) or permissions.voter_practice_ids(request.user)):
        raise PermissionDenied("Ballots are for One Care staff, the scrutineer and practices' voters.")
    # One Care staff and the scrutineer see no locality pages: their way to each locality's decisions log is here.
    decision_localities = Locality.objects.order_by("name") if permissions.runs_ballots(request.user) else []
    return render(
        request,
        "onecare/ballot_list.html",
        {"ballots": ballots, "tag_class": BALLOTS.tags, "decision_localities": decision_localities},
    )


def _voter_context(user, ballot) -> dict:
    electors = ballot.electors.filter(practice_id__in=permissions.voter_practice_ids(user)).select_related("practice")
    practices = [e.practice for e in electors]
    votes = {v.practice_id: v for v in Vote.objects.filter(ballot=ballot, practice__in=practices)}
    to_vote = [p for p in practices if p.pk not in votes]
    return {"my_practices": practices, "my_votes": list(votes.values()), "to_vote": to_vote}


@login_required
def ballot_detail(request: HttpRequest, pk: int) -> HttpResponse:
    ballot = permissions.get_ballot_for_user(request.user, pk)
    context = _voter_context(request.user, ballot)
    form = None
    if context["to_vote"] and ballot.status == BallotStatus.OPEN:
        form = VoteForm(request.POST if request.method == "POST" else None, ballot=ballot, practices=context["to_vote"])
        if request.method == "POST" and form.is_valid():
            practice = Practice.objects.get(pk=form.cleaned_data["practice"])
            try:
                vote_cast(
                    ballot,
                    practice,
                    actor=request.user,
                    answer=form.cleaned_data.get("answer", ""),
                    candidates=form.chosen_candidates(),
                )
            except BallotError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, f"The vote of {practice.name} has been recorded.")
                return redirect("ballots:detail", pk=ballot.pk)
    elif request.method == "POST":
        messages.error(request, "Your practice cannot vote in this ballot now.")
        return redirect("ballots:detail", pk=ballot.pk)
    return render(
        request,
        "onecare/ballot_detail.html",
        {
            "ballot": ballot,
            "form": form,
            "tag_class": BALLOTS.tag_class(ballot.status),
            "candidates": ballot.candidates.select_related("practice"),
            "can_record": permissions.can_record_vote(request.user, ballot)[0],
            "can_see_tally": permissions.can_see_tally(request.user, ballot)[0],
            **context,
        },
    )


@login_required
def ballot_record(request: HttpRequest, pk: int) -> HttpResponse:
    ballot = permissions.get_ballot_for_user(request.user, pk)
    allowed, reason = permissions.can_record_vote(request.user, ballot)
    if not allowed:
        raise PermissionDenied(reason)
    voted = Vote.objects.filter(ballot=ballot).values("practice_id")
    waiting = list(Practice.objects.filter(pk__in=ballot.electors.values("practice_id")).exclude(pk__in=voted))
    form = RecordVoteForm(request.POST if request.method == "POST" else None, ballot=ballot, practices=waiting)
    if request.method == "POST" and form.is_valid():
        practice = Practice.objects.get(pk=form.cleaned_data["practice"])
        try:
            vote_cast(
                ballot,
                practice,
                actor=request.user,
                channel=Channel(form.cleaned_data["channel"]),
                received_on=form.cleaned_data["received_on"],
                answer=form.cleaned_data.get("answer", ""),
                candidates=form.chosen_candidates(),
            )
        except BallotError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"The {form.cleaned_data['channel']} vote of {practice.name} has been recorded.")
            return redirect("ballots:record", pk=ballot.pk)
    return render(request, "onecare/ballot_record.html", {"ballot": ballot, "form": form})


@login_required
def ballot_results(request: HttpRequest, pk: int) -> HttpResponse:
    ballot = permissions.get_ballot_for_user(request.user, pk)
    allowed, reason = permissions.can_see_tally(request.user, ballot)
    can_certify, cannot_certify = permissions.can_certify(request.user, ballot)
    certified = ballot.status == BallotStatus.CERTIFIED
    return render(
        request,
        "onecare/ballot_results.html",
        {
            "ballot": ballot,
            "tag_class": BALLOTS.tag_class(ballot.status),
            "can_see_tally": allowed,
            "hidden_reason": reason,
            "result": result_of(ballot) if allowed else None,
            "turnout": turnout(ballot),
            "can_certify": can_certify,
            "cannot_certify": cannot_certify if is_scrutineer(request.user) and not certified else "",
            "certified": certified,
            "is_staff": is_onecare_staff(request.user),
        },
    )


@login_required
def ballot_certify_view(request: HttpRequest, pk: int) -> HttpResponse:
    if request.method != "POST":
        return _certify_page(request, pk)
    ballot = permissions.get_ballot_for_user(request.user, pk)
    try:
        ballot_certify(ballot, actor=request.user)
    except BallotError as error:
        if not is_scrutineer(request.user):
            raise PermissionDenied(str(error)) from None
        messages.error(request, str(error))
    else:
        messages.success(request, "You have certified the result. The ballot can no longer change.")
    return redirect("ballots:results", pk=ballot.pk)


def _certify_page(request: HttpRequest, pk: int) -> HttpResponse:
    """Opening the certify address: the scrutineer is asked to confirm; anyone else is told it takes a form (405)."""
    ballot = permissions.get_ballot_for_user(request.user, pk) if is_scrutineer(request.user) else None
    if ballot is not None and permissions.can_certify(request.user, ballot)[0]:
        return render(request, "onecare/ballot_certify.html", {"ballot": ballot, "turnout": turnout(ballot)})
    response = render(
        request,
        "405.html",
        {"back_url": reverse("ballots:results", args=[pk]) if ballot else "", "back_label": "Back to the tally"},
        status=405,
    )
    response["Allow"] = "POST"
    return response


@login_required
def decisions(request: HttpRequest, code: str) -> HttpResponse:
    try:
        locality = permissions.visible_decision_localities(request.user).get(code=code)
    except Locality.DoesNotExist:
        raise Http404("No such locality.") from None
    log = locality.decisions.select_related("ballot").order_by("-decided_on", "-pk")
    return render(request, "onecare/decisions.html", {"locality": locality, "decisions": log})
