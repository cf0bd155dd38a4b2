"""Every change to a ballot and its votes, one function each: nothing else assigns Ballot.status or makes a Vote.

Each takes the acting user as actor=, locks the ballot row, returns quietly when the change is
already made, and raises a BallotError (with a message for the person) when it is not allowed.
"""

import datetime
from collections.abc import Sequence

from django.db import IntegrityError, transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from localities.models import Locality, LocalityMembership, Practice
from localities.population import Basis, latest_list_size
from onecare.membership.models import Member, MemberStatus
from onecare.races import at_the_same_moment, lost_race, wait_no_longer

from . import permissions
from .count import result_as_data
from .models import (
    Answer,
    Ballot,
    BallotStatus,
    Candidate,
    Channel,
    Decision,
    DecisionOutcome,
    Elector,
    ElectorateKind,
    Vote,
    VoteMark,
)


class BallotError(Exception):
    """The actor may not make this change, or the ballot is not in a state that allows it."""


class VoteRefused(BallotError):
    pass


class AlreadyVoted(VoteRefused):
    pass


def _locked(ballot: Ballot) -> Ballot:
    wait_no_longer()
    return Ballot.objects.select_for_update().get(pk=ballot.pk)


def _answering_races(error_class: type[BallotError] = BallotError, what: str = "changed"):
    """A lost race (onecare.races) answered as the ballot's own error, in words."""
    return lost_race(
        error_class,
        at_the_same_moment("The ballot", what),
    )


def _check(answer: tuple[bool, str]) -> None:
    allowed, reason = answer
    if not allowed:
        raise BallotError(reason)


def _set_status(ballot: Ballot, status: BallotStatus, reason: str) -> None:
    ballot.status = status
    ballot._change_reason = reason
    ballot.save()


def electorate_practices(ballot: Ballot) -> list[int]:
    """Who may vote, on the day the ballot opens: One Care members, or the locality's member practices."""
    if ballot.electorate == ElectorateKind.LOCALITY:
        memberships = LocalityMembership.objects.on(ballot.opens_at.date()).filter(locality_id=ballot.locality_id)
        return list(memberships.values_list("practice_id", flat=True))
    return list(Member.objects.filter(status=MemberStatus.MEMBER).values_list("practice_id", flat=True))


def ballot_open(ballot: Ballot, *, actor) -> Ballot:
    """Open the ballot and fix its electorate, each practice with its registered patients at the counting date."""
    with _answering_races(what="opened"), transaction.atomic():
        ballot = _locked(ballot)
        if ballot.status == BallotStatus.OPEN:
            return ballot
        _check(permissions.can_run(actor, ballot, "open"))
        if ballot.is_election and ballot.candidates.count() < 1:
            raise BallotError("Add the candidates before opening an election.")
        practices = Practice.objects.filter(pk__in=electorate_practices(ballot)).annotate(
            registered=latest_list_size(ballot.counted_at, Basis.REGISTERED, practice_ref="pk")
        )
        electors = [Elector(ballot=ballot, practice=p, registered_patients=p.registered) for p in practices]
        if not electors:
            raise BallotError("The electorate is empty: there are no member practices to vote.")
        bulk_create_with_history(electors, Elector, default_user=actor, default_change_reason="Ballot opened")
        ballot.opened_by = actor
        _set_status(ballot, BallotStatus.OPEN, "Opened")
    return ballot


def _check_received(ballot: Ballot, channel: Channel, received_on: datetime.date) -> None:
    opened = timezone.localtime(ballot.opens_at).date()
    today = timezone.localdate()
    if received_on > today:
        raise VoteRefused(
            f"A vote cannot be received in the future: {received_on:%-d %B %Y} is after today ({today:%-d %B %Y})."
        )
    if received_on < opened:
        raise VoteRefused(f"The ballot opened on {opened:%-d %B %Y}: a vote received before then cannot count.")
    if channel == Channel.MEETING:
        if not ballot.meeting_date:
            raise VoteRefused("This ballot has no general meeting, so no meeting votes.")
        if received_on != ballot.meeting_date:
            raise VoteRefused(f"Meeting votes are cast at the meeting on {ballot.meeting_date:%-d %B %Y}.")
        return
    if received_on > ballot.postal_deadline:
        kind = "Postal" if channel == Channel.POSTAL else "Online"
        where = f", or at the meeting on {ballot.meeting_date:%-d %B %Y}" if ballot.meeting_date else ""
        raise VoteRefused(
            f"{kind} votes had to be received by {ballot.postal_deadline:%-d %B %Y}{where}: "
            f"this one was received on {received_on:%-d %B %Y}, so it cannot be counted."
        )


def _check_choice(ballot: Ballot, answer: str, candidates: Sequence[Candidate]) -> None:
    if ballot.is_election:
        if answer:
            raise VoteRefused("An election vote marks candidates, not yes or no.")
        if not candidates:
            raise VoteRefused("Choose at least one candidate.")
        if len(set(candidates)) > ballot.seats:
            raise VoteRefused(f"Choose at most {ballot.seats} candidate{'s' if ballot.seats != 1 else ''}.")
        if any(c.ballot_id != ballot.pk for c in candidates):
            raise VoteRefused("Choose candidates standing in this election.")
    elif answer not in Answer.values:
        raise VoteRefused("Answer yes, no or abstain.")


