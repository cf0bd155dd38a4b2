"""The evidence workflow (onecare.workflow): which states each step leaves from, where it goes, and who takes it.

The scheme's checklist process: localities (practice managers, locality leads) write and submit,
commissioners accept or return with a reason, and returned evidence is resubmitted. Accepted evidence is returned
(reopened) only to be put right after a release it opened was rejected. The evidence of an item that is another
record (an Improved Access plan) follows that record's workflow instead (transitions.evidence_follow).
"""

from onecare.accounts.roles import Role
from onecare.workflow import Step, Workflow

from .models import EvidenceStatus as S

EDITABLE_FROM = frozenset({S.NOT_STARTED, S.DRAFT, S.RETURNED})
LOCALITY_ROLES = frozenset({Role.PRACTICE_MANAGER, Role.LOCALITY_LEAD})
REVIEWER_ROLES = frozenset({Role.COMMISSIONER})

EVIDENCE = Workflow(
    "evidence",
    S,
    [
        Step("save_draft", EDITABLE_FROM, S.DRAFT, LOCALITY_ROLES, "Save draft", refused_as="changed"),
        Step("submit", EDITABLE_FROM, S.SUBMITTED, LOCALITY_ROLES, "Submit", refused_as="changed"),
        Step("accept", frozenset({S.SUBMITTED}), S.ACCEPTED, REVIEWER_ROLES, "Accept", refused_as="reviewed"),
        # After a release the acceptance opened was rejected, to be put right (permissions.can_reopen has the rest).
        Step("reopen", frozenset({S.ACCEPTED}), S.RETURNED, REVIEWER_ROLES, "Return the evidence to be put right"),
        Step("return", frozenset({S.SUBMITTED}), S.RETURNED, REVIEWER_ROLES, "Return", refused_as="reviewed"),
    ],
    tags={
        S.NOT_STARTED: "nhsuk-tag--grey",
        S.DRAFT: "nhsuk-tag--blue",
        S.SUBMITTED: "nhsuk-tag--purple",
        S.RETURNED: "nhsuk-tag--orange",
        S.ACCEPTED: "nhsuk-tag--green",
    },
    noun="Evidence",
)

# Past the phase deadline, an item the locality can still change is overdue (submitted or accepted is not).
OVERDUE_WHEN = EVIDENCE.step("submit").sources
