"""The ballot workflow as data: states, the transitions between them, and who makes each one.

One Care staff are the returning officer (open, close, record postal and meeting votes); practices
vote online through their named lead or practice manager; only the scrutineer (Avon LMC) certifies.
"""

from dataclasses import dataclass

from onecare.membership.roles import ONECARE_STAFF, SCRUTINEER

from .models import BallotStatus as S

PRACTICE = "practice voter"  # a practice's named lead or practice manager, for that practice only


@dataclass(frozen=True)
class Transition:
    name: str
    sources: frozenset[S]
    target: S
    actors: frozenset[str]
    label: str


TRANSITIONS = {
    t.name: t
    for t in [
        Transition("open", frozenset({S.DRAFT}), S.OPEN, frozenset({ONECARE_STAFF}), "Open the ballot"),
        Transition("vote_online", frozenset({S.OPEN}), S.OPEN, frozenset({PRACTICE}), "Cast the practice's vote"),
        Transition("vote_postal", frozenset({S.OPEN}), S.OPEN, frozenset({ONECARE_STAFF}), "Record a postal vote"),
        Transition("vote_meeting", frozenset({S.OPEN}), S.OPEN, frozenset({ONECARE_STAFF}), "Record a meeting vote"),
        Transition("close", frozenset({S.OPEN}), S.CLOSED, frozenset({ONECARE_STAFF}), "Close the ballot"),
        Transition("certify", frozenset({S.CLOSED}), S.CERTIFIED, frozenset({SCRUTINEER}), "Certify the result"),
    ]
}

TAG_CLASS = {
    S.DRAFT: "nhsuk-tag--grey",
    S.OPEN: "nhsuk-tag--blue",
    S.CLOSED: "nhsuk-tag--purple",
    S.CERTIFIED: "nhsuk-tag--green",
}
