"""The ballot workflow (onecare.workflow): states, the steps between them, and who takes each one.

One Care staff are the returning officer (open, close, record postal and meeting votes); practices
vote online through their named lead or practice manager; only the scrutineer (Avon LMC) certifies.
"""

from onecare.membership.roles import ONECARE_STAFF, SCRUTINEER
from onecare.workflow import Step, Workflow

from .models import BallotStatus as S

PRACTICE = "practice voter"  # a practice's named lead or practice manager, for that practice only
STAFF = frozenset({ONECARE_STAFF})

BALLOTS = Workflow(
    "ballot",
    S,
    [
        Step("open", frozenset({S.DRAFT}), S.OPEN, STAFF, "Open the ballot"),
        Step("vote_online", frozenset({S.OPEN}), S.OPEN, frozenset({PRACTICE}), "Cast the practice's vote"),
        Step("vote_postal", frozenset({S.OPEN}), S.OPEN, STAFF, "Record a postal vote"),
        Step("vote_meeting", frozenset({S.OPEN}), S.OPEN, STAFF, "Record a meeting vote"),
        Step("close", frozenset({S.OPEN}), S.CLOSED, STAFF, "Close the ballot"),
        Step("certify", frozenset({S.CLOSED}), S.CERTIFIED, frozenset({SCRUTINEER}), "Certify the result"),
    ],
    tags={
        S.DRAFT: "nhsuk-tag--grey",
        S.OPEN: "nhsuk-tag--blue",
        S.CLOSED: "nhsuk-tag--purple",
        S.CERTIFIED: "nhsuk-tag--green",
    },
    noun="A ballot",
)
