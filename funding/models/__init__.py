"""The LTS checklist as data, locality evidence and its transitions, reminders and the payments hand-off."""

from .checklist import ChecklistItem, Phase, Scheme
from .evidence import Evidence, EvidenceFile, EvidenceStatus, EvidenceTransition
from .outbox import REMINDER_DAYS, EvaluationRequest, ReminderKind, SentReminder

__all__ = [
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
