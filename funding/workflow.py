"""The evidence workflow as data: which states each transition leaves from, where it goes, and who makes it.

The scheme's checklist process: localities (practice managers, locality leads) write and submit,
commissioners accept or return with a reason, and returned evidence is resubmitted.
"""

from dataclasses import dataclass

from onecare.accounts.roles import Role

from .models import EvidenceStatus as S


@dataclass(frozen=True)
class Transition:
    name: str
    sources: frozenset[S]
    target: S
    roles: frozenset[Role]
    label: str


EDITABLE_FROM = frozenset({S.NOT_STARTED, S.DRAFT, S.RETURNED})
LOCALITY_ROLES = frozenset({Role.PRACTICE_MANAGER, Role.LOCALITY_LEAD})
REVIEWER_ROLES = frozenset({Role.COMMISSIONER})

TRANSITIONS = {
    t.name: t
    for t in [
        Transition("save_draft", EDITABLE_FROM, S.DRAFT, LOCALITY_ROLES, "Save draft"),
        Transition("submit", EDITABLE_FROM, S.SUBMITTED, LOCALITY_ROLES, "Submit"),
        Transition("accept", frozenset({S.SUBMITTED}), S.ACCEPTED, REVIEWER_ROLES, "Accept"),
        Transition("return", frozenset({S.SUBMITTED}), S.RETURNED, REVIEWER_ROLES, "Return"),
    ]
}

# The locality can still change its evidence in these states.
EDITABLE = TRANSITIONS["submit"].sources
# Past the phase deadline, an item in one of these states is overdue (submitted or accepted is not).
OVERDUE_WHEN = EDITABLE

# The NHS.UK tag colour shown for each status.
TAG_CLASS = {
    S.NOT_STARTED: "nhsuk-tag--grey",
    S.DRAFT: "nhsuk-tag--blue",
    S.SUBMITTED: "nhsuk-tag--purple",
    S.RETURNED: "nhsuk-tag--orange",
    S.ACCEPTED: "nhsuk-tag--green",
}
