"""Who may do what with ballots: can_<verb>(user, ...) -> (allowed, reason). Views and transitions both ask."""

from django.db.models import QuerySet
from django.http import Http404

from localities.models import Locality, Practice
from onecare.accounts.roles import Role
from onecare.accounts.scoping import visible_localities
from onecare.membership.roles import is_onecare_staff, is_scrutineer

from .models import Ballot, BallotStatus
from .workflow import BALLOTS

Answer = tuple[bool, str]


def voter_practice_ids(user) -> set[int]:
    """The practices whose vote this person may cast online: as its named lead or its practice manager."""
    if not (user.is_authenticated and user.is_active):
        return set()
    ids = set(Practice.objects.filter(onecare_member__lead_user=user).values_list("pk", flat=True))
    if user.has_role(Role.PRACTICE_MANAGER) and user.practice_id:
        ids.add(user.practice_id)
    return ids


def runs_ballots(user) -> bool:
    return is_onecare_staff(user) or is_scrutineer(user)


def visible_ballots(user) -> QuerySet[Ballot]:
    ballots = Ballot.objects.all()
    if runs_ballots(user):
        return ballots
    practices = voter_practice_ids(user)
    if not practices:
        return ballots.none()
    return ballots.exclude(status=BallotStatus.DRAFT).filter(electors__practice_id__in=practices).distinct()


def get_ballot_for_user(user, pk: int) -> Ballot:
    try:
        return visible_ballots(user).select_related("locality").get(pk=pk)
    except Ballot.DoesNotExist:
        raise Http404("No such ballot.") from None


def can_vote(user, ballot: Ballot, practice: Practice) -> Answer:
    if practice.pk not in voter_practice_ids(user):
        return False, "Only the practice's named lead or practice manager can cast its vote."
    if not ballot.electors.filter(practice=practice).exists():
        return False, f"{practice.name} is not in the electorate for this ballot."
    if not BALLOTS.allows("vote_online", ballot.status):
        return False, f"This ballot is {ballot.get_status_display().lower()}: votes cannot be cast."
    return True, ""


def can_record_vote(user, ballot: Ballot) -> Answer:
    if not is_onecare_staff(user):
        return False, "Only the returning officer (One Care staff) records postal and meeting votes."
    if not BALLOTS.allows("vote_postal", ballot.status):
        return False, f"This ballot is {ballot.get_status_display().lower()}: votes cannot be recorded."
    return True, ""


def can_run(user, ballot: Ballot, step: str) -> Answer:
    """Open or close the ballot (the returning officer's steps of workflow.BALLOTS)."""
    if not is_onecare_staff(user):
        return False, "Only One Care staff run ballots."
    if not BALLOTS.allows(step, ballot.status):
        return False, f"This ballot is {ballot.get_status_display().lower()}."
    return True, ""


def can_see_tally(user, ballot: Ballot) -> Answer:
    """Staff and the scrutineer see the running tally; voters see the result once it is certified."""
    if runs_ballots(user):
        return True, ""
    if ballot.status == BallotStatus.CERTIFIED:
        return True, ""
    return False, "The result is published when the scrutineer has certified it."


def can_certify(user, ballot: Ballot) -> Answer:
    if not is_scrutineer(user):
        return False, "Only the independent scrutineer (Avon LMC) can certify a result."
    if not BALLOTS.allows("certify", ballot.status):
        return False, "Only a closed ballot can be certified."
    return True, ""


def visible_decision_localities(user) -> QuerySet[Locality]:
    if runs_ballots(user):
        return Locality.objects.all()
    return visible_localities(user)


def can_record_decision(user, locality: Locality) -> Answer:
    if is_onecare_staff(user):
        return True, ""
    if user.has_role(Role.LOCALITY_LEAD) and user.locality_id == locality.pk:
        return True, ""
    return False, "Only the locality's lead or One Care staff record its decisions."
