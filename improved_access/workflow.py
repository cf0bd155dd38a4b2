"""The workflows of IA plans and their declarations (onecare.workflow): which states each step leaves from, where
it goes, and who takes it. improved_access.transitions makes the steps; improved_access.permissions asks these.

The locality's leads write and submit (a returned one is resubmitted); a commissioner for the locality accepts or
returns it with a reason, never the person who submitted it. A plan is submitted only with every declaration at least
submitted (IA.md), and its checklist evidence follows it (funding.workflow's evidence follows the plan).
"""

from onecare.accounts.roles import Role
from onecare.workflow import Step, Workflow

from .models import DeclarationStatus, PlanStatus, UploadStatus

LEADS = frozenset({Role.LOCALITY_LEAD})
COMMISSIONERS = frozenset({Role.COMMISSIONER})


def _review_workflow(name: str, states, noun: str) -> Workflow:
    """Plans and declarations share their steps and tags, each with its own states and name."""
    S = states
    return Workflow(
        name,
        S,
        [
            Step("submit", frozenset({S.DRAFT, S.RETURNED}), S.SUBMITTED, LEADS, "Submitted", refused_as="changed"),
            Step("accept", frozenset({S.SUBMITTED}), S.ACCEPTED, COMMISSIONERS, "Accepted", refused_as="reviewed"),
            Step("return", frozenset({S.SUBMITTED}), S.RETURNED, COMMISSIONERS, "Returned", refused_as="reviewed"),
        ],
        tags={
            S.DRAFT: "nhsuk-tag--grey",
            S.SUBMITTED: "nhsuk-tag--blue",
            S.ACCEPTED: "nhsuk-tag--green",
            S.RETURNED: "nhsuk-tag--red",
        },
        noun=noun,
    )


PLANS = _review_workflow("Improved Access plan", PlanStatus, "A plan")
DECLARATIONS = _review_workflow("Improved Access declaration", DeclarationStatus, "A declaration")

# An activity return file is checked once (improved_access.activity: in the request when small, by a worker when
# large; the sweep fails one stuck in the check), then is final. Its page shows the status in words, with no tag.
U = UploadStatus
IMPORT = frozenset({"the activity import"})
UPLOADS = Workflow(
    "activity upload",
    U,
    [
        Step("import", frozenset({U.CHECKING}), U.IMPORTED, IMPORT, "Imported"),
        Step("reject", frozenset({U.CHECKING}), U.REJECTED, IMPORT, "Rejected"),
        Step("fail", frozenset({U.CHECKING}), U.FAILED, IMPORT | {"the stuck-upload sweep"}, "Failed"),
    ],
    tags={},
    noun="An activity upload",
)
