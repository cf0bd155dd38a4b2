"""IA plans, timetables and declarations; compliance rules and payment terms; assessments; activity returns."""

from .activity import ActivityReturn, ActivityUpload, Appointment, UploadStatus
from .assessments import QuarterAssessment
from .plans import (
    LTS_SCHEME,
    PHASE_STARTS,
    PLAN_ITEMS,
    Booking,
    ClinicianType,
    Declaration,
    DeclarationKind,
    DeclarationStatus,
    Phase,
    Plan,
    PlanStatus,
    Session,
    Weekday,
    minutes_of,
)
from .rules import ComplianceRule, PaymentTerms, RuleKind, defaults_ensure, seed_defaults

__all__ = [
    "LTS_SCHEME",
    "PHASE_STARTS",
    "PLAN_ITEMS",
    "ActivityReturn",
    "ActivityUpload",
    "Appointment",
    "Booking",
    "ClinicianType",
    "ComplianceRule",
    "Declaration",
    "DeclarationKind",
    "DeclarationStatus",
    "PaymentTerms",
    "Phase",
    "Plan",
    "PlanStatus",
    "QuarterAssessment",
    "RuleKind",
    "Session",
    "UploadStatus",
    "Weekday",
    "defaults_ensure",
    "minutes_of",
    "seed_defaults",
]
