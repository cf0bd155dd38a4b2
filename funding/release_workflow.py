"""The release workflow (onecare.workflow): which states each step leaves from, where it goes, and who takes it.

Read it with funding/MONEY.md (the scheme's rules beside the paper's words): the evaluation proposes; a
commissioner approves (never one who triggered the evaluation or accepted the evidence that opened the
tranche, nor who proposed or approved the version of the rule it applied); above the delegated limit
(funding.DelegatedLimit, seeded from settings.FUNDING_DELEGATED_LIMIT) a finance approver authorises as a
second approval, and at or below it the approval authorises too, recorded as two steps (approved, then
authorised within the limit). Finance schedules authorised releases into a payment run and marks them paid.
Rejected and withdrawn are final for that release; the next evaluation may propose the tranche again (a
rejected one once its gate evidence has been accepted again).
"""

from decimal import Decimal

from django.conf import settings

from onecare.accounts.roles import Role
from onecare.workflow import Step, Workflow

from .models import ReleaseState as S

COMMISSIONERS = frozenset({Role.COMMISSIONER})
FINANCE = frozenset({Role.FINANCE_APPROVER})

RELEASES = Workflow(
    "release",
    S,
    [
        Step("approve", frozenset({S.PROPOSED}), S.APPROVED, COMMISSIONERS, "Approve"),
        Step("authorise", frozenset({S.APPROVED}), S.AUTHORISED, FINANCE, "Authorise (second approval)"),
        Step("reject", frozenset({S.PROPOSED, S.APPROVED}), S.REJECTED, COMMISSIONERS | FINANCE, "Reject"),
        Step("withdraw", frozenset({S.PROPOSED, S.APPROVED, S.AUTHORISED}), S.WITHDRAWN, COMMISSIONERS, "Withdraw"),
        Step("schedule", frozenset({S.AUTHORISED}), S.SCHEDULED, FINANCE, "Add to a payment run"),
        Step("unschedule", frozenset({S.SCHEDULED}), S.AUTHORISED, FINANCE, "Take out of a payment run"),
        Step("pay", frozenset({S.SCHEDULED}), S.PAID, FINANCE, "Mark paid"),
    ],
    tags={
        S.PROPOSED: "nhsuk-tag--purple",
        S.APPROVED: "nhsuk-tag--blue",
        S.AUTHORISED: "nhsuk-tag--aqua-green",
        S.SCHEDULED: "nhsuk-tag--yellow",
        S.PAID: "nhsuk-tag--green",
        S.REJECTED: "nhsuk-tag--red",
        S.WITHDRAWN: "nhsuk-tag--grey",
    },
    noun="A release",
)


def delegated_limit() -> Decimal:
    """The delegated limit in force: data (funding.DelegatedLimit, changed by four eyes: funding.rule_changes),
    seeded from the FUNDING_DELEGATED_LIMIT setting, which is also the answer while no row exists."""
    from .models import DelegatedLimit

    amount = DelegatedLimit.objects.order_by("pk").values_list("amount", flat=True).first()
    if amount is not None:
        return amount
    return Decimal(getattr(settings, "FUNDING_DELEGATED_LIMIT", Decimal("50000.00")))


def needs_second_approval(amount: Decimal, limit: Decimal | None = None) -> bool:
    """Above the limit (a claw-back counts by its size) a finance approver must authorise as well. A page of
    releases reads the limit once and passes it in."""
    return abs(amount) > (delegated_limit() if limit is None else limit)
