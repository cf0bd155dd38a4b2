"""The LTS checklist, evidence and its transitions, reminders, the payments hand-off, tranches, releases, runs."""

from .checklist import LTS_SCHEME, PLAN_EVIDENCE_ITEMS, ChecklistItem, Phase, Scheme
from .evidence import Evidence, EvidenceFile, EvidenceStatus, EvidenceTransition
from .ledger import (
    DEAD_STATES,
    IN_A_RUN,
    RELEASED_STATES,
    SEPARATE_SCHEMES,
    UNSETTLED_STATES,
    MilestoneEvaluation,
    Release,
    ReleaseKind,
    ReleaseLine,
    ReleaseState,
    ReleaseTransition,
    Tranche,
)
from .outbox import REMINDER_DAYS, EvaluationRequest, ReminderKind, SentReminder
from .payment_runs import PaymentRun, PaymentRunState
from .payments import Payment, ScheduleLine
from .rules import DelegatedLimit, RuleChange, RuleChangeState, VersionedRule

__all__ = [
    "LTS_SCHEME",
    "PLAN_EVIDENCE_ITEMS",
    "DEAD_STATES",
    "IN_A_RUN",
    "RELEASED_STATES",
    "SEPARATE_SCHEMES",
    "UNSETTLED_STATES",
    "DelegatedLimit",
    "RuleChange",
    "RuleChangeState",
    "VersionedRule",
    "MilestoneEvaluation",
    "Payment",
    "PaymentRun",
    "PaymentRunState",
    "Release",
    "ReleaseKind",
    "ReleaseLine",
    "ReleaseState",
    "ReleaseTransition",
    "ScheduleLine",
    "Tranche",
    "REMINDER_DAYS",
    "ChecklistItem",
    "EvaluationRequest",
    "Evidence",
    "EvidenceFile",
    "EvidenceStatus",
    "EvidenceTransition",
    "Phase",
    "ReminderKind",
    "Scheme",
    "SentReminder",
]
