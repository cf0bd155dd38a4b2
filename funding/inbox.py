"""The approvals inbox: releases in the person's localities that wait for their step (a commissioner's approval, a
finance approver's second approval), oldest first, with what they may not act on and why; and the header's count.

Which step waits for which role comes from the workflow table (funding.release_workflow.RELEASES): the roles
that approve wait on the states approval leaves from, and likewise for the second approval.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, QuerySet, Sum
from django.db.models.functions import Coalesce

from localities.models import Commissioner
from onecare.accounts.scoping import sees_everything

from . import permissions
from .models import Release, ReleaseState, Scheme
from .release_actions import STEPS, Step, what_remains
from .release_workflow import RELEASES, needs_second_approval

ZERO = Decimal("0.00")
# The steps an inbox waits on; the rest (reject, withdraw) are on each release's page.
INBOX_STEPS = ["approve", "authorise"]
WAITING = "waiting"
ANY_STATE = "all"


def waiting_steps(user) -> list[str]:
    return [step for step in INBOX_STEPS if user.has_role(*RELEASES.step(step).roles)]


def waiting_states(user) -> set[ReleaseState]:
    return {state for step in waiting_steps(user) for state in RELEASES.step(step).sources}


def awaiting_count(user) -> int:
    """How many releases wait for the person's step in the localities they see (the header shows it on every page):
    one query, filtered on the person's lineage (User.commissioner_lineage, read once a request: the page's own
    scoped queries have read it before the header, or else it is one query more). It counts those they may not act
    on too (the inbox says why): it is what waits for their role."""
    states = waiting_states(user)
    if not states:
        return 0
    releases = Release.objects.filter(state__in=states)
    if not sees_everything(user):
        if not user.commissioner_id:
            return 0
        releases = releases.filter(locality__commissioner_id__in=user.commissioner_lineage())
    return releases.count()


@dataclass
class Chosen:
    """The inbox's filters, each kept only when it is one of the options offered (anything else shows nothing)."""

    scheme: str = ""
    ccg: str = ""
    locality: str = ""
    state: str = WAITING


@dataclass
class Options:
    schemes: list[Scheme]
    ccgs: list[Commissioner]
    localities: list
    states: list[tuple[str, str]] = field(default_factory=list)


def options(localities: list) -> Options:
    """What the filters offer: the schemes, and the CCGs and localities the person sees (one query)."""
    ccgs = {locality.commissioner_id: locality.commissioner for locality in localities}
    states = [(WAITING, "Waiting for you"), *ReleaseState.choices, (ANY_STATE, "Any state")]
    return Options(
        schemes=list(Scheme.objects.order_by("name")),
        ccgs=sorted(ccgs.values(), key=lambda ccg: ccg.code),
        localities=localities,
        states=states,
    )


def chosen_from(params, offered: Options) -> tuple[Chosen, bool]:
    """The filters asked for, and whether each is one on offer (a value the page does not offer shows nothing: it
    never reaches the database, where a NUL byte would be an error)."""
    chosen = Chosen(
        scheme=params.get("scheme", ""),
        ccg=params.get("ccg", ""),
        locality=params.get("locality", ""),
        state=params.get("state", WAITING),
    )
    valid = (
        chosen.scheme in {"", *(scheme.code for scheme in offered.schemes)}
        and chosen.ccg in {"", *(ccg.code for ccg in offered.ccgs)}
        and chosen.locality in {"", *(locality.code for locality in offered.localities)}
        and chosen.state in {value for value, _ in offered.states}
    )
    return chosen, valid


def inbox_releases(user, localities: list, chosen: Chosen) -> QuerySet[Release]:
    releases = Release.objects.filter(locality__in=[locality.pk for locality in localities])
    if chosen.scheme:
        releases = releases.filter(tranche__scheme__code=chosen.scheme)
    if chosen.ccg:
        releases = releases.filter(locality__commissioner__code=chosen.ccg)
    if chosen.locality:
        releases = releases.filter(locality__code=chosen.locality)
    if chosen.state == WAITING:
        releases = releases.filter(state__in=waiting_states(user))
    elif chosen.state != ANY_STATE:
        releases = releases.filter(state=chosen.state)
    return releases.select_related(
        "locality__commissioner",
        "tranche__scheme",
        "adjusts__locality",
        "adjusts__tranche",
        "approved_by",
        "authorised_by",
    ).order_by("proposed_at", "pk")


def totals(releases: QuerySet[Release]) -> dict:
    return releases.order_by().aggregate(count=Count("pk"), amount=Coalesce(Sum("amount"), ZERO))


@dataclass
class Row:
    release: Release
    step: Step | None  # the step the person may take from the inbox
    why_not: str  # why they may not take the step waiting for their role
    remains: str  # otherwise: what the release waits for


def may(user, release: Release, step: str, limit: Decimal) -> tuple[bool, str]:
    """funding.permissions' answer for a release the inbox shows (in the person's scope, in a state the step leaves
    from, the person's role taking it) without its queries: separation of duties reads the release alone. Only a
    second approval of a release the person approved, or now within the limit, asks the permission function itself."""
    if step == "authorise" and (release.approved_by_id == user.pk or not needs_second_approval(release.amount, limit)):
        return STEPS[step].allowed(user, release)
    return permissions.separation_of_duties(user, release)


def rows(user, releases, limit: Decimal) -> list[Row]:
    steps = waiting_steps(user)
    found = []
    for release in releases:
        step = next((s for s in steps if RELEASES.allows(s, release.state)), None)
        if step is None:
            found.append(Row(release, None, "", what_remains(release, limit)))
            continue
        ok, why = may(user, release, step, limit)
        found.append(Row(release, STEPS[step] if ok else None, "" if ok else why, ""))
    return found