def _already_voted(ballot: Ballot, practice: Practice) -> AlreadyVoted:
    existing = Vote.objects.filter(ballot=ballot, practice=practice).first()
    how = f" ({existing.get_channel_display().lower()}, {existing.received_on:%-d %B %Y})" if existing else ""
    return AlreadyVoted(f"{practice.name} has already voted in this ballot{how}: a practice has one vote.")


def vote_cast(
    ballot: Ballot,
    practice: Practice,
    *,
    actor,
    channel: Channel = Channel.ONLINE,
    answer: str = "",
    candidates: Sequence[Candidate] = (),
    received_on: datetime.date | None = None,
) -> Vote:
    """Record a practice's one vote: online by its lead or manager, or postal or meeting by the returning officer."""
    now = timezone.now()
    if channel == Channel.ONLINE:
        received_on = timezone.localtime(now).date()
    elif received_on is None:
        raise VoteRefused("Give the day the vote was received.")
    with _answering_races(VoteRefused, "voted in"), transaction.atomic():
        ballot = _locked(ballot)
        if channel == Channel.ONLINE:
            allowed, reason = permissions.can_vote(actor, ballot, practice)
        else:
            allowed, reason = permissions.can_record_vote(actor, ballot)
            if allowed and not ballot.electors.filter(practice=practice).exists():
                allowed, reason = False, f"{practice.name} is not in the electorate for this ballot."
        if not allowed:
            raise VoteRefused(reason)
        if Vote.objects.filter(ballot=ballot, practice=practice).exists():
            raise _already_voted(ballot, practice)
        _check_received(ballot, channel, received_on)
        _check_choice(ballot, answer, candidates)
        try:
            with transaction.atomic():
                vote = Vote(
                    ballot=ballot,
                    practice=practice,
                    channel=channel,
                    answer=answer,
                    received_on=received_on,
                    cast_by=actor,
                    recorded_at=now,
                )
                vote._history_user = actor
                vote.save()
                for candidate in dict.fromkeys(candidates):
                    mark = VoteMark(vote=vote, candidate=candidate)
                    mark._history_user = actor
                    mark.save()
        except IntegrityError:
            # The constraint is the last guard if two requests got past the check above at once.
            raise _already_voted(ballot, practice) from None
    return vote


def ballot_close(ballot: Ballot, *, actor, at: datetime.datetime | None = None) -> Ballot:
    """Close the ballot for the scrutineer; `at` records when it happened (the demo's 2016 ballot), default now."""
    with _answering_races(what="closed"), transaction.atomic():
        ballot = _locked(ballot)
        if ballot.status == BallotStatus.CLOSED:
            return ballot
        _check(permissions.can_run(actor, ballot, "close"))
        ballot.closed_at = at or timezone.now()
        _set_status(ballot, BallotStatus.CLOSED, "Closed")
    return ballot


def ballot_certify(ballot: Ballot, *, actor, at: datetime.datetime | None = None) -> Ballot:
    """The scrutineer certifies the count; the result is frozen and the ballot can no longer change.

    `at` records when it happened (the demo's 2016 ballot, certified after its meeting), default now."""
    with _answering_races(what="certified"), transaction.atomic():
        ballot = _locked(ballot)
        if ballot.status == BallotStatus.CERTIFIED:
            return ballot
        _check(permissions.can_certify(actor, ballot))
        ballot.certified_result = result_as_data(ballot)
        ballot.certified_by = actor
        ballot.certified_at = at or timezone.now()
        _set_status(ballot, BallotStatus.CERTIFIED, "Certified by the scrutineer")
        for decision in ballot.decisions.select_for_update():
            _settle(decision, ballot)
    return ballot


def _outcome_for(ballot: Ballot | None) -> DecisionOutcome:
    if ballot is None:
        return DecisionOutcome.NO_BALLOT
    if ballot.status != BallotStatus.CERTIFIED:
        return DecisionOutcome.PENDING
    return DecisionOutcome.RATIFIED if ballot.certified_result.get("carried") else DecisionOutcome.REJECTED


def _settle(decision: Decision, ballot: Ballot | None) -> None:
    outcome = _outcome_for(ballot)
    if decision.outcome != outcome:
        decision.outcome = outcome
        decision._change_reason = f"Outcome: {outcome.label}"
        decision.save()


def decision_record(
    locality: Locality, *, actor, text: str, decided_on: datetime.date | None = None, ballot: Ballot | None = None
) -> Decision:
    """Add a decision to the locality's log; its outcome follows the ratifying ballot's certified result."""
    _check(permissions.can_record_decision(actor, locality))
    text = text.strip()
    if not text:
        raise BallotError("Write the decision.")
    if ballot is not None and (ballot.is_election or ballot.locality_id not in (None, locality.pk)):
        raise BallotError("A decision is ratified by a yes-or-no ballot of its locality (or of all members).")
    with transaction.atomic():
        decision = Decision(locality=locality, text=text, decided_on=decided_on, ballot=ballot)
        decision._history_user = actor
        decision.outcome = _outcome_for(ballot)
        decision.save()
    return decision


def decision_settle(decision: Decision) -> Decision:
    """Bring a decision's outcome in line with its ballot (after an admin edit)."""
    with transaction.atomic():
        decision = Decision.objects.select_for_update().get(pk=decision.pk)
        _settle(decision, decision.ballot)
    return decision
